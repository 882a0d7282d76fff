package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of an SCTP INIT or INIT ACK chunk (RFC 9260 sections 3.3.2 and 3.3.3; both share
 * this layout, {@code struct sctp_inithdr} after the chunk header):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Type = 1 / 2 |  Chunk Flags  |      Chunk Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Initiate Tag                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Advertised Receiver Window Credit (a_rwnd)           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Number of Outbound Streams   |   Number of Inbound Streams   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Initial TSN                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \              Optional/Variable-Length Parameters              /
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Parameters are TLVs (type 16 bits, length 16 bits including the 4-byte header, value padded to
 * 4); walk them with {@link #firstParameterOffset()}, {@link #parameterType(int)},
 * {@link #parameterLength(int)}. INIT ACK carries the State Cookie ({@link #PARAM_STATE_COOKIE}).
 */
public final class SctpInit {
    public static final int INITIATE_TAG_OFFSET = 4;
    public static final int A_RWND_OFFSET = 8;
    public static final int OUTBOUND_STREAMS_OFFSET = 12;
    public static final int INBOUND_STREAMS_OFFSET = 14;
    public static final int INITIAL_TSN_OFFSET = 16;
    public static final int PARAMETERS_OFFSET = 20;
    public static final int FIXED_LENGTH = 20;

    public static final int PARAM_IPV4_ADDRESS = 5;
    public static final int PARAM_STATE_COOKIE = 7;
    public static final int PARAM_SUPPORTED_ADDRESS_TYPES = 12;
    public static final int PARAM_ECN_CAPABLE = 0x8000;
    public static final int PARAM_FORWARD_TSN_SUPPORTED = 0xc000;

    private ByteBuf buf;
    private int offset;

    public SctpInit wrap(ByteBuf buf, int offset) {
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

    public int chunkType() {
        return buf.getUnsignedByte(offset);
    }

    public int chunkLength() {
        return buf.getUnsignedShort(offset + SctpChunk.LENGTH_OFFSET);
    }

    public int initiateTag() {
        return buf.getInt(offset + INITIATE_TAG_OFFSET);
    }

    public SctpInit initiateTag(int tag) {
        buf.setInt(offset + INITIATE_TAG_OFFSET, tag);
        return this;
    }

    public long aRwnd() {
        return buf.getUnsignedInt(offset + A_RWND_OFFSET);
    }

    public SctpInit aRwnd(long window) {
        buf.setInt(offset + A_RWND_OFFSET, (int) window);
        return this;
    }

    public int outboundStreams() {
        return buf.getUnsignedShort(offset + OUTBOUND_STREAMS_OFFSET);
    }

    public SctpInit outboundStreams(int n) {
        buf.setShort(offset + OUTBOUND_STREAMS_OFFSET, n);
        return this;
    }

    public int inboundStreams() {
        return buf.getUnsignedShort(offset + INBOUND_STREAMS_OFFSET);
    }

    public SctpInit inboundStreams(int n) {
        buf.setShort(offset + INBOUND_STREAMS_OFFSET, n);
        return this;
    }

    public long initialTsn() {
        return buf.getUnsignedInt(offset + INITIAL_TSN_OFFSET);
    }

    public SctpInit initialTsn(long tsn) {
        buf.setInt(offset + INITIAL_TSN_OFFSET, (int) tsn);
        return this;
    }

    public int firstParameterOffset() {
        return offset + PARAMETERS_OFFSET;
    }

    /** End of the chunk (unpadded) per its length field. */
    public int endOffset() {
        return offset + chunkLength();
    }

    public int parameterType(int paramOffset) {
        return buf.getUnsignedShort(paramOffset);
    }

    public int parameterLength(int paramOffset) {
        return buf.getUnsignedShort(paramOffset + 2);
    }

    /** Offset of the parameter after the one at {@code paramOffset} (its length padded to 4). */
    public int nextParameterOffset(int paramOffset) {
        return paramOffset + ((parameterLength(paramOffset) + 3) & ~3);
    }

    /** Offset of the first parameter of {@code type}, or -1 (stops at a malformed length). */
    public int findParameter(int type) {
        int p = firstParameterOffset();
        int end = endOffset();
        while (p + 4 <= end) {
            int len = parameterLength(p);
            if (len < 4 || p + len > end) {
                return -1;
            }
            if (parameterType(p) == type) {
                return p;
            }
            p += (len + 3) & ~3;
        }
        return -1;
    }
}
