package dev.podlab.netfilter;

import dev.podlab.packet.IpProtocol;

/**
 * Protocol names for {@code -p}: {@code xtables_chain_protos} (libxtables) is what iptables-save
 * prints; on input a few more names of /etc/protocols are accepted, as {@code getprotobyname}
 * would on a Debian node.
 */
final class Protocols {
    private Protocols() {}

    static final int UDPLITE = 136;
    static final int DCCP = 33;

    private static final String[] SAVE_NAMES = {"tcp", "sctp", "udp", "udplite", "icmp", "icmpv6", "esp", "ah", "mh", "all"};
    private static final int[] SAVE_NUMBERS = {IpProtocol.TCP, IpProtocol.SCTP, IpProtocol.UDP, UDPLITE, IpProtocol.ICMP, 58, 50, 51, 135, 0};
    private static final String[] INPUT_NAMES = {"ip", "ipencap", "ipip", "gre", "dccp", "ipv6-icmp", "vrrp", "ospf", "igmp", "pim"};
    private static final int[] INPUT_NUMBERS = {0, IpProtocol.IPIP, IpProtocol.IPIP, IpProtocol.GRE, DCCP, 58, 112, 89, 2, 103};

    /** The protocol number of {@code -p text} (a name, case-insensitive as libxtables, or 0..255). */
    static int parse(String text) {
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        for (int i = 0; i < SAVE_NAMES.length; i++) {
            if (SAVE_NAMES[i].equals(lower)) {
                return SAVE_NUMBERS[i];
            }
        }
        for (int i = 0; i < INPUT_NAMES.length; i++) {
            if (INPUT_NAMES[i].equals(lower)) {
                return INPUT_NUMBERS[i];
            }
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 0 && n <= 255) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IptablesException("unknown protocol \"" + text + "\" specified");
    }

    /** What {@code save_rule_details} prints after {@code -p}: the chain-proto name, else the number. */
    static String saveName(int proto) {
        for (int i = 0; i < SAVE_NUMBERS.length; i++) {
            if (SAVE_NUMBERS[i] == proto) {
                return SAVE_NAMES[i];
            }
        }
        return Integer.toString(proto);
    }
}
