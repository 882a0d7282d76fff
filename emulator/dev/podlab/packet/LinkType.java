package dev.podlab.packet;

/**
 * Link-layer header types as numbered in the tcpdump.org LINKTYPE_ registry (the values stored in
 * pcap file headers and pcapng interface description blocks).
 */
public final class LinkType {
    /** BSD loopback: 4-byte address family in host byte order. */
    public static final int NULL = 0;
    /** Ethernet II / 802.3. */
    public static final int ETHERNET = 1;
    /** Raw IP: the packet begins with an IPv4 or IPv6 header. */
    public static final int RAW = 101;
    /** Linux "cooked" capture, version 1 (16-byte header). */
    public static final int LINUX_SLL = 113;
    /** Raw IPv4 only. */
    public static final int IPV4 = 228;
    /** Linux "cooked" capture, version 2 (20-byte header). */
    public static final int LINUX_SLL2 = 276;

    private LinkType() {}

    /** A short lower-case name, as tcpdump prints it in "link-type" lines. */
    public static String name(int linkType) {
        return switch (linkType) {
            case NULL -> "NULL";
            case ETHERNET -> "EN10MB";
            case RAW -> "RAW";
            case LINUX_SLL -> "LINUX_SLL";
            case IPV4 -> "IPV4";
            case LINUX_SLL2 -> "LINUX_SLL2";
            default -> "LINKTYPE_" + linkType;
        };
    }
}
