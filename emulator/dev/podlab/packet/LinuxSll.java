package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of the Linux "cooked" capture header, version 1 (LINKTYPE_LINUX_SLL, as written
 * by libpcap for {@code tcpdump -i any}):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Packet type           |        ARPHRD_ type           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Link-layer address length    |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |              Link-layer address (8 bytes, zero padded)        |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |        Protocol type          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Packet type is PACKET_HOST (0), PACKET_BROADCAST (1), PACKET_MULTICAST (2),
 * PACKET_OTHERHOST (3) or PACKET_OUTGOING (4). Protocol type is an EtherType for Ethernet devices.
 */
public final class LinuxSll {
    public static final int PACKET_TYPE_OFFSET = 0;
    public static final int HATYPE_OFFSET = 2;
    public static final int ADDR_LENGTH_OFFSET = 4;
    public static final int ADDR_OFFSET = 6;
    public static final int PROTOCOL_OFFSET = 14;
    public static final int HEADER_LENGTH = 16;

    public static final int PACKET_HOST = 0;
    public static final int PACKET_BROADCAST = 1;
    public static final int PACKET_MULTICAST = 2;
    public static final int PACKET_OTHERHOST = 3;
    public static final int PACKET_OUTGOING = 4;

    private ByteBuf buf;
    private int offset;

    public LinuxSll wrap(ByteBuf buf, int offset) {
        this.buf = buf;
        this.offset = offset;
        return this;
    }

    public int headerLength() {
        return HEADER_LENGTH;
    }

    public static boolean fits(int available) {
        return available >= HEADER_LENGTH;
    }

    public int packetType() {
        return buf.getUnsignedShort(offset + PACKET_TYPE_OFFSET);
    }

    public int hardwareType() {
        return buf.getUnsignedShort(offset + HATYPE_OFFSET);
    }

    public int addressLength() {
        return buf.getUnsignedShort(offset + ADDR_LENGTH_OFFSET);
    }

    /** The address as a 48-bit MAC (meaningful when {@link #addressLength()} is 6). */
    public long mac() {
        return MacAddress.get(buf, offset + ADDR_OFFSET);
    }

    public int protocol() {
        return buf.getUnsignedShort(offset + PROTOCOL_OFFSET);
    }
}
