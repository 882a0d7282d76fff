package dev.podlab.netfilter;

import dev.podlab.net.Hook;

/**
 * An iptables match: the kernel's {@code xt_match} (its {@code match} function and
 * {@code checkentry} constraints) together with its libxtables extension (option parsing and the
 * {@code save} printer). Each subclass holds its parameters in primitive fields;
 * {@link #matches} reads only the {@link PacketContext} and allocates nothing.
 *
 * <p>Lifecycle: created empty by {@link Matches#create}, fed options by
 * {@link #parse}, checked by {@link #finish}, then immutable.
 */
abstract class Match {
    /** The name after {@code -m}. */
    abstract String name();

    /** The kernel's {@code match()}; may set {@link PacketContext#hotdrop}. */
    abstract boolean matches(PacketContext c);

    /**
     * Consumes option {@code option} (with its arguments from {@code args}); false when this match
     * has no such option.
     *
     * @param invert a {@code !} preceded the option
     */
    abstract boolean parse(String option, boolean invert, RuleParser.Args args);

    /** The extension's final check ({@code x6_fcheck}) and the kernel's {@code checkentry}. */
    void finish(Rule rule) {}

    /** Appends what the extension's {@code save} prints after {@code -m name}. */
    abstract void save(StringBuilder sb);

    /**
     * True when the answer depends only on what a connection's packets share at one hook: the
     * conntrack tuple's addresses, protocol, ports (ICMP type, code and id), the interfaces, the
     * mark, the conntrack state, status and direction, and configuration whose changes bump
     * {@link Iptables#stamp()}. Such a match may be skipped for a flow's later packets by
     * {@link FlowMemo}. False (the default) for anything reading per-packet bytes (TCP flags,
     * lengths), time, randomness or state the match keeps.
     */
    boolean flowInvariant() {
        return false;
    }

    /** Hooks the kernel allows this match in ({@code xt_match.hooks}), as {@link Hook#bit()}s. */
    int hooks() {
        return Hook.ALL;
    }

    static IptablesException noInvert(String option) {
        return new IptablesException("unexpected ! flag before " + option);
    }

    static void requireNoInvert(boolean invert, String option) {
        if (invert) {
            throw noInvert(option);
        }
    }
}
