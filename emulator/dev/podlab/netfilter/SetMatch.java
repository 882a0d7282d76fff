package dev.podlab.netfilter;

/**
 * {@code -m set [!] --match-set NAME src|dst[,src|dst]... [--return-nomatch]}: {@code set_match_v4}
 * (net/netfilter/xt_set.c) over {@code ip_set_test} (ipset/ip_set_core.c). The set is resolved when
 * the rule is parsed, as iptables resolves the name to an index; it must exist then.
 */
final class SetMatch extends Match {
    private final Ipset registry;
    private IpSet set;
    private int dim;
    /** Bit {@code i - 1} set: dimension {@code i} is taken from the source (IPSET_DIM_*_SRC). */
    private int srcBits;
    private boolean invert;
    private boolean returnNomatch;

    SetMatch(Ipset registry) {
        this.registry = registry;
    }

    IpSet set() {
        return set;
    }

    @Override
    boolean flowInvariant() {
        return true;
    }

    @Override
    String name() {
        return "set";
    }

    @Override
    boolean matches(PacketContext c) {
        return set.test(c, srcBits, dim, returnNomatch) != invert;
    }

    @Override
    boolean parse(String option, boolean inv, RuleParser.Args args) {
        switch (option) {
            case "--match-set", "--set" -> {
                if (set != null) {
                    throw new IptablesException("--match-set can be specified only once");
                }
                String name = args.value(option);
                String dirs = args.value(option);
                IpSet s = registry == null ? null : registry.get(name);
                if (s == null) {
                    throw new IptablesException("Set " + name + " doesn't exist.");
                }
                String[] parts = dirs.split(",", -1);
                if (parts.length > Ipset.MAX_DIM) {
                    throw new IptablesException("Can't be more src/dst options than " + Ipset.MAX_DIM + ".");
                }
                int bits = 0;
                for (int i = 0; i < parts.length; i++) {
                    if (parts[i].equals("src")) {
                        bits |= 1 << i;
                    } else if (!parts[i].equals("dst")) {
                        throw new IptablesException("You must specify (the comma separated list of) 'src' or 'dst'.");
                    }
                }
                set = s;
                dim = parts.length;
                srcBits = bits;
                invert = inv;
                return true;
            }
            case "--return-nomatch" -> {
                requireNoInvert(inv, option);
                returnNomatch = true;
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    @Override
    void finish(Rule rule) {
        if (set == null) {
            throw new IptablesException("You must specify `--match-set' with proper arguments");
        }
    }

    @Override
    void save(StringBuilder sb) {
        if (invert) {
            sb.append(" !");
        }
        sb.append(" --match-set ").append(set.name()).append(' ');
        for (int i = 0; i < dim; i++) {
            sb.append(i == 0 ? "" : ",").append((srcBits & (1 << i)) != 0 ? "src" : "dst");
        }
        if (returnNomatch) {
            sb.append(" --return-nomatch");
        }
    }
}
