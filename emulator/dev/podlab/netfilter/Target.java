package dev.podlab.netfilter;

import dev.podlab.net.Hook;

/**
 * The target of a rule: a standard verdict (ACCEPT, DROP, RETURN), a jump or goto to a user
 * chain, or an extension ({@code xt_target}: REJECT, LOG, TRACE, MARK, DNAT, SNAT, MASQUERADE)
 * whose {@link #execute} returns {@link #CONTINUE} (non-terminal) or a verdict.
 */
abstract class Target {
    static final int KIND_ACCEPT = 0;
    static final int KIND_DROP = 1;
    static final int KIND_RETURN = 2;
    static final int KIND_JUMP = 3;
    static final int KIND_GOTO = 4;
    static final int KIND_EXTENSION = 5;
    /** A rule without {@code -j}: counts and continues. */
    static final int KIND_NONE = 6;

    static final Target NONE = new Standard(KIND_NONE, "");

    /** XT_CONTINUE: go on with the next rule. */
    static final int CONTINUE = -1;
    static final int VERDICT_ACCEPT = 1;
    static final int VERDICT_DROP = 0;

    /**
     * One of the KIND_* constants; the evaluation loop switches on it for every rule that
     * matches, so it is a field, not a call to whichever of the targets' classes this is.
     */
    private final int kind;

    /** An extension target ({@code xt_target}). */
    Target() {
        this(KIND_EXTENSION);
    }

    Target(int kind) {
        this.kind = kind;
    }

    final int kind() {
        return kind;
    }

    /** The name after {@code -j} (or the chain after {@code -g}). */
    abstract String name();

    /** Runs an extension target; only called for {@link #KIND_EXTENSION}. */
    int execute(PacketContext c, Rule rule) {
        throw new IllegalStateException(name() + " is not an extension target");
    }

    boolean parse(String option, boolean invert, RuleParser.Args args) {
        return false;
    }

    void finish(Rule rule) {}

    /** What the extension's save prints after {@code -j NAME}. */
    void save(StringBuilder sb) {}

    /**
     * True when the target's effect depends only on what {@link Match#flowInvariant()} allows a
     * match to read and has no effect outside the packet's verdict and mark: the standard
     * verdicts, jumps and MARK. False for LOG, TRACE, REJECT (it sends a packet) and NAT.
     */
    boolean flowInvariant() {
        return kind != KIND_EXTENSION;
    }

    /** Hooks the kernel allows the target in. */
    int hooks() {
        return Hook.ALL;
    }

    /** The only table the target is valid in, or null. */
    String table() {
        return null;
    }

    /** ACCEPT, DROP or RETURN. */
    static final class Standard extends Target {
        private final String name;

        Standard(int kind, String name) {
            super(kind);
            this.name = name;
        }

        @Override
        String name() {
            return name;
        }
    }

    /** {@code -j CHAIN} (pushes a return point) or {@code -g CHAIN} (does not). */
    static final class Jump extends Target {
        private final String chainName;
        private final boolean isGoto;
        /** The chain, resolved when the table is committed. */
        Chain chain;

        Jump(String chainName, boolean isGoto) {
            super(isGoto ? KIND_GOTO : KIND_JUMP);
            this.chainName = chainName;
            this.isGoto = isGoto;
        }

        @Override
        String name() {
            return chainName;
        }

        boolean isGoto() {
            return isGoto;
        }
    }
}
