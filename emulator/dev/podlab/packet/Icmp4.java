package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of an ICMPv4 header (RFC 792; the kernel's {@code struct icmphdr}):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  echo: Identifier             |  echo: Sequence Number        |
 * |  frag-needed: unused (0)      |  frag-needed: Next-Hop MTU    |
 * |  other errors: unused (0)                                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  echo: data ...   errors: offending IP header + leading data  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
 * </pre>
 *
 * Next-hop MTU in the frag-needed message is RFC 1191. The checksum covers the whole ICMP message
 * (header and data), without pseudo-header.
 */
public final class Icmp4 {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    /** Echo identifier ({@code un.echo.id}). */
    public static final int ID_OFFSET = 4;
    /** Echo sequence ({@code un.echo.sequence}). */
    public static final int SEQUENCE_OFFSET = 6;
    /** Next-hop MTU of a frag-needed message ({@code un.frag.mtu}). */
    public static final int MTU_OFFSET = 6;
    /** The 32-bit "rest of header" ({@code un.gateway}). */
    public static final int REST_OFFSET = 4;
    public static final int HEADER_LENGTH = 8;

    // Types, with the names of include/uapi/linux/icmp.h.
    /** ICMP_ECHOREPLY */
    public static final int ECHO_REPLY = 0;
    /** ICMP_DEST_UNREACH */
    public static final int DEST_UNREACH = 3;
    /** ICMP_SOURCE_QUENCH */
    public static final int SOURCE_QUENCH = 4;
    /** ICMP_REDIRECT */
    public static final int REDIRECT = 5;
    /** ICMP_ECHO */
    public static final int ECHO = 8;
    /** ICMP_TIME_EXCEEDED */
    public static final int TIME_EXCEEDED = 11;
    /** ICMP_PARAMETERPROB */
    public static final int PARAMETERPROB = 12;

    // Codes for DEST_UNREACH.
    /** ICMP_NET_UNREACH */
    public static final int NET_UNREACH = 0;
    /** ICMP_HOST_UNREACH */
    public static final int HOST_UNREACH = 1;
    /** ICMP_PROT_UNREACH */
    public static final int PROT_UNREACH = 2;
    /** ICMP_PORT_UNREACH */
    public static final int PORT_UNREACH = 3;
    /** ICMP_FRAG_NEEDED */
    public static final int FRAG_NEEDED = 4;
    /** ICMP_NET_ANO: network administratively prohibited. */
    public static final int NET_ANO = 9;
    /** ICMP_HOST_ANO: host administratively prohibited. */
    public static final int HOST_ANO = 10;
    /** ICMP_PKT_FILTERED: communication administratively prohibited (iptables REJECT --reject-with icmp-admin-prohibited). */
    public static final int PKT_FILTERED = 13;

    // Codes for TIME_EXCEEDED.
    /** ICMP_EXC_TTL */
    public static final int EXC_TTL = 0;
    /** ICMP_EXC_FRAGTIME */
    public static final int EXC_FRAGTIME = 1;

    /**
     * The largest ICMP error datagram Linux builds: {@code __icmp_send} caps the "room" at 576
     * bytes (RFC 1812 section 4.3.2.3) including the new IP and ICMP headers.
     */
    public static final int ERROR_MAX_DATAGRAM = 576;

    private ByteBuf buf;
    private int offset;

    public Icmp4 wrap(ByteBuf buf, int offset) {
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

    /** True for the types {@code icmp_pointers[type].error} marks as errors. */
    public static boolean isError(int type) {
        return type == DEST_UNREACH || type == SOURCE_QUENCH || type == REDIRECT
                || type == TIME_EXCEEDED || type == PARAMETERPROB;
    }

    /**
     * The TOS of an ICMP error as {@code __icmp_send} chooses it: the offending packet's
     * RFC 1349 TOS bits with precedence "internetwork control" (0xc0).
     */
    public static int errorTos(int offendingTos) {
        return (offendingTos & Ipv4.TOS_MASK) | Ipv4.TOS_PREC_INTERNETCONTROL;
    }

    /**
     * How many bytes of the offending datagram (from its IP header) an ICMP error quotes, as
     * {@code __icmp_send} computes it: room = min(route MTU, 576) - 20 (new IP header, no options)
     * - 8 (ICMP header); quoted = min(offending length, room). Returns -1 when room is not larger
     * than an IP header, where Linux sends nothing.
     */
    public static int quotedLength(int offendingLength, int routeMtu) {
        int room = Math.min(routeMtu, ERROR_MAX_DATAGRAM) - Ipv4.MIN_HEADER_LENGTH - HEADER_LENGTH;
        if (room <= Ipv4.MIN_HEADER_LENGTH) {
            return -1;
        }
        return Math.min(offendingLength, room);
    }

    public int type() {
        return buf.getUnsignedByte(offset + TYPE_OFFSET);
    }

    public Icmp4 type(int type) {
        buf.setByte(offset + TYPE_OFFSET, type);
        return this;
    }

    public int code() {
        return buf.getUnsignedByte(offset + CODE_OFFSET);
    }

    public Icmp4 code(int code) {
        buf.setByte(offset + CODE_OFFSET, code);
        return this;
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    public Icmp4 checksum(int checksum) {
        buf.setShort(offset + CHECKSUM_OFFSET, checksum);
        return this;
    }

    public int id() {
        return buf.getUnsignedShort(offset + ID_OFFSET);
    }

    public Icmp4 id(int id) {
        buf.setShort(offset + ID_OFFSET, id);
        return this;
    }

    public int sequence() {
        return buf.getUnsignedShort(offset + SEQUENCE_OFFSET);
    }

    public Icmp4 sequence(int seq) {
        buf.setShort(offset + SEQUENCE_OFFSET, seq);
        return this;
    }

    /** Next-hop MTU of a frag-needed message. */
    public int nextHopMtu() {
        return buf.getUnsignedShort(offset + MTU_OFFSET);
    }

    public Icmp4 nextHopMtu(int mtu) {
        buf.setShort(offset + MTU_OFFSET, mtu);
        return this;
    }

    /** The 32-bit word after the checksum (gateway of a redirect, unused field of errors). */
    public int rest() {
        return buf.getInt(offset + REST_OFFSET);
    }

    public Icmp4 rest(int value) {
        buf.setInt(offset + REST_OFFSET, value);
        return this;
    }

    /** Offset of the data (echo payload or quoted datagram). */
    public int dataOffset() {
        return offset + HEADER_LENGTH;
    }

    /** Checksum of the {@code length}-byte message at this offset, with the checksum field taken as zero. */
    public int computeChecksum(int length) {
        long s = Checksums.sum(buf, offset, CHECKSUM_OFFSET, 0);
        s = Checksums.sum(buf, offset + CHECKSUM_OFFSET + 2, length - CHECKSUM_OFFSET - 2, s);
        return Checksums.fold(s);
    }

    public Icmp4 updateChecksum(int length) {
        checksum(computeChecksum(length));
        return this;
    }

    public boolean verifyChecksum(int length) {
        return Checksums.internetChecksum(buf, offset, length) == 0;
    }

    /**
     * A short name for an ICMP error as a person reads it: {@code "net unreachable"},
     * {@code "fragmentation needed"}, {@code "administratively prohibited"}, {@code "time exceeded"}.
     */
    public static String describe(int type, int code) {
        if (type == TIME_EXCEEDED) {
            return code == EXC_FRAGTIME ? "reassembly time exceeded" : "time exceeded";
        }
        if (type != DEST_UNREACH) {
            return "type " + type + " code " + code;
        }
        return switch (code) {
            case NET_UNREACH -> "net unreachable";
            case HOST_UNREACH -> "host unreachable";
            case PROT_UNREACH -> "protocol unreachable";
            case PORT_UNREACH -> "port unreachable";
            case FRAG_NEEDED -> "fragmentation needed";
            case NET_ANO -> "net prohibited";
            case HOST_ANO -> "host prohibited";
            case PKT_FILTERED -> "administratively prohibited";
            default -> "unreachable code " + code;
        };
    }
}
