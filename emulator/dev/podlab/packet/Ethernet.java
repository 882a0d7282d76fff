package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of an Ethernet II header (IEEE 802.3 clause 3.1.1 frame without preamble and
 * FCS, as Linux hands it to a packet socket):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    destination MAC (6 bytes)                  |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                      source MAC (6 bytes)                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          EtherType            |   payload ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Same layout as the kernel's {@code struct ethhdr}. VLAN tags, when present, sit between the
 * source MAC and the real EtherType: see {@link Vlan}. Absolute accessors on the wrapped buffer;
 * nothing is copied.
 */
public final class Ethernet {
    public static final int DST_OFFSET = 0;
    public static final int SRC_OFFSET = 6;
    public static final int ETHERTYPE_OFFSET = 12;
    /** ETH_HLEN */
    public static final int HEADER_LENGTH = 14;
    /** ETH_ZLEN: minimum frame length without FCS; shorter frames are padded by the NIC driver. */
    public static final int MIN_FRAME_LENGTH = 60;

    private ByteBuf buf;
    private int offset;

    /** Points this view at a header starting at absolute {@code offset} of {@code buf}. */
    public Ethernet wrap(ByteBuf buf, int offset) {
        this.buf = buf;
        this.offset = offset;
        return this;
    }

    public ByteBuf buf() {
        return buf;
    }

    public int offset() {
        return offset;
    }

    public int headerLength() {
        return HEADER_LENGTH;
    }

    /** True when {@code available} bytes from the header start hold the whole header. */
    public static boolean fits(int available) {
        return available >= HEADER_LENGTH;
    }

    public long dst() {
        return MacAddress.get(buf, offset + DST_OFFSET);
    }

    public Ethernet dst(long mac) {
        MacAddress.set(buf, offset + DST_OFFSET, mac);
        return this;
    }

    public long src() {
        return MacAddress.get(buf, offset + SRC_OFFSET);
    }

    public Ethernet src(long mac) {
        MacAddress.set(buf, offset + SRC_OFFSET, mac);
        return this;
    }

    /** One byte of the destination address, {@code i} in 0..5. */
    public int dstByte(int i) {
        return buf.getUnsignedByte(offset + DST_OFFSET + i);
    }

    /** One byte of the source address, {@code i} in 0..5. */
    public int srcByte(int i) {
        return buf.getUnsignedByte(offset + SRC_OFFSET + i);
    }

    /** The EtherType field (or 802.3 length, or a VLAN TPID when the frame is tagged). */
    public int etherType() {
        return buf.getUnsignedShort(offset + ETHERTYPE_OFFSET);
    }

    public Ethernet etherType(int type) {
        buf.setShort(offset + ETHERTYPE_OFFSET, type);
        return this;
    }
}
