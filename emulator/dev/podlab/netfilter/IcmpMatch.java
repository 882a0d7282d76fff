package dev.podlab.netfilter;

import dev.podlab.packet.IpProtocol;

/**
 * {@code -m icmp [!] --icmp-type type[/code]|name}: {@code icmp_match} in
 * net/ipv4/netfilter/ip_tables.c, names from {@code icmp_codes} in extensions/libipt_icmp.c.
 */
final class IcmpMatch extends Match {
    private static final int ANY = 0xff;
    private static final Object[][] NAMES = {
        {"any", ANY, 0, 0xff},
        {"echo-reply", 0, 0, 0xff}, {"pong", 0, 0, 0xff},
        {"destination-unreachable", 3, 0, 0xff},
        {"network-unreachable", 3, 0, 0}, {"host-unreachable", 3, 1, 1}, {"protocol-unreachable", 3, 2, 2},
        {"port-unreachable", 3, 3, 3}, {"fragmentation-needed", 3, 4, 4}, {"source-route-failed", 3, 5, 5},
        {"network-unknown", 3, 6, 6}, {"host-unknown", 3, 7, 7}, {"network-prohibited", 3, 9, 9},
        {"host-prohibited", 3, 10, 10}, {"TOS-network-unreachable", 3, 11, 11}, {"TOS-host-unreachable", 3, 12, 12},
        {"communication-prohibited", 3, 13, 13}, {"host-precedence-violation", 3, 14, 14},
        {"precedence-cutoff", 3, 15, 15},
        {"source-quench", 4, 0, 0xff},
        {"redirect", 5, 0, 0xff}, {"network-redirect", 5, 0, 0}, {"host-redirect", 5, 1, 1},
        {"TOS-network-redirect", 5, 2, 2}, {"TOS-host-redirect", 5, 3, 3},
        {"echo-request", 8, 0, 0xff}, {"ping", 8, 0, 0xff},
        {"router-advertisement", 9, 0, 0xff}, {"router-solicitation", 10, 0, 0xff},
        {"time-exceeded", 11, 0, 0xff}, {"ttl-exceeded", 11, 0, 0xff},
        {"ttl-zero-during-transit", 11, 0, 0}, {"ttl-zero-during-reassembly", 11, 1, 1},
        {"parameter-problem", 12, 0, 0xff}, {"ip-header-bad", 12, 0, 0}, {"required-option-missing", 12, 1, 1},
        {"timestamp-request", 13, 0, 0xff}, {"timestamp-reply", 14, 0, 0xff},
        {"address-mask-request", 17, 0, 0xff}, {"address-mask-reply", 18, 0, 0xff},
    };

    private boolean given;
    private int type = ANY;
    private int codeMin;
    private int codeMax = 0xff;
    private boolean invert;

    @Override
    boolean flowInvariant() {
        return true;
    }

    @Override
    String name() {
        return "icmp";
    }

    @Override
    boolean matches(PacketContext c) {
        if (c.fragOffset != 0) {
            return false;
        }
        if (!c.l4Ok) {
            c.hotdrop = true;
            return false;
        }
        boolean hit = type == ANY || (c.icmpType == type && c.icmpCode >= codeMin && c.icmpCode <= codeMax);
        return hit != invert;
    }

    @Override
    boolean parse(String option, boolean inv, RuleParser.Args args) {
        if (!option.equals("--icmp-type")) {
            return false;
        }
        if (given) {
            throw new IptablesException("icmp match: only use --icmp-type once!");
        }
        String v = args.value(option);
        given = true;
        invert = inv;
        for (Object[] n : NAMES) {
            if (((String) n[0]).equalsIgnoreCase(v)) {
                type = (Integer) n[1];
                codeMin = (Integer) n[2];
                codeMax = (Integer) n[3];
                return true;
            }
        }
        int slash = v.indexOf('/');
        try {
            if (slash < 0) {
                type = Text.parseDecimal(v, 0, 255, "ICMP type");
                codeMin = 0;
                codeMax = 0xff;
            } else {
                type = Text.parseDecimal(v.substring(0, slash), 0, 255, "ICMP type");
                codeMin = codeMax = Text.parseDecimal(v.substring(slash + 1), 0, 255, "ICMP code");
            }
        } catch (IptablesException e) {
            throw new IptablesException("Invalid ICMP type `" + v + "'");
        }
        return true;
    }

    @Override
    void finish(Rule rule) {
        if (rule.proto != IpProtocol.ICMP || rule.invProto) {
            throw new IptablesException("icmp match: only valid for protocol " + IpProtocol.ICMP);
        }
    }

    @Override
    void save(StringBuilder sb) {
        if (invert) {
            sb.append(" !");
        }
        if (type == ANY) {
            sb.append(" --icmp-type any");
            return;
        }
        sb.append(" --icmp-type ").append(type);
        if (codeMin != 0 || codeMax != 0xff) {
            sb.append('/').append(codeMin);
        }
    }
}
