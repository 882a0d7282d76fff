package dev.podlab.packet;

/**
 * The result of {@link Dissector#dissect}: where each header of a frame starts, what it is, and
 * what is wrong with it, for every encapsulation level, in primitive fields only. One instance is
 * reused for every packet (the dissector overwrites it), so reading a frame allocates nothing.
 *
 * <p>Level 0 is the frame as captured; each tunnel (VXLAN, IPIP, 6in4) opens the next level,
 * whose layer-2 kind is {@link #L2_ETHERNET} for VXLAN and {@link #L2_NONE} for IP-in-IP. A
 * printer walks it like this:
 *
 * <pre>{@code
 * for (int lv = 0; lv < layers.levels(); lv++) {
 *     switch (layers.l2Kind(lv)) { case Layers.L2_ETHERNET -> eth.wrap(buf, layers.l2Offset(lv)); ... }
 *     switch (layers.l3Kind(lv)) { case Layers.L3_IPV4 -> ip.wrap(buf, layers.l3Offset(lv)); ... }
 *     switch (layers.l4Kind(lv)) { case Layers.L4_TCP -> tcp.wrap(buf, layers.l4Offset(lv)); ... }
 *     if (layers.flags(lv) != 0) ... layers.describeProblems(lv, sb) ...
 * }
 * }</pre>
 *
 * All offsets are absolute offsets in the dissected buffer; -1 means absent. A header is only
 * given a kind and an offset when at least its first byte was captured; whether it is complete is
 * told by {@link #FLAG_TRUNCATED} and {@link #truncatedHeader(int)}.
 */
public final class Layers {
    /** Most encapsulation levels recorded (zeek's triple VXLAN needs 4). */
    public static final int MAX_LEVELS = 8;
    /** Most VLAN tags recorded per level (QinQ needs 2; further tags are skipped but counted). */
    public static final int MAX_VLAN_TAGS = 2;

    public static final int L2_NONE = 0;
    public static final int L2_ETHERNET = 1;
    /** Linux cooked capture v1 (16 bytes). */
    public static final int L2_SLL = 2;
    /** Linux cooked capture v2 (20 bytes). */
    public static final int L2_SLL2 = 3;
    /** BSD loopback (4-byte address family). */
    public static final int L2_NULL = 4;

    public static final int L3_NONE = 0;
    public static final int L3_IPV4 = 1;
    /** IPv6, recognised but not dissected further. */
    public static final int L3_IPV6 = 2;
    public static final int L3_ARP = 3;
    /** A layer-2 payload of another EtherType (see {@link #etherType(int)}). */
    public static final int L3_OTHER = 4;

    public static final int L4_NONE = 0;
    public static final int L4_TCP = 1;
    public static final int L4_UDP = 2;
    public static final int L4_ICMP = 3;
    public static final int L4_SCTP = 4;
    /** Another IP protocol (see {@link #ipProtocol(int)}); also IPIP and 6in4 tunnels. */
    public static final int L4_OTHER = 5;

    public static final int TUNNEL_NONE = 0;
    /** VXLAN over UDP: the next level starts at an inner Ethernet header. */
    public static final int TUNNEL_VXLAN = 1;
    /** IPv4 in IPv4 (protocol 4): the next level starts at an inner IPv4 header. */
    public static final int TUNNEL_IPIP = 2;
    /** IPv6 in IPv4 (protocol 41): the next level starts at an inner IPv6 header. */
    public static final int TUNNEL_6IN4 = 3;

    // Header identifiers for truncatedHeader().
    public static final int HDR_NONE = 0;
    public static final int HDR_ETHERNET = 1;
    public static final int HDR_VLAN = 2;
    public static final int HDR_SLL = 3;
    public static final int HDR_SLL2 = 4;
    public static final int HDR_NULL = 5;
    public static final int HDR_ARP = 6;
    public static final int HDR_IPV4 = 7;
    public static final int HDR_IPV6 = 8;
    public static final int HDR_TCP = 9;
    public static final int HDR_UDP = 10;
    public static final int HDR_ICMP = 11;
    public static final int HDR_SCTP = 12;
    public static final int HDR_VXLAN = 13;

    // Problem flags, per level.
    /** A header is cut short: see truncatedHeader / truncatedNeeded / truncatedAvailable. */
    public static final int FLAG_TRUNCATED = 1;
    /** IPv4 IHL below 5. */
    public static final int FLAG_BAD_IHL = 1 << 1;
    /** IP version nibble not the one the EtherType or link type announces (or neither 4 nor 6 on RAW). */
    public static final int FLAG_BAD_IP_VERSION = 1 << 2;
    /** IPv4 total length runs past the captured bytes (snaplen cut): recorded, not an error. */
    public static final int FLAG_IP_SNAPLEN_CUT = 1 << 3;
    /** IPv4 total length smaller than the header length. */
    public static final int FLAG_BAD_IP_TOTAL_LENGTH = 1 << 4;
    /** A non-first IPv4 fragment: no transport header in it. */
    public static final int FLAG_IP_FRAGMENT = 1 << 5;
    /** IPv4 header checksum wrong (only when checksum verification is on). */
    public static final int FLAG_BAD_IP_CHECKSUM = 1 << 6;
    /** TCP/UDP/ICMP/SCTP checksum wrong (only when checksum verification is on). */
    public static final int FLAG_BAD_L4_CHECKSUM = 1 << 7;
    /** UDP length field differs from the IP payload length. */
    public static final int FLAG_UDP_LENGTH_MISMATCH = 1 << 8;
    /** UDP length field below 8. */
    public static final int FLAG_BAD_UDP_LENGTH = 1 << 9;
    /** TCP data offset below 5. */
    public static final int FLAG_BAD_TCP_DATA_OFFSET = 1 << 10;
    /** VXLAN I flag clear (Linux's vxlan_rcv drops such packets). */
    public static final int FLAG_VXLAN_NO_VNI_FLAG = 1 << 11;
    /** VXLAN reserved bits not zero (RFC 7348: ignored on receipt). */
    public static final int FLAG_VXLAN_RESERVED_SET = 1 << 12;
    /** Link type not supported: nothing dissected. */
    public static final int FLAG_UNKNOWN_LINK_TYPE = 1 << 13;
    /** More nested tunnels than {@link #MAX_LEVELS}: dissection stopped. */
    public static final int FLAG_TOO_MANY_LEVELS = 1 << 14;
    /** Bytes after the end of the IP datagram or ARP packet (Ethernet padding or trailer). */
    public static final int FLAG_TRAILER = 1 << 15;
    /** ARP whose hardware/protocol types or lengths are not Ethernet/IPv4. */
    public static final int FLAG_ARP_NOT_ETHERNET_IPV4 = 1 << 16;
    /** Checksum verification requested but impossible (datagram cut or fragmented). */
    public static final int FLAG_L4_CHECKSUM_UNVERIFIED = 1 << 17;
    /** A NULL/loopback address family that is neither IPv4 nor IPv6. */
    public static final int FLAG_UNKNOWN_ADDRESS_FAMILY = 1 << 18;

    private int levels;
    private int linkType;
    private int frameOffset;
    private int frameLength;
    private int allFlags;

    // One row of STRIDE ints per level (struct-of-ints layout): opening a level is one array copy
    // of the template row, and every field is one bounds-checked array access.
    private static final int L2_KIND = 0;
    private static final int L2_OFFSET = 1;
    private static final int L2_LENGTH = 2;
    private static final int VLAN_COUNT = 3;
    private static final int VLAN_TPID0 = 4;
    private static final int VLAN_TCI0 = 5;
    private static final int VLAN_TPID1 = 6;
    private static final int VLAN_TCI1 = 7;
    private static final int ETHER_TYPE = 8;
    private static final int L3_KIND = 9;
    private static final int L3_OFFSET = 10;
    private static final int L3_HEADER_LENGTH = 11;
    private static final int L3_END = 12;
    private static final int IP_PROTOCOL = 13;
    private static final int L4_KIND = 14;
    private static final int L4_OFFSET = 15;
    private static final int L4_HEADER_LENGTH = 16;
    private static final int TUNNEL_KIND = 17;
    private static final int TUNNEL_OFFSET = 18;
    private static final int VNI = 19;
    private static final int PAYLOAD_OFFSET = 20;
    private static final int PAYLOAD_LENGTH = 21;
    private static final int TRAILER_LENGTH = 22;
    private static final int FLAGS = 23;
    private static final int TRUNC_HEADER = 24;
    private static final int TRUNC_NEEDED = 25;
    private static final int TRUNC_AVAILABLE = 26;
    private static final int TRUNC_OFFSET = 27;
    private static final int STRIDE = 32;
    private static final int[] TEMPLATE = new int[STRIDE];

    static {
        TEMPLATE[L2_OFFSET] = -1;
        TEMPLATE[ETHER_TYPE] = -1;
        TEMPLATE[L3_OFFSET] = -1;
        TEMPLATE[L3_END] = -1;
        TEMPLATE[IP_PROTOCOL] = -1;
        TEMPLATE[L4_OFFSET] = -1;
        TEMPLATE[TUNNEL_OFFSET] = -1;
        TEMPLATE[VNI] = -1;
        TEMPLATE[PAYLOAD_OFFSET] = -1;
        TEMPLATE[TRUNC_OFFSET] = -1;
    }

    private final int[] row = new int[MAX_LEVELS * STRIDE];

    // ------------------------------------------------------------------ writing (dissector)

    void reset(int linkType, int frameOffset, int frameLength) {
        this.levels = 0;
        this.linkType = linkType;
        this.frameOffset = frameOffset;
        this.frameLength = frameLength;
        this.allFlags = 0;
    }

    /** Opens level {@code lv} with every field cleared. */
    void begin(int lv) {
        levels = lv + 1;
        System.arraycopy(TEMPLATE, 0, row, lv * STRIDE, STRIDE);
    }

    private int get(int lv, int field) {
        return row[lv * STRIDE + field];
    }

    private void set(int lv, int field, int value) {
        row[lv * STRIDE + field] = value;
    }

    void flag(int lv, int flag) {
        row[lv * STRIDE + FLAGS] |= flag;
        allFlags |= flag;
    }

    void truncated(int lv, int header, int offset, int needed, int available) {
        flag(lv, FLAG_TRUNCATED);
        int b = lv * STRIDE;
        row[b + TRUNC_HEADER] = header;
        row[b + TRUNC_OFFSET] = offset;
        row[b + TRUNC_NEEDED] = needed;
        row[b + TRUNC_AVAILABLE] = Math.max(0, available);
    }

    void l2(int lv, int kind, int offset, int length) {
        int b = lv * STRIDE;
        row[b + L2_KIND] = kind;
        row[b + L2_OFFSET] = offset;
        row[b + L2_LENGTH] = length;
    }

    void vlan(int lv, int tpid, int tci) {
        int b = lv * STRIDE;
        int n = row[b + VLAN_COUNT];
        if (n < MAX_VLAN_TAGS) {
            row[b + VLAN_TPID0 + 2 * n] = tpid;
            row[b + VLAN_TCI0 + 2 * n] = tci;
        }
        row[b + VLAN_COUNT] = n + 1;
    }

    void l2LengthAdd(int lv, int n) {
        row[lv * STRIDE + L2_LENGTH] += n;
    }

    void etherType(int lv, int type) {
        set(lv, ETHER_TYPE, type);
    }

    void l3(int lv, int kind, int offset) {
        int b = lv * STRIDE;
        row[b + L3_KIND] = kind;
        row[b + L3_OFFSET] = offset;
    }

    void l3Header(int lv, int headerLength, int end, int protocol) {
        int b = lv * STRIDE;
        row[b + L3_HEADER_LENGTH] = headerLength;
        row[b + L3_END] = end;
        row[b + IP_PROTOCOL] = protocol;
    }

    void l3HeaderLength(int lv, int headerLength) {
        set(lv, L3_HEADER_LENGTH, headerLength);
    }

    void l3End(int lv, int end) {
        set(lv, L3_END, end);
    }

    void ipProtocol(int lv, int protocol) {
        set(lv, IP_PROTOCOL, protocol);
    }

    void l4(int lv, int kind, int offset, int headerLength) {
        int b = lv * STRIDE;
        row[b + L4_KIND] = kind;
        row[b + L4_OFFSET] = offset;
        row[b + L4_HEADER_LENGTH] = headerLength;
    }

    void tunnel(int lv, int kind, int offset, int vni) {
        int b = lv * STRIDE;
        row[b + TUNNEL_KIND] = kind;
        row[b + TUNNEL_OFFSET] = offset;
        row[b + VNI] = vni;
    }

    void payload(int lv, int offset, int length) {
        int b = lv * STRIDE;
        row[b + PAYLOAD_OFFSET] = offset;
        row[b + PAYLOAD_LENGTH] = Math.max(0, length);
    }

    void trailer(int lv, int length) {
        set(lv, TRAILER_LENGTH, length);
        flag(lv, FLAG_TRAILER);
    }

    // ------------------------------------------------------------------ reading

    /** Number of encapsulation levels found (0 only for an unknown link type). */
    public int levels() {
        return levels;
    }

    /** The deepest level (levels() - 1). */
    public int innermost() {
        return levels - 1;
    }

    public int linkType() {
        return linkType;
    }

    public int frameOffset() {
        return frameOffset;
    }

    /** Captured bytes of the frame. */
    public int frameLength() {
        return frameLength;
    }

    /** Union of the flags of all levels. */
    public int allFlags() {
        return allFlags;
    }

    /** True when no level has a problem flag other than the benign snaplen cut and trailer. */
    public boolean clean() {
        return (allFlags & ~(FLAG_IP_SNAPLEN_CUT | FLAG_TRAILER)) == 0;
    }

    public int l2Kind(int lv) {
        return get(lv, L2_KIND);
    }

    public int l2Offset(int lv) {
        return get(lv, L2_OFFSET);
    }

    /** Bytes of link-layer header at this level, VLAN tags included. */
    public int l2Length(int lv) {
        return get(lv, L2_LENGTH);
    }

    /** Number of VLAN tags seen at this level (may exceed {@link #MAX_VLAN_TAGS}). */
    public int vlanCount(int lv) {
        return get(lv, VLAN_COUNT);
    }

    /** TPID of tag {@code i} (outermost first), i below min(vlanCount, MAX_VLAN_TAGS). */
    public int vlanTpid(int lv, int i) {
        return get(lv, VLAN_TPID0 + 2 * i);
    }

    /** TCI of tag {@code i} (outermost first). */
    public int vlanTci(int lv, int i) {
        return get(lv, VLAN_TCI0 + 2 * i);
    }

    /** The EtherType after any VLAN tags (also for non-IP frames), or -1 when none. */
    public int etherType(int lv) {
        return get(lv, ETHER_TYPE);
    }

    public int l3Kind(int lv) {
        return get(lv, L3_KIND);
    }

    public int l3Offset(int lv) {
        return get(lv, L3_OFFSET);
    }

    /** IPv4 header length (IHL*4), IPv6 40, ARP packet length; 0 when unknown. */
    public int l3HeaderLength(int lv) {
        return get(lv, L3_HEADER_LENGTH);
    }

    /** End of the layer-3 datagram within the captured bytes (min of total length and capture). */
    public int l3End(int lv) {
        return get(lv, L3_END);
    }

    /** IPv4 protocol / IPv6 next header, or -1. */
    public int ipProtocol(int lv) {
        return get(lv, IP_PROTOCOL);
    }

    public int l4Kind(int lv) {
        return get(lv, L4_KIND);
    }

    public int l4Offset(int lv) {
        return get(lv, L4_OFFSET);
    }

    /** TCP data offset * 4, UDP 8, ICMP 8, SCTP 12; 0 when not complete. */
    public int l4HeaderLength(int lv) {
        return get(lv, L4_HEADER_LENGTH);
    }

    public int tunnelKind(int lv) {
        return get(lv, TUNNEL_KIND);
    }

    /** Offset of the VXLAN header (VXLAN) or of the inner IP header (IPIP, 6in4). */
    public int tunnelOffset(int lv) {
        return get(lv, TUNNEL_OFFSET);
    }

    /** VXLAN network identifier, or -1. */
    public int vni(int lv) {
        return get(lv, VNI);
    }

    /** Offset of the innermost payload of this level (after L4, or after L3 for other protocols). */
    public int payloadOffset(int lv) {
        return get(lv, PAYLOAD_OFFSET);
    }

    /** Captured payload bytes at {@link #payloadOffset}. */
    public int payloadLength(int lv) {
        return get(lv, PAYLOAD_LENGTH);
    }

    /** Bytes after the datagram in the frame (Ethernet padding), when {@link #FLAG_TRAILER}. */
    public int trailerLength(int lv) {
        return get(lv, TRAILER_LENGTH);
    }

    public int flags(int lv) {
        return get(lv, FLAGS);
    }

    public boolean has(int lv, int flag) {
        return (get(lv, FLAGS) & flag) != 0;
    }

    /** Which header is cut short ({@code HDR_*}), or {@link #HDR_NONE}. */
    public int truncatedHeader(int lv) {
        return get(lv, TRUNC_HEADER);
    }

    /** Absolute offset of the truncated header. */
    public int truncatedOffset(int lv) {
        return get(lv, TRUNC_OFFSET);
    }

    /** Bytes that header needs. */
    public int truncatedNeeded(int lv) {
        return get(lv, TRUNC_NEEDED);
    }

    /** Bytes of it that were captured. */
    public int truncatedAvailable(int lv) {
        return get(lv, TRUNC_AVAILABLE);
    }

    /** Short name of a {@code HDR_*} constant ("IPv4", "TCP", ...). */
    public static String headerName(int header) {
        return switch (header) {
            case HDR_ETHERNET -> "Ethernet";
            case HDR_VLAN -> "802.1Q";
            case HDR_SLL -> "SLL";
            case HDR_SLL2 -> "SLL2";
            case HDR_NULL -> "NULL";
            case HDR_ARP -> "ARP";
            case HDR_IPV4 -> "IPv4";
            case HDR_IPV6 -> "IPv6";
            case HDR_TCP -> "TCP";
            case HDR_UDP -> "UDP";
            case HDR_ICMP -> "ICMP";
            case HDR_SCTP -> "SCTP";
            case HDR_VXLAN -> "VXLAN";
            default -> "none";
        };
    }

    /**
     * Appends one line naming the problems of level {@code lv} and where they are, e.g.
     * {@code "level 0: IPv4 header truncated at offset 14: 6 of 20 bytes captured"}; appends
     * nothing when the level is clean. For humans and test messages (a printer formats its own).
     */
    public StringBuilder describeProblems(int lv, StringBuilder sb) {
        int f = get(lv, FLAGS);
        if (f == 0) {
            return sb;
        }
        sb.append("level ").append(lv).append(':');
        if ((f & FLAG_UNKNOWN_LINK_TYPE) != 0) {
            sb.append(" unknown link type ").append(linkType).append(';');
        }
        if ((f & FLAG_TRUNCATED) != 0) {
            sb.append(' ').append(headerName(get(lv, TRUNC_HEADER))).append(" header truncated at offset ")
                    .append(get(lv, TRUNC_OFFSET)).append(": ").append(get(lv, TRUNC_AVAILABLE)).append(" of ")
                    .append(get(lv, TRUNC_NEEDED)).append(" bytes captured;");
        }
        if ((f & FLAG_BAD_IP_VERSION) != 0) {
            sb.append(" bad IP version at offset ").append(get(lv, L3_OFFSET)).append(';');
        }
        if ((f & FLAG_BAD_IHL) != 0) {
            sb.append(" IPv4 header length < 20 at offset ").append(get(lv, L3_OFFSET)).append(';');
        }
        if ((f & FLAG_BAD_IP_TOTAL_LENGTH) != 0) {
            sb.append(" IPv4 total length < header length at offset ").append(get(lv, L3_OFFSET)).append(';');
        }
        if ((f & FLAG_IP_SNAPLEN_CUT) != 0) {
            sb.append(" IPv4 datagram cut by snaplen;");
        }
        if ((f & FLAG_IP_FRAGMENT) != 0) {
            sb.append(" IPv4 non-first fragment;");
        }
        if ((f & FLAG_BAD_IP_CHECKSUM) != 0) {
            sb.append(" bad IPv4 header checksum;");
        }
        if ((f & FLAG_BAD_L4_CHECKSUM) != 0) {
            sb.append(" bad transport checksum;");
        }
        if ((f & FLAG_L4_CHECKSUM_UNVERIFIED) != 0) {
            sb.append(" transport checksum not verifiable;");
        }
        if ((f & FLAG_BAD_UDP_LENGTH) != 0) {
            sb.append(" UDP length < 8;");
        }
        if ((f & FLAG_UDP_LENGTH_MISMATCH) != 0) {
            sb.append(" UDP length differs from IP payload length;");
        }
        if ((f & FLAG_BAD_TCP_DATA_OFFSET) != 0) {
            sb.append(" TCP data offset < 5;");
        }
        if ((f & FLAG_VXLAN_NO_VNI_FLAG) != 0) {
            sb.append(" VXLAN I flag clear;");
        }
        if ((f & FLAG_VXLAN_RESERVED_SET) != 0) {
            sb.append(" VXLAN reserved bits set;");
        }
        if ((f & FLAG_ARP_NOT_ETHERNET_IPV4) != 0) {
            sb.append(" ARP not Ethernet/IPv4;");
        }
        if ((f & FLAG_TRAILER) != 0) {
            sb.append(' ').append(get(lv, TRAILER_LENGTH)).append(" trailer bytes;");
        }
        if ((f & FLAG_TOO_MANY_LEVELS) != 0) {
            sb.append(" more than ").append(MAX_LEVELS).append(" encapsulation levels;");
        }
        if ((f & FLAG_UNKNOWN_ADDRESS_FAMILY) != 0) {
            sb.append(" unknown loopback address family;");
        }
        sb.setLength(sb.length() - 1);
        return sb;
    }
}
