package dev.podlab.packet;

/** IP protocol numbers ({@code include/uapi/linux/in.h}, {@code IPPROTO_*}). */
public final class IpProtocol {
    private IpProtocol() {}

    public static final int ICMP = 1;
    /** IPv4 encapsulated in IPv4 (IPPROTO_IPIP, RFC 2003): an Ipv4 header follows the Ipv4 header. */
    public static final int IPIP = 4;
    public static final int TCP = 6;
    public static final int UDP = 17;
    /** IPv6 encapsulated in IPv4 (6in4, RFC 4213). */
    public static final int IPV6 = 41;
    public static final int GRE = 47;
    public static final int SCTP = 132;

    /** The name tcpdump prints in "proto X (n)", or null. */
    public static String name(int protocol) {
        return switch (protocol) {
            case ICMP -> "ICMP";
            case IPIP -> "IPIP";
            case TCP -> "TCP";
            case UDP -> "UDP";
            case IPV6 -> "IPv6";
            case GRE -> "GRE";
            case SCTP -> "SCTP";
            default -> null;
        };
    }
}
