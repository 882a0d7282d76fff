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

    private final int[] l2Kind = new int[MAX_LEVELS];
    private final int[] l2Offset = new int[MAX_LEVELS];
    private final int[] l2Length = new int[MAX_LEVELS];
    private final int[] vlanCount = new int[MAX_LEVELS];
    private final int[] vlanTpid = new int[MAX_LEVELS * MAX_VLAN_TAGS];
    private final int[] vlanTci = new int[MAX_LEVELS * MAX_VLAN_TAGS];
    private final int[] etherType = new int[MAX_LEVELS];
    private final int[] l3Kind = new int[MAX_LEVELS];
    private final int[] l3Offset = new int[MAX_LEVELS];
    private final int[] l3HeaderLength = new int[MAX_LEVELS];
    private final int[] l3End = new int[MAX_LEVELS];
    private final int[] ipProtocol = new int[MAX_LEVELS];
    private final int[] l4Kind = new int[MAX_LEVELS];
    private final int[] l4Offset = new int[MAX_LEVELS];
    private final int[] l4HeaderLength = new int[MAX_LEVELS];
    private final int[] tunnelKind = new int[MAX_LEVELS];
    private final int[] tunnelOffset = new int[MAX_LEVELS];
    private final int[] vni = new int[MAX_LEVELS];
    private final int[] payloadOffset = new int[MAX_LEVELS];
    private final int[] payloadLength = new int[MAX_LEVELS];
    private final int[] trailerLength = new int[MAX_LEVELS];
    private final int[] flags = new int[MAX_LEVELS];
    private final int[] truncatedHeader = new int[MAX_LEVELS];
    private final int[] truncatedNeeded = new int[MAX_LEVELS];
    private final int[] truncatedAvailable = new int[MAX_LEVELS];
    private final int[] truncatedOffset = new int[MAX_LEVELS];

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
        l2Kind[lv] = L2_NONE;
        l2Offset[lv] = -1;
        l2Length[lv] = 0;
        vlanCount[lv] = 0;
        etherType[lv] = -1;
        l3Kind[lv] = L3_NONE;
        l3Offset[lv] = -1;
        l3HeaderLength[lv] = 0;
        l3End[lv] = -1;
        ipProtocol[lv] = -1;
        l4Kind[lv] = L4_NONE;
        l4Offset[lv] = -1;
        l4HeaderLength[lv] = 0;
        tunnelKind[lv] = TUNNEL_NONE;
        tunnelOffset[lv] = -1;
        vni[lv] = -1;
        payloadOffset[lv] = -1;
        payloadLength[lv] = 0;
        trailerLength[lv] = 0;
        flags[lv] = 0;
        truncatedHeader[lv] = HDR_NONE;
        truncatedNeeded[lv] = 0;
        truncatedAvailable[lv] = 0;
        truncatedOffset[lv] = -1;
    }

    void flag(int lv, int flag) {
        flags[lv] |= flag;
        allFlags |= flag;
    }

    void truncated(int lv, int header, int offset, int needed, int available) {
        flag(lv, FLAG_TRUNCATED);
        truncatedHeader[lv] = header;
        truncatedOffset[lv] = offset;
        truncatedNeeded[lv] = needed;
        truncatedAvailable[lv] = Math.max(0, available);
    }

    void l2(int lv, int kind, int offset, int length) {
        l2Kind[lv] = kind;
        l2Offset[lv] = offset;
        l2Length[lv] = length;
    }

    void vlan(int lv, int tpid, int tci) {
        int n = vlanCount[lv];
        if (n < MAX_VLAN_TAGS) {
            vlanTpid[lv * MAX_VLAN_TAGS + n] = tpid;
            vlanTci[lv * MAX_VLAN_TAGS + n] = tci;
        }
        vlanCount[lv] = n + 1;
    }

    void l2LengthAdd(int lv, int n) {
        l2Length[lv] += n;
    }

    void etherType(int lv, int type) {
        etherType[lv] = type;
    }

    void l3(int lv, int kind, int offset) {
        l3Kind[lv] = kind;
        l3Offset[lv] = offset;
    }

    void l3Header(int lv, int headerLength, int end, int protocol) {
        l3HeaderLength[lv] = headerLength;
        l3End[lv] = end;
        ipProtocol[lv] = protocol;
    }

    void l3HeaderLength(int lv, int headerLength) {
        l3HeaderLength[lv] = headerLength;
    }

    void l3End(int lv, int end) {
        l3End[lv] = end;
    }

    void ipProtocol(int lv, int protocol) {
        ipProtocol[lv] = protocol;
    }

    void l4(int lv, int kind, int offset, int headerLength) {
        l4Kind[lv] = kind;
        l4Offset[lv] = offset;
        l4HeaderLength[lv] = headerLength;
    }

    void tunnel(int lv, int kind, int offset, int vni) {
        tunnelKind[lv] = kind;
        tunnelOffset[lv] = offset;
        this.vni[lv] = vni;
    }

    void payload(int lv, int offset, int length) {
        payloadOffset[lv] = offset;
        payloadLength[lv] = Math.max(0, length);
    }

    void trailer(int lv, int length) {
        trailerLength[lv] = length;
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
        return l2Kind[lv];
    }

    public int l2Offset(int lv) {
        return l2Offset[lv];
    }

    /** Bytes of link-layer header at this level, VLAN tags included. */
    public int l2Length(int lv) {
        return l2Length[lv];
    }

    /** Number of VLAN tags seen at this level (may exceed {@link #MAX_VLAN_TAGS}). */
    public int vlanCount(int lv) {
        return vlanCount[lv];
    }

    /** TPID of tag {@code i} (outermost first), i below min(vlanCount, MAX_VLAN_TAGS). */
    public int vlanTpid(int lv, int i) {
        return vlanTpid[lv * MAX_VLAN_TAGS + i];
    }

    /** TCI of tag {@code i} (outermost first). */
    public int vlanTci(int lv, int i) {
        return vlanTci[lv * MAX_VLAN_TAGS + i];
    }

    /** The EtherType after any VLAN tags (also for non-IP frames), or -1 when none. */
    public int etherType(int lv) {
        return etherType[lv];
    }

    public int l3Kind(int lv) {
        return l3Kind[lv];
    }

    public int l3Offset(int lv) {
        return l3Offset[lv];
    }

    /** IPv4 header length (IHL*4), IPv6 40, ARP packet length; 0 when unknown. */
    public int l3HeaderLength(int lv) {
        return l3HeaderLength[lv];
    }

    /** End of the layer-3 datagram within the captured bytes (min of total length and capture). */
    public int l3End(int lv) {
        return l3End[lv];
    }

    /** IPv4 protocol / IPv6 next header, or -1. */
    public int ipProtocol(int lv) {
        return ipProtocol[lv];
    }

    public int l4Kind(int lv) {
        return l4Kind[lv];
    }

    public int l4Offset(int lv) {
        return l4Offset[lv];
    }

    /** TCP data offset * 4, UDP 8, ICMP 8, SCTP 12; 0 when not complete. */
    public int l4HeaderLength(int lv) {
        return l4HeaderLength[lv];
    }

    public int tunnelKind(int lv) {
        return tunnelKind[lv];
    }

    /** Offset of the VXLAN header (VXLAN) or of the inner IP header (IPIP, 6in4). */
    public int tunnelOffset(int lv) {
        return tunnelOffset[lv];
    }

    /** VXLAN network identifier, or -1. */
    public int vni(int lv) {
        return vni[lv];
    }

    /** Offset of the innermost payload of this level (after L4, or after L3 for other protocols). */
    public int payloadOffset(int lv) {
        return payloadOffset[lv];
    }

    /** Captured payload bytes at {@link #payloadOffset}. */
    public int payloadLength(int lv) {
        return payloadLength[lv];
    }

    /** Bytes after the datagram in the frame (Ethernet padding), when {@link #FLAG_TRAILER}. */
    public int trailerLength(int lv) {
        return trailerLength[lv];
    }

    public int flags(int lv) {
        return flags[lv];
    }

    public boolean has(int lv, int flag) {
        return (flags[lv] & flag) != 0;
    }

    /** Which header is cut short ({@code HDR_*}), or {@link #HDR_NONE}. */
    public int truncatedHeader(int lv) {
        return truncatedHeader[lv];
    }

    /** Absolute offset of the truncated header. */
    public int truncatedOffset(int lv) {
        return truncatedOffset[lv];
    }

    /** Bytes that header needs. */
    public int truncatedNeeded(int lv) {
        return truncatedNeeded[lv];
    }

    /** Bytes of it that were captured. */
    public int truncatedAvailable(int lv) {
        return truncatedAvailable[lv];
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
        int f = flags[lv];
        if (f == 0) {
            return sb;
        }
        sb.append("level ").append(lv).append(':');
        if ((f & FLAG_UNKNOWN_LINK_TYPE) != 0) {
            sb.append(" unknown link type ").append(linkType).append(';');
        }
        if ((f & FLAG_TRUNCATED) != 0) {
            sb.append(' ').append(headerName(truncatedHeader[lv])).append(" header truncated at offset ")
                    .append(truncatedOffset[lv]).append(": ").append(truncatedAvailable[lv]).append(" of ")
                    .append(truncatedNeeded[lv]).append(" bytes captured;");
        }
        if ((f & FLAG_BAD_IP_VERSION) != 0) {
            sb.append(" bad IP version at offset ").append(l3Offset[lv]).append(';');
        }
        if ((f & FLAG_BAD_IHL) != 0) {
            sb.append(" IPv4 header length < 20 at offset ").append(l3Offset[lv]).append(';');
        }
        if ((f & FLAG_BAD_IP_TOTAL_LENGTH) != 0) {
            sb.append(" IPv4 total length < header length at offset ").append(l3Offset[lv]).append(';');
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
            sb.append(' ').append(trailerLength[lv]).append(" trailer bytes;");
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
