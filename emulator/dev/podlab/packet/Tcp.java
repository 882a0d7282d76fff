package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of a TCP header (RFC 9293 section 3.1; the kernel's {@code struct tcphdr}):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |     |A|C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsv |E|W|C|R|C|S|S|Y|I|            Window             |
 * |       |     | |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The AE bit (formerly NS, RFC 3540; now Accurate ECN) is exposed as flag bit 8 ({@link #AE}), so
 * {@link #flags()} is a 9-bit value. Sequence numbers are returned as unsigned values in a
 * {@code long}. Options are walked without allocation with {@link Options}.
 */
public final class Tcp {
    public static final int SRC_PORT_OFFSET = 0;
    public static final int DST_PORT_OFFSET = 2;
    public static final int SEQ_OFFSET = 4;
    public static final int ACK_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_OFFSET = 18;
    public static final int OPTIONS_OFFSET = 20;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;
    /** AE (Accurate ECN, RFC 9768), formerly NS (ECN nonce, RFC 3540): low bit of byte 12. */
    public static final int AE = 0x100;

    // Option kinds (TCPOPT_* in include/net/tcp.h) and lengths (TCPOLEN_*).
    public static final int OPT_EOL = 0;
    public static final int OPT_NOP = 1;
    public static final int OPT_MSS = 2;
    public static final int OPT_WINDOW = 3;
    public static final int OPT_SACK_PERM = 4;
    public static final int OPT_SACK = 5;
    public static final int OPT_TIMESTAMP = 8;
    public static final int OPTLEN_MSS = 4;
    public static final int OPTLEN_WINDOW = 3;
    public static final int OPTLEN_SACK_PERM = 2;
    public static final int OPTLEN_TIMESTAMP = 10;
    public static final int OPTLEN_SACK_BASE = 2;
    public static final int OPTLEN_SACK_PERBLOCK = 8;

    private ByteBuf buf;
    private int offset;

    public Tcp wrap(ByteBuf buf, int offset) {
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

    /** Header length from the data offset field (doff * 4). */
    public int headerLength() {
        return dataOffset() * 4;
    }

    public static boolean fixedFits(int available) {
        return available >= MIN_HEADER_LENGTH;
    }

    /** True when the fixed header is available and the whole header as doff describes it too. */
    public boolean fits(int available) {
        return available >= MIN_HEADER_LENGTH && available >= headerLength();
    }

    public int srcPort() {
        return buf.getUnsignedShort(offset + SRC_PORT_OFFSET);
    }

    public Tcp srcPort(int port) {
        buf.setShort(offset + SRC_PORT_OFFSET, port);
        return this;
    }

    public int dstPort() {
        return buf.getUnsignedShort(offset + DST_PORT_OFFSET);
    }

    public Tcp dstPort(int port) {
        buf.setShort(offset + DST_PORT_OFFSET, port);
        return this;
    }

    public long seq() {
        return buf.getUnsignedInt(offset + SEQ_OFFSET);
    }

    public Tcp seq(long seq) {
        buf.setInt(offset + SEQ_OFFSET, (int) seq);
        return this;
    }

    public long ack() {
        return buf.getUnsignedInt(offset + ACK_OFFSET);
    }

    public Tcp ack(long ack) {
        buf.setInt(offset + ACK_OFFSET, (int) ack);
        return this;
    }

    /** Data offset in 32-bit words (5..15 when valid). */
    public int dataOffset() {
        return buf.getUnsignedByte(offset + DATA_OFFSET_OFFSET) >>> 4;
    }

    /** Sets the data offset, keeping the reserved bits and the AE bit of the same byte. */
    public Tcp dataOffset(int words) {
        int b = buf.getUnsignedByte(offset + DATA_OFFSET_OFFSET);
        buf.setByte(offset + DATA_OFFSET_OFFSET, words << 4 | (b & 0x0f));
        return this;
    }

    /** The three reserved bits between data offset and AE. */
    public int reserved() {
        return buf.getUnsignedByte(offset + DATA_OFFSET_OFFSET) >>> 1 & 0x7;
    }

    /** All nine flag bits: AE in bit 8, CWR..FIN in bits 7..0. */
    public int flags() {
        return (buf.getUnsignedByte(offset + DATA_OFFSET_OFFSET) & 1) << 8
                | buf.getUnsignedByte(offset + FLAGS_OFFSET);
    }

    /** Sets all nine flag bits, keeping data offset and reserved bits. */
    public Tcp flags(int flags) {
        int b = buf.getUnsignedByte(offset + DATA_OFFSET_OFFSET);
        buf.setByte(offset + DATA_OFFSET_OFFSET, (b & 0xfe) | (flags >>> 8 & 1));
        buf.setByte(offset + FLAGS_OFFSET, flags);
        return this;
    }

    public boolean hasFlags(int mask) {
        return (flags() & mask) == mask;
    }

    public boolean fin() {
        return (flags() & FIN) != 0;
    }

    public boolean syn() {
        return (flags() & SYN) != 0;
    }

    public boolean rst() {
        return (flags() & RST) != 0;
    }

    public boolean psh() {
        return (flags() & PSH) != 0;
    }

    public boolean ackFlag() {
        return (flags() & ACK) != 0;
    }

    public boolean urg() {
        return (flags() & URG) != 0;
    }

    public boolean ece() {
        return (flags() & ECE) != 0;
    }

    public boolean cwr() {
        return (flags() & CWR) != 0;
    }

    public boolean ae() {
        return (flags() & AE) != 0;
    }

    public int window() {
        return buf.getUnsignedShort(offset + WINDOW_OFFSET);
    }

    public Tcp window(int window) {
        buf.setShort(offset + WINDOW_OFFSET, window);
        return this;
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    public Tcp checksum(int checksum) {
        buf.setShort(offset + CHECKSUM_OFFSET, checksum);
        return this;
    }

    public int urgentPointer() {
        return buf.getUnsignedShort(offset + URGENT_OFFSET);
    }

    public Tcp urgentPointer(int pointer) {
        buf.setShort(offset + URGENT_OFFSET, pointer);
        return this;
    }

    public int optionsOffset() {
        return offset + OPTIONS_OFFSET;
    }

    public int optionsLength() {
        return Math.max(0, headerLength() - MIN_HEADER_LENGTH);
    }

    /**
     * Checksum of a segment of {@code segmentLength} bytes (header and payload) at this offset,
     * with the IPv4 pseudo-header, the checksum field taken as zero ({@code tcp_v4_check}).
     */
    public int computeChecksum(int srcAddr, int dstAddr, int segmentLength) {
        long s = Checksums.pseudoHeaderSum(srcAddr, dstAddr, IpProtocol.TCP, segmentLength);
        s = Checksums.sum(buf, offset, CHECKSUM_OFFSET, s);
        s = Checksums.sum(buf, offset + CHECKSUM_OFFSET + 2, segmentLength - CHECKSUM_OFFSET - 2, s);
        return Checksums.fold(s);
    }

    public Tcp updateChecksum(int srcAddr, int dstAddr, int segmentLength) {
        checksum(computeChecksum(srcAddr, dstAddr, segmentLength));
        return this;
    }

    public boolean verifyChecksum(int srcAddr, int dstAddr, int segmentLength) {
        long s = Checksums.pseudoHeaderSum(srcAddr, dstAddr, IpProtocol.TCP, segmentLength);
        return Checksums.fold(Checksums.sum(buf, offset, segmentLength, s)) == 0;
    }

    /**
     * Absolute offset of the first option of {@code kind}, or -1 if absent or the option list is
     * malformed before it. Walks the options within the header's own length.
     */
    public int findOption(int kind) {
        int p = optionsOffset();
        int end = offset + headerLength();
        while (p < end) {
            int k = buf.getUnsignedByte(p);
            if (k == OPT_EOL) {
                return -1;
            }
            if (k == OPT_NOP) {
                p++;
                continue;
            }
            if (p + 1 >= end) {
                return -1;
            }
            int len = buf.getUnsignedByte(p + 1);
            if (len < 2 || p + len > end) {
                return -1;
            }
            if (k == kind) {
                return p;
            }
            p += len;
        }
        return -1;
    }

    /**
     * A reusable cursor over a TCP option list, allocation-free:
     *
     * <pre>{@code
     * opts.wrap(tcp, available);
     * while (opts.next()) { switch (opts.kind()) { case Tcp.OPT_MSS -> opts.mss(); ... } }
     * if (opts.malformed()) ...
     * }</pre>
     *
     * NOP and EOL are reported as options of length 1 (EOL ends the walk after being reported). A
     * length byte below 2 or an option running past the end of the header (or of the captured
     * bytes) stops the walk and sets {@link #malformed()} (or {@link #truncated()}), the checks of
     * the kernel's {@code tcp_parse_options}.
     */
    public static final class Options {
        private ByteBuf buf;
        private int pos;
        private int end;
        private int headerEnd;
        private int current;
        private int kind;
        private int length;
        private boolean malformed;
        private boolean truncated;
        private boolean done;

        /**
         * Starts a walk over the options of {@code tcp}; {@code available} is the number of
         * captured bytes from the start of the TCP header (options beyond it are "truncated").
         */
        public Options wrap(Tcp tcp, int available) {
            return wrap(tcp.buf, tcp.optionsOffset(), tcp.optionsLength(), available - MIN_HEADER_LENGTH);
        }

        /** Starts a walk over {@code length} option bytes at {@code offset}, {@code available} of them captured. */
        public Options wrap(ByteBuf buf, int offset, int length, int available) {
            this.buf = buf;
            this.pos = offset;
            this.headerEnd = offset + length;
            this.end = offset + Math.max(0, Math.min(length, available));
            this.current = -1;
            this.kind = -1;
            this.length = 0;
            this.malformed = false;
            this.truncated = false;
            this.done = false;
            return this;
        }

        /** Advances to the next option; false at the end of the list or on a malformed/cut option. */
        public boolean next() {
            if (done || pos >= headerEnd) {
                return false;
            }
            if (pos >= end) {
                truncated = true;
                done = true;
                return false;
            }
            int k = buf.getUnsignedByte(pos);
            if (k == OPT_EOL || k == OPT_NOP) {
                current = pos;
                kind = k;
                length = 1;
                pos++;
                if (k == OPT_EOL) {
                    done = true;
                }
                return true;
            }
            if (pos + 1 >= headerEnd) {
                malformed = true;
                done = true;
                return false;
            }
            if (pos + 1 >= end) {
                truncated = true;
                done = true;
                return false;
            }
            int len = buf.getUnsignedByte(pos + 1);
            if (len < 2 || pos + len > headerEnd) {
                malformed = true;
                done = true;
                return false;
            }
            if (pos + len > end) {
                truncated = true;
                done = true;
                return false;
            }
            current = pos;
            kind = k;
            length = len;
            pos += len;
            return true;
        }

        public int kind() {
            return kind;
        }

        /** Length of the current option including kind and length bytes (1 for NOP/EOL). */
        public int length() {
            return length;
        }

        /** Absolute offset of the current option's kind byte. */
        public int offset() {
            return current;
        }

        /** True when the walk stopped at an invalid length. */
        public boolean malformed() {
            return malformed;
        }

        /** True when the walk stopped because the captured bytes ended inside the options. */
        public boolean truncated() {
            return truncated;
        }

        /** True when the current option has the canonical length for its kind (or is unknown). */
        public boolean hasExpectedLength() {
            return switch (kind) {
                case OPT_MSS -> length == OPTLEN_MSS;
                case OPT_WINDOW -> length == OPTLEN_WINDOW;
                case OPT_SACK_PERM -> length == OPTLEN_SACK_PERM;
                case OPT_TIMESTAMP -> length == OPTLEN_TIMESTAMP;
                case OPT_SACK -> length >= OPTLEN_SACK_BASE + OPTLEN_SACK_PERBLOCK
                        && (length - OPTLEN_SACK_BASE) % OPTLEN_SACK_PERBLOCK == 0;
                default -> true;
            };
        }

        /** MSS value of an MSS option. */
        public int mss() {
            return buf.getUnsignedShort(current + 2);
        }

        /** Shift count of a window-scale option. */
        public int windowScale() {
            return buf.getUnsignedByte(current + 2);
        }

        public long tsVal() {
            return buf.getUnsignedInt(current + 2);
        }

        public long tsEcr() {
            return buf.getUnsignedInt(current + 6);
        }

        /** Number of blocks of a SACK option. */
        public int sackBlocks() {
            return (length - OPTLEN_SACK_BASE) / OPTLEN_SACK_PERBLOCK;
        }

        public long sackLeft(int block) {
            return buf.getUnsignedInt(current + 2 + block * 8);
        }

        public long sackRight(int block) {
            return buf.getUnsignedInt(current + 6 + block * 8);
        }
    }
}
