package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of one IEEE 802.1Q / 802.1ad tag as it appears after the source MAC, with its
 * TPID (0x8100 or 0x88a8) at {@link #TPID_OFFSET}:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      TPID (0x8100/0x88a8)     | PCP |D|        VLAN ID        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  next EtherType (or TPID)     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The kernel's {@code struct vlan_ethhdr} puts the same fields at offsets 12..17 of the frame;
 * this view starts at the TPID so that stacked tags (QinQ) are walked by re-wrapping at
 * {@code offset + 4}.
 */
public final class Vlan {
    public static final int TPID_OFFSET = 0;
    public static final int TCI_OFFSET = 2;
    public static final int NEXT_TYPE_OFFSET = 4;
    /** VLAN_HLEN: bytes a tag adds to the frame. */
    public static final int TAG_LENGTH = 4;

    private ByteBuf buf;
    private int offset;

    public Vlan wrap(ByteBuf buf, int offset) {
        this.buf = buf;
        this.offset = offset;
        return this;
    }

    public int offset() {
        return offset;
    }

    public int headerLength() {
        return TAG_LENGTH;
    }

    /** True when the TPID, TCI and the following type field (6 bytes) are available. */
    public static boolean fits(int available) {
        return available >= TAG_LENGTH + 2;
    }

    /** True for the TPIDs Linux's {@code eth_type_vlan} accepts. */
    public static boolean isTpid(int etherType) {
        return etherType == EtherType.VLAN || etherType == EtherType.QINQ;
    }

    public int tpid() {
        return buf.getUnsignedShort(offset + TPID_OFFSET);
    }

    public Vlan tpid(int tpid) {
        buf.setShort(offset + TPID_OFFSET, tpid);
        return this;
    }

    /** Tag control information: PCP (3 bits), DEI (1 bit), VID (12 bits). */
    public int tci() {
        return buf.getUnsignedShort(offset + TCI_OFFSET);
    }

    public Vlan tci(int tci) {
        buf.setShort(offset + TCI_OFFSET, tci);
        return this;
    }

    public int vid() {
        return tci() & 0x0fff;
    }

    public int pcp() {
        return tci() >>> 13;
    }

    public boolean dei() {
        return (tci() & 0x1000) != 0;
    }

    /** The EtherType (or next TPID) following this tag. */
    public int nextType() {
        return buf.getUnsignedShort(offset + NEXT_TYPE_OFFSET);
    }

    public Vlan nextType(int type) {
        buf.setShort(offset + NEXT_TYPE_OFFSET, type);
        return this;
    }
}
