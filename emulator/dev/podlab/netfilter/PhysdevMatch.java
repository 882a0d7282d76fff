package dev.podlab.netfilter;

/**
 * {@code -m physdev} ({@code physdev_mt}, net/netfilter/xt_physdev.c): the bridge ports of a
 * packet that br_netfilter passes through the IPv4 hooks. Options
 * {@code [!] --physdev-in name[+]}, {@code [!] --physdev-out name[+]},
 * {@code [!] --physdev-is-in}, {@code [!] --physdev-is-out}, {@code [!] --physdev-is-bridged}.
 */
final class PhysdevMatch extends Match {
    private static final int OP_IN = 1;
    private static final int OP_OUT = 2;
    private static final int OP_BRIDGED = 4;
    private static final int OP_ISIN = 8;
    private static final int OP_ISOUT = 16;

    private int bitmask;
    private int invert;
    private String physIn;
    private boolean inPrefix;
    private String physOut;
    private boolean outPrefix;

    @Override
    boolean flowInvariant() {
        return true;
    }

    @Override
    String name() {
        return "physdev";
    }

    private boolean has(int op) {
        return (bitmask & op) != 0;
    }

    private boolean inv(int op) {
        return (invert & op) != 0;
    }

    @Override
    boolean matches(PacketContext c) {
        if (!c.bridged) {
            // Not a bridged packet: match only if every option used is inverted.
            return !(has(OP_BRIDGED) && !inv(OP_BRIDGED) || has(OP_ISIN) && !inv(OP_ISIN)
                    || has(OP_ISOUT) && !inv(OP_ISOUT) || has(OP_IN) && !inv(OP_IN)
                    || has(OP_OUT) && !inv(OP_OUT));
        }
        String outdev = c.physOut;
        String indev = c.physIn;
        if (has(OP_BRIDGED) && ((outdev != null) == inv(OP_BRIDGED))) {
            return false;
        }
        if (has(OP_ISIN) && ((indev == null) != inv(OP_ISIN))
                || has(OP_ISOUT) && ((outdev == null) != inv(OP_ISOUT))) {
            return false;
        }
        if (has(OP_IN) && indev != null && (Rule.ifaceEquals(indev, physIn, inPrefix) == inv(OP_IN))) {
            return false;
        }
        if (!has(OP_OUT) || outdev == null) {
            return true;
        }
        return Rule.ifaceEquals(outdev, physOut, outPrefix) != inv(OP_OUT);
    }

    @Override
    boolean parse(String option, boolean inv, RuleParser.Args args) {
        int op;
        switch (option) {
            case "--physdev-in" -> {
                op = OP_IN;
                String v = Rule.checkIface(args.value(option));
                inPrefix = v.endsWith("+");
                physIn = inPrefix ? v.substring(0, v.length() - 1) : v;
            }
            case "--physdev-out" -> {
                op = OP_OUT;
                String v = Rule.checkIface(args.value(option));
                outPrefix = v.endsWith("+");
                physOut = outPrefix ? v.substring(0, v.length() - 1) : v;
            }
            case "--physdev-is-in" -> op = OP_ISIN;
            case "--physdev-is-out" -> op = OP_ISOUT;
            case "--physdev-is-bridged" -> op = OP_BRIDGED;
            default -> {
                return false;
            }
        }
        bitmask |= op;
        if (inv) {
            invert |= op;
        }
        return true;
    }

    @Override
    void finish(Rule rule) {
        if (bitmask == 0) {
            throw new IptablesException("PHYSDEV: no physdev option specified");
        }
    }

    @Override
    void save(StringBuilder sb) {
        if (has(OP_IN)) {
            sb.append(inv(OP_IN) ? " !" : "").append(" --physdev-in ").append(physIn).append(inPrefix ? "+" : "");
        }
        if (has(OP_OUT)) {
            sb.append(inv(OP_OUT) ? " !" : "").append(" --physdev-out ").append(physOut).append(outPrefix ? "+" : "");
        }
        if (has(OP_ISIN)) {
            sb.append(inv(OP_ISIN) ? " !" : "").append(" --physdev-is-in");
        }
        if (has(OP_ISOUT)) {
            sb.append(inv(OP_ISOUT) ? " !" : "").append(" --physdev-is-out");
        }
        if (has(OP_BRIDGED)) {
            sb.append(inv(OP_BRIDGED) ? " !" : "").append(" --physdev-is-bridged");
        }
    }
}
