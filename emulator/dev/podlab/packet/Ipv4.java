package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of an IPv4 header (RFC 791 section 3.1; the kernel's {@code struct iphdr}):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |   DSCP    |ECN|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |R|D|M|      Fragment Offset    |
 * |                               | |F|F|                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (IHL > 5)          |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Addresses are {@code int} in network order (see {@link Ipv4Address}). Getters never validate;
 * use {@link #fits}, {@link #ihl} and {@link #totalLength} against the captured length before
 * trusting a header read from the wire (as {@code ip_rcv_core} does).
 */
public final class Ipv4 {
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int ID_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SRC_OFFSET = 12;
    public static final int DST_OFFSET = 16;
    public static final int OPTIONS_OFFSET = 20;

    /** Header length without options. */
    public static final int MIN_HEADER_LENGTH = 20;
    /** Largest header: IHL 15. */
    public static final int MAX_HEADER_LENGTH = 60;
    /** Linux's default TTL ({@code sysctl net.ipv4.ip_default_ttl}, IPDEFTTL). */
    public static final int DEFAULT_TTL = 64;

    /** IP_CE: reserved ("evil") bit, in the 16-bit flags/fragment field. */
    public static final int FLAG_RESERVED = 0x8000;
    /** IP_DF */
    public static final int FLAG_DF = 0x4000;
    /** IP_MF */
    public static final int FLAG_MF = 0x2000;
    /** IP_OFFSET: fragment offset mask (units of 8 bytes). */
    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;

    /** IPTOS_TOS_MASK, the old RFC 1349 TOS bits (see {@link Icmp4#errorTos}). */
    public static final int TOS_MASK = 0x1e;
    /** IPTOS_PREC_INTERNETCONTROL (precedence 6, CS6). */
    public static final int TOS_PREC_INTERNETCONTROL = 0xc0;
    /** INET_ECN_MASK */
    public static final int ECN_MASK = 0x03;
    /** INET_ECN_CE */
    public static final int ECN_CE = 0x03;
    /** INET_ECN_ECT_0 */
    public static final int ECN_ECT_0 = 0x02;

    private ByteBuf buf;
    private int offset;

    public Ipv4 wrap(ByteBuf buf, int offset) {
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

    /** Header length in bytes from the IHL field (IHL * 4). */
    public int headerLength() {
        return ihl() * 4;
    }

    /** True when the fixed 20-byte header is available. */
    public static boolean fixedFits(int available) {
        return available >= MIN_HEADER_LENGTH;
    }

    /** True when the fixed header is available and the whole header as IHL describes it too. */
    public boolean fits(int available) {
        return available >= MIN_HEADER_LENGTH && available >= headerLength();
    }

    /** True when version is 4 and IHL is at least 5 (the {@code ip_rcv_core} sanity check). */
    public boolean isValidHeader() {
        return version() == 4 && ihl() >= 5;
    }

    public int version() {
        return buf.getUnsignedByte(offset + VERSION_IHL_OFFSET) >>> 4;
    }

    public int ihl() {
        return buf.getUnsignedByte(offset + VERSION_IHL_OFFSET) & 0x0f;
    }

    /** Sets version and IHL together (one byte). */
    public Ipv4 versionIhl(int version, int ihl) {
        buf.setByte(offset + VERSION_IHL_OFFSET, version << 4 | (ihl & 0x0f));
        return this;
    }

    /** The whole TOS / DS byte (DSCP and ECN). */
    public int tos() {
        return buf.getUnsignedByte(offset + TOS_OFFSET);
    }

    public Ipv4 tos(int tos) {
        buf.setByte(offset + TOS_OFFSET, tos);
        return this;
    }

    public int dscp() {
        return tos() >>> 2;
    }

    public int ecn() {
        return tos() & ECN_MASK;
    }

    public int totalLength() {
        return buf.getUnsignedShort(offset + TOTAL_LENGTH_OFFSET);
    }

    public Ipv4 totalLength(int length) {
        buf.setShort(offset + TOTAL_LENGTH_OFFSET, length);
        return this;
    }

    public int id() {
        return buf.getUnsignedShort(offset + ID_OFFSET);
    }

    public Ipv4 id(int id) {
        buf.setShort(offset + ID_OFFSET, id);
        return this;
    }

    /** The 16-bit flags + fragment offset field ({@code iph->frag_off}, host order). */
    public int flagsFragment() {
        return buf.getUnsignedShort(offset + FLAGS_FRAGMENT_OFFSET);
    }

    public Ipv4 flagsFragment(int value) {
        buf.setShort(offset + FLAGS_FRAGMENT_OFFSET, value);
        return this;
    }

    public boolean dontFragment() {
        return (flagsFragment() & FLAG_DF) != 0;
    }

    public boolean moreFragments() {
        return (flagsFragment() & FLAG_MF) != 0;
    }

    public boolean reservedFlag() {
        return (flagsFragment() & FLAG_RESERVED) != 0;
    }

    /** Fragment offset in bytes (the field counts 8-byte units). */
    public int fragmentOffset() {
        return (flagsFragment() & FRAGMENT_OFFSET_MASK) * 8;
    }

    /** True for any fragment, first or not ({@code ip_is_fragment}). */
    public boolean isFragment() {
        return (flagsFragment() & (FLAG_MF | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl() {
        return buf.getUnsignedByte(offset + TTL_OFFSET);
    }

    public Ipv4 ttl(int ttl) {
        buf.setByte(offset + TTL_OFFSET, ttl);
        return this;
    }

    public int protocol() {
        return buf.getUnsignedByte(offset + PROTOCOL_OFFSET);
    }

    public Ipv4 protocol(int protocol) {
        buf.setByte(offset + PROTOCOL_OFFSET, protocol);
        return this;
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    public Ipv4 checksum(int checksum) {
        buf.setShort(offset + CHECKSUM_OFFSET, checksum);
        return this;
    }

    public int src() {
        return buf.getInt(offset + SRC_OFFSET);
    }

    public Ipv4 src(int addr) {
        buf.setInt(offset + SRC_OFFSET, addr);
        return this;
    }

    public int dst() {
        return buf.getInt(offset + DST_OFFSET);
    }

    public Ipv4 dst(int addr) {
        buf.setInt(offset + DST_OFFSET, addr);
        return this;
    }

    public boolean hasOptions() {
        return ihl() > 5;
    }

    /** Offset of the payload (transport header), relative to the buffer. */
    public int payloadOffset() {
        return offset + headerLength();
    }

    /** Payload length per the header: total length minus header length (may be negative if bogus). */
    public int payloadLength() {
        return totalLength() - headerLength();
    }

    /** Computes the header checksum over IHL*4 bytes, treating the checksum field as zero. */
    public int computeChecksum() {
        // The whole header in one pass, less the stored checksum: the sum is unfolded, so the
        // field's value is subtracted exactly.
        return Checksums.fold(Checksums.sum(buf, offset, headerLength(), 0) - checksum());
    }

    /** Stores {@link #computeChecksum()} ({@code ip_send_check}). */
    public Ipv4 updateChecksum() {
        checksum(computeChecksum());
        return this;
    }

    /** True when the header sums to 0xffff including its checksum ({@code ip_fast_csum} == 0). */
    public boolean verifyChecksum() {
        return Checksums.internetChecksum(buf, offset, headerLength()) == 0;
    }

    /**
     * Decrements the TTL and patches the checksum incrementally, as {@code ip_decrease_ttl} does
     * on forwarding (RFC 1624). Returns the new TTL.
     */
    public int decrementTtl() {
        int word = buf.getUnsignedShort(offset + TTL_OFFSET);
        int ttl = (word >>> 8) - 1 & 0xff;
        int newWord = ttl << 8 | (word & 0xff);
        buf.setShort(offset + TTL_OFFSET, newWord);
        checksum(Checksums.update16(checksum(), word, newWord));
        return ttl;
    }

    /** Rewrites the source address and patches the header checksum incrementally (SNAT). */
    public Ipv4 rewriteSrc(int addr) {
        int old = src();
        src(addr);
        checksum(Checksums.update32(checksum(), old, addr));
        return this;
    }

    /** Rewrites the destination address and patches the header checksum incrementally (DNAT). */
    public Ipv4 rewriteDst(int addr) {
        int old = dst();
        dst(addr);
        checksum(Checksums.update32(checksum(), old, addr));
        return this;
    }

    /** The TCP/UDP pseudo-header partial sum for this header's addresses and protocol. */
    public long pseudoHeaderSum(int l4Length) {
        return Checksums.pseudoHeaderSum(src(), dst(), protocol(), l4Length);
    }
}
