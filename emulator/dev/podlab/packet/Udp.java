package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of a UDP header (RFC 768; the kernel's {@code struct udphdr}):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Length             |           Checksum            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Over IPv4 a checksum of zero means "not computed" and must be accepted; a computed value of
 * zero is transmitted as 0xffff ({@code CSUM_MANGLED_0}, RFC 768).
 */
public final class Udp {
    public static final int SRC_PORT_OFFSET = 0;
    public static final int DST_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;

    private ByteBuf buf;
    private int offset;

    public Udp wrap(ByteBuf buf, int offset) {
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

    public static boolean fits(int available) {
        return available >= HEADER_LENGTH;
    }

    public int srcPort() {
        return buf.getUnsignedShort(offset + SRC_PORT_OFFSET);
    }

    public Udp srcPort(int port) {
        buf.setShort(offset + SRC_PORT_OFFSET, port);
        return this;
    }

    public int dstPort() {
        return buf.getUnsignedShort(offset + DST_PORT_OFFSET);
    }

    public Udp dstPort(int port) {
        buf.setShort(offset + DST_PORT_OFFSET, port);
        return this;
    }

    /** Length of header plus payload, per the header. */
    public int length() {
        return buf.getUnsignedShort(offset + LENGTH_OFFSET);
    }

    public Udp length(int length) {
        buf.setShort(offset + LENGTH_OFFSET, length);
        return this;
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    public Udp checksum(int checksum) {
        buf.setShort(offset + CHECKSUM_OFFSET, checksum);
        return this;
    }

    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    /**
     * The checksum to transmit for a datagram of {@code length} bytes at this offset: computed with
     * the pseudo-header and the checksum field taken as zero, 0x0000 mapped to 0xffff.
     */
    public int computeChecksum(int srcAddr, int dstAddr, int length) {
        long s = Checksums.pseudoHeaderSum(srcAddr, dstAddr, IpProtocol.UDP, length);
        s = Checksums.sum(buf, offset, CHECKSUM_OFFSET, s);
        s = Checksums.sum(buf, offset + CHECKSUM_OFFSET + 2, length - CHECKSUM_OFFSET - 2, s);
        int c = Checksums.fold(s);
        return c == 0 ? 0xffff : c;
    }

    public Udp updateChecksum(int srcAddr, int dstAddr, int length) {
        checksum(computeChecksum(srcAddr, dstAddr, length));
        return this;
    }

    /** True when the checksum is zero ("none", IPv4 only) or verifies over {@code length} bytes. */
    public boolean verifyChecksum(int srcAddr, int dstAddr, int length) {
        if (checksum() == 0) {
            return true;
        }
        long s = Checksums.pseudoHeaderSum(srcAddr, dstAddr, IpProtocol.UDP, length);
        return Checksums.fold(Checksums.sum(buf, offset, length, s)) == 0;
    }
}
