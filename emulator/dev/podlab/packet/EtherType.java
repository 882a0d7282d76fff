package dev.podlab.packet;

/** Ethertype values ({@code include/uapi/linux/if_ether.h}, {@code ETH_P_*}). */
public final class EtherType {
    private EtherType() {}

    /** ETH_P_IP */
    public static final int IPV4 = 0x0800;
    /** ETH_P_ARP */
    public static final int ARP = 0x0806;
    /** ETH_P_8021Q: customer VLAN tag. */
    public static final int VLAN = 0x8100;
    /** ETH_P_8021AD: service VLAN tag (QinQ outer tag). */
    public static final int QINQ = 0x88a8;
    /** ETH_P_IPV6 */
    public static final int IPV6 = 0x86dd;
    /** ETH_P_AOE: ATA over Ethernet. */
    public static final int AOE = 0x88a2;
    /** Values below this are IEEE 802.3 lengths, not types (ETH_P_802_3_MIN). */
    public static final int MIN_TYPE = 0x0600;

    /** The name tcpdump prints, or null when it has none for this value. */
    public static String name(int etherType) {
        return switch (etherType) {
            case IPV4 -> "IPv4";
            case ARP -> "ARP";
            case VLAN -> "802.1Q";
            case QINQ -> "802.1Q-QinQ";
            case IPV6 -> "IPv6";
            case AOE -> "AoE";
            default -> null;
        };
    }
}
