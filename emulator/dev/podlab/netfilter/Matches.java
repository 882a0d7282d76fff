package dev.podlab.netfilter;

import dev.podlab.packet.IpProtocol;

/** The match extensions podlab implements, by {@code -m} name. */
final class Matches {
    private Matches() {}

    /** Names podlab knows are real iptables matches but does not emulate (for a precise error). */
    static final String NOT_EMULATED = "limit, recent, hashlimit, connlimit, owner, string, u32, length, ttl, tos, dscp, "
            + "connmark, connbytes, helper, pkttype, mac, policy, rpfilter, socket, cgroup, devgroup";

    /** A fresh match for {@code -m name}, or null if podlab does not emulate it. */
    static Match create(String name, Iptables ipt) {
        return switch (name) {
            case "tcp" -> new PortMatch(IpProtocol.TCP);
            case "udp" -> new PortMatch(IpProtocol.UDP);
            case "sctp" -> new PortMatch(IpProtocol.SCTP);
            case "icmp" -> new IcmpMatch();
            case "multiport" -> new MultiportMatch();
            case "conntrack" -> new ConntrackMatch(false);
            case "state" -> new ConntrackMatch(true);
            case "set" -> new SetMatch(ipt.ipsets());
            case "mark" -> new MarkMatch();
            case "statistic" -> new StatisticMatch();
            case "comment" -> new CommentMatch();
            case "addrtype" -> new AddrtypeMatch();
            case "physdev" -> new PhysdevMatch();
            case "iprange" -> new IprangeMatch();
            case "bpf" -> new BpfMatch(ipt.bpf());
            default -> null;
        };
    }

    /** The implicit match {@code -p proto} loads for an unknown option ({@code command_default}). */
    static Match implicitFor(int proto) {
        return switch (proto) {
            case IpProtocol.TCP -> new PortMatch(IpProtocol.TCP);
            case IpProtocol.UDP -> new PortMatch(IpProtocol.UDP);
            case IpProtocol.SCTP -> new PortMatch(IpProtocol.SCTP);
            case IpProtocol.ICMP -> new IcmpMatch();
            default -> null;
        };
    }
}
