package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of the Linux "cooked" capture header, version 2 (LINKTYPE_LINUX_SLL2):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Protocol type          |       Reserved (MBZ)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Interface index                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         ARPHRD_ type          |  Packet type  | Addr. length  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              Link-layer address (8 bytes, zero padded)        |
 * +                                                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class LinuxSll2 {
    public static final int PROTOCOL_OFFSET = 0;
    public static final int RESERVED_OFFSET = 2;
    public static final int IFINDEX_OFFSET = 4;
    public static final int HATYPE_OFFSET = 8;
    public static final int PACKET_TYPE_OFFSET = 10;
    public static final int ADDR_LENGTH_OFFSET = 11;
    public static final int ADDR_OFFSET = 12;
    public static final int HEADER_LENGTH = 20;

    private ByteBuf buf;
    private int offset;

    public LinuxSll2 wrap(ByteBuf buf, int offset) {
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

    public int protocol() {
        return buf.getUnsignedShort(offset + PROTOCOL_OFFSET);
    }

    public int interfaceIndex() {
        return buf.getInt(offset + IFINDEX_OFFSET);
    }

    public int hardwareType() {
        return buf.getUnsignedShort(offset + HATYPE_OFFSET);
    }

    /** PACKET_HOST .. PACKET_OUTGOING, as in {@link LinuxSll}. */
    public int packetType() {
        return buf.getUnsignedByte(offset + PACKET_TYPE_OFFSET);
    }

    public int addressLength() {
        return buf.getUnsignedByte(offset + ADDR_LENGTH_OFFSET);
    }

    public long mac() {
        return MacAddress.get(buf, offset + ADDR_OFFSET);
    }
}
