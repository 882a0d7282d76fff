package dev.podlab.netfilter;

import dev.podlab.packet.IpProtocol;

/**
 * {@code -m multiport [!] --sports|--dports|--ports p[,p|,a:b]...}: revision 1 of
 * net/netfilter/xt_multiport.c ({@code ports_match_v1}), at most 15 ports with a range counting
 * as two (XT_MULTI_PORTS).
 */
final class MultiportMatch extends Match {
    private static final int MAX_PORTS = 15;
    private static final int SOURCE = 0;
    private static final int DESTINATION = 1;
    private static final int EITHER = 2;

    private int flags = -1;
    private boolean invert;
    /** Pairs (min, max); a single port has min == max. */
    private int[] ranges = new int[0];
    private boolean[] isRange = new boolean[0];

    @Override
    boolean flowInvariant() {
        return true;
    }

    @Override
    String name() {
        return "multiport";
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
        int[] r = ranges;
        for (int i = 0; i < r.length; i += 2) {
            int lo = r[i];
            int hi = r[i + 1];
            boolean hit = switch (flags) {
                case SOURCE -> c.srcPort >= lo && c.srcPort <= hi;
                case DESTINATION -> c.dstPort >= lo && c.dstPort <= hi;
                default -> (c.srcPort >= lo && c.srcPort <= hi) || (c.dstPort >= lo && c.dstPort <= hi);
            };
            if (hit) {
                return !invert;
            }
        }
        return invert;
    }

    @Override
    boolean parse(String option, boolean inv, RuleParser.Args args) {
        int f;
        switch (option) {
            case "--sports", "--source-ports" -> f = SOURCE;
            case "--dports", "--destination-ports" -> f = DESTINATION;
            case "--ports" -> f = EITHER;
            default -> {
                return false;
            }
        }
        if (flags >= 0) {
            throw new IptablesException("multiport can only have one option");
        }
        flags = f;
        invert = inv;
        String[] items = args.value(option).split(",", -1);
        int[] r = new int[items.length * 2];
        boolean[] range = new boolean[items.length];
        int slots = 0;
        for (int i = 0; i < items.length; i++) {
            int pr = Text.parsePortRange(items[i]);
            r[2 * i] = pr >>> 16;
            r[2 * i + 1] = pr & 0xffff;
            range[i] = items[i].indexOf(':') >= 0;
            slots += range[i] ? 2 : 1;
        }
        if (slots > MAX_PORTS) {
            throw new IptablesException("too many ports specified");
        }
        ranges = r;
        isRange = range;
        return true;
    }

    @Override
    void finish(Rule rule) {
        if (flags < 0) {
            throw new IptablesException("multiport expects an option");
        }
        int p = rule.proto;
        boolean ok = !rule.invProto && (p == IpProtocol.TCP || p == IpProtocol.UDP || p == IpProtocol.SCTP
                || p == Protocols.UDPLITE || p == Protocols.DCCP);
        if (!ok) {
            throw new IptablesException("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
        }
    }

    @Override
    void save(StringBuilder sb) {
        if (invert) {
            sb.append(" !");
        }
        sb.append(switch (flags) {
            case SOURCE -> " --sports ";
            case DESTINATION -> " --dports ";
            default -> " --ports ";
        });
        for (int i = 0; i < isRange.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(ranges[2 * i]);
            if (isRange[i]) {
                sb.append(':').append(ranges[2 * i + 1]);
            }
        }
    }
}
