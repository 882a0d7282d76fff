package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of an SCTP ABORT chunk (RFC 9260 section 3.3.7):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 6    |  Reserved   |T|           Length              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                   zero or more Error Causes                   /
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * T set means the packet's verification tag is the sender's own (reflected) tag rather than the
 * peer's. Error causes are TLVs (code 16 bits, length 16 bits).
 */
public final class SctpAbort {
    public static final int FLAGS_OFFSET = 1;
    public static final int LENGTH_OFFSET = 2;
    public static final int CAUSES_OFFSET = 4;
    public static final int FIXED_LENGTH = 4;

    private ByteBuf buf;
    private int offset;

    public SctpAbort wrap(ByteBuf buf, int offset) {
        this.buf = buf;
        this.offset = offset;
        return this;
    }

    public int offset() {
        return offset;
    }

    public int headerLength() {
        return FIXED_LENGTH;
    }

    public static boolean fits(int available) {
        return available >= FIXED_LENGTH;
    }

    public boolean tBit() {
        return (buf.getUnsignedByte(offset + FLAGS_OFFSET) & SctpChunk.FLAG_T) != 0;
    }

    public SctpAbort tBit(boolean t) {
        int f = buf.getUnsignedByte(offset + FLAGS_OFFSET);
        buf.setByte(offset + FLAGS_OFFSET, t ? f | SctpChunk.FLAG_T : f & ~SctpChunk.FLAG_T);
        return this;
    }

    public int length() {
        return buf.getUnsignedShort(offset + LENGTH_OFFSET);
    }

    public boolean hasCauses() {
        return length() > FIXED_LENGTH;
    }

    /** Cause code of the first error cause (call only when {@link #hasCauses()}). */
    public int firstCauseCode() {
        return buf.getUnsignedShort(offset + CAUSES_OFFSET);
    }
}
