package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of an SCTP chunk header (RFC 9260 section 3.2; {@code struct sctp_chunkhdr}),
 * plus the chunk types podlab builds:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Chunk Type  | Chunk  Flags  |        Chunk Length           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                         Chunk Value                           /
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Chunk length excludes padding; the next chunk starts at the length rounded up to 4.
 */
public final class SctpChunk {
    public static final int TYPE_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int LENGTH_OFFSET = 2;
    public static final int HEADER_LENGTH = 4;

    public static final int DATA = 0;
    public static final int INIT = 1;
    public static final int INIT_ACK = 2;
    public static final int SACK = 3;
    public static final int HEARTBEAT = 4;
    public static final int HEARTBEAT_ACK = 5;
    public static final int ABORT = 6;
    public static final int SHUTDOWN = 7;
    public static final int SHUTDOWN_ACK = 8;
    public static final int ERROR = 9;
    public static final int COOKIE_ECHO = 10;
    public static final int COOKIE_ACK = 11;
    public static final int SHUTDOWN_COMPLETE = 14;

    /** The T bit of ABORT and SHUTDOWN COMPLETE: the verification tag is reflected. */
    public static final int FLAG_T = 0x01;

    private ByteBuf buf;
    private int offset;

    public SctpChunk wrap(ByteBuf buf, int offset) {
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

    public int type() {
        return buf.getUnsignedByte(offset + TYPE_OFFSET);
    }

    public SctpChunk type(int type) {
        buf.setByte(offset + TYPE_OFFSET, type);
        return this;
    }

    public int flags() {
        return buf.getUnsignedByte(offset + FLAGS_OFFSET);
    }

    public SctpChunk flags(int flags) {
        buf.setByte(offset + FLAGS_OFFSET, flags);
        return this;
    }

    /** Chunk length including the 4-byte header, excluding padding. */
    public int length() {
        return buf.getUnsignedShort(offset + LENGTH_OFFSET);
    }

    public SctpChunk length(int length) {
        buf.setShort(offset + LENGTH_OFFSET, length);
        return this;
    }

    /** Length rounded up to a multiple of 4 (SCTP_PAD4). */
    public int paddedLength() {
        return (length() + 3) & ~3;
    }

    /** Offset of the following chunk. */
    public int nextOffset() {
        return offset + paddedLength();
    }

    /** The T bit (ABORT, SHUTDOWN COMPLETE). */
    public boolean tBit() {
        return (flags() & FLAG_T) != 0;
    }
}
