package dev.podlab.packet;

import io.netty.buffer.ByteBuf;
import java.util.zip.CRC32C;

/**
 * Flyweight view of the SCTP common header (RFC 9260 section 3.1; the kernel's
 * {@code struct sctphdr}):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Source Port Number        |     Destination Port Number   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Verification Tag                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           Checksum                            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  chunks ... (see {@link SctpChunk})
 * </pre>
 *
 * The checksum is CRC32c (RFC 9260 appendix A) over the whole packet with the checksum field
 * zeroed, computed with the JDK's {@link CRC32C}. The CRC's reflected bit order means the value
 * is stored least significant byte first: the kernel's {@code sctp_compute_cksum} returns
 * {@code cpu_to_le32(~crc)} and stores it as a raw 32-bit word. {@link #checksum()} returns the
 * CRC value (as {@code CRC32C.getValue()} gives it), reading the field little-endian.
 */
public final class Sctp {
    public static final int SRC_PORT_OFFSET = 0;
    public static final int DST_PORT_OFFSET = 2;
    public static final int VTAG_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 8;
    public static final int HEADER_LENGTH = 12;

    private ByteBuf buf;
    private int offset;

    public Sctp wrap(ByteBuf buf, int offset) {
        this.buf = buf;
        this.offset = offset;
        return this;
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

    public Sctp srcPort(int port) {
        buf.setShort(offset + SRC_PORT_OFFSET, port);
        return this;
    }

    public int dstPort() {
        return buf.getUnsignedShort(offset + DST_PORT_OFFSET);
    }

    public Sctp dstPort(int port) {
        buf.setShort(offset + DST_PORT_OFFSET, port);
        return this;
    }

    public int verificationTag() {
        return buf.getInt(offset + VTAG_OFFSET);
    }

    public Sctp verificationTag(int tag) {
        buf.setInt(offset + VTAG_OFFSET, tag);
        return this;
    }

    /** The stored CRC32c value (field read little-endian, see class comment). */
    public long checksum() {
        return buf.getUnsignedIntLE(offset + CHECKSUM_OFFSET);
    }

    public Sctp checksum(long crc) {
        buf.setIntLE(offset + CHECKSUM_OFFSET, (int) crc);
        return this;
    }

    /** Offset of the first chunk. */
    public int chunksOffset() {
        return offset + HEADER_LENGTH;
    }

    /**
     * CRC32c of the {@code length}-byte packet at this offset with the checksum field taken as
     * zero. The caller passes a reusable {@link CRC32C} so that no object is made per packet.
     */
    public long computeChecksum(int length, CRC32C crc) {
        crc.reset();
        update(crc, buf, offset, CHECKSUM_OFFSET);
        crc.update(0);
        crc.update(0);
        crc.update(0);
        crc.update(0);
        update(crc, buf, offset + HEADER_LENGTH, length - HEADER_LENGTH);
        return crc.getValue();
    }

    public Sctp updateChecksum(int length, CRC32C crc) {
        checksum(computeChecksum(length, crc));
        return this;
    }

    public boolean verifyChecksum(int length, CRC32C crc) {
        return computeChecksum(length, crc) == checksum();
    }

    private static void update(CRC32C crc, ByteBuf buf, int offset, int length) {
        if (length <= 0) {
            return;
        }
        if (buf.hasArray()) {
            crc.update(buf.array(), buf.arrayOffset() + offset, length);
        } else if (buf.nioBufferCount() == 1) {
            crc.update(buf.nioBuffer(offset, length));
        } else {
            for (int i = 0; i < length; i++) {
                crc.update(buf.getByte(offset + i));
            }
        }
    }
}
