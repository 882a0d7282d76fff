package dev.podlab.netfilter;

/**
 * {@code -m bpf --object-pinned PATH} (net/netfilter/xt_bpf.c, revision 1,
 * {@code XT_BPF_MODE_FD_PINNED}): runs the program pinned at {@code PATH} on the packet and
 * matches when it returns non-zero. libxt_bpf opens the pinned object when the rule is parsed, so
 * a rule naming a path where nothing is pinned is refused then. Only the pinned mode is emulated
 * ({@code --bytecode} and {@code --object-fd} are refused by name).
 */
final class BpfMatch extends Match {
    private final PinnedBpf registry;
    private String path;
    private PinnedBpf.Slot slot;

    BpfMatch(PinnedBpf registry) {
        this.registry = registry;
    }

    /**
     * Whether the program pinned now is a {@link PinnedBpf.FlowProgram} is known only per packet
     * (re-pinning swaps it): {@link #matches} marks the walk variant when it is not.
     */
    @Override
    boolean flowInvariant() {
        return true;
    }

    @Override
    String name() {
        return "bpf";
    }

    @Override
    boolean matches(PacketContext c) {
        // The slot follows re-pinning: a new program takes effect at once, without a lookup.
        PinnedBpf.Program p = slot.program;
        if (p == null) {
            return false;
        }
        if (!(p instanceof PinnedBpf.FlowProgram)) {
            c.variant = true;
        }
        return p.run(c);
    }

    @Override
    boolean parse(String option, boolean invert, RuleParser.Args args) {
        switch (option) {
            case "--object-pinned" -> {
                requireNoInvert(invert, option);
                path = args.value(option);
                return true;
            }
            case "--bytecode", "--object-fd" ->
                throw new IptablesException("bpf: " + option + " is not emulated by podlab (only --object-pinned)");
            default -> {
                return false;
            }
        }
    }

    @Override
    void finish(Rule rule) {
        if (path == null) {
            throw new IptablesException("bpf: missing --bytecode or --object-pinned parameter");
        }
        slot = registry.slot(path);
        if (slot == null) {
            throw new IptablesException("bpf: failed to open pinned object " + path + ": No such file or directory");
        }
    }

    @Override
    void save(StringBuilder sb) {
        sb.append(" --object-pinned ").append(path);
    }
}
