package dev.podlab.netfilter;

import dev.podlab.net.Hook;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A chain of one table: built-in (bound to a {@link Hook}, with a policy and the policy's
 * packet/byte counters) or user-defined. Rules are edited in {@link #rules} and evaluated from
 * the array {@link #compiled} built when the table is committed.
 *
 * <p>With the nf_tables backend a built-in chain is an nft base chain that exists only once
 * something created it, and its policy is counted only if it was created with a counter:
 * iptables-nft 1.8.9 gives one to a chain that {@code iptables-restore} declares
 * ({@code :INPUT ACCEPT [0:0]}) or {@code iptables -P} sets, but none to a chain that a rule
 * command ({@code iptables -A INPUT ...}) creates implicitly, whose policy counters then stay
 * {@code [0:0]} whatever passes. A declaration of a chain that already exists adds no counter;
 * {@code -P} does.
 */
public final class Chain {
    /** Longest chain name: XT_EXTENSION_MAXNAMELEN (29) minus the NUL. */
    static final int MAX_NAME_LENGTH = 28;

    Table table;
    private final String name;
    private final Hook hook;
    NfVerdict policy;
    long policyPackets;
    long policyBytes;
    /** The nft base chain exists (a rule command, a declaration or -P created it). */
    boolean created;
    /** The nft base chain counts the packets that meet its policy. */
    boolean policyCounter;
    final ArrayList<Rule> rules = new ArrayList<>();
    Rule[] compiled = new Rule[0];

    Chain(Table table, String name, Hook hook) {
        this.table = table;
        this.name = name;
        this.hook = hook;
        this.policy = hook == null ? null : NfVerdict.ACCEPT;
    }

    /** A copy for editing in a restore transaction: same rules (with their counters), same policy. */
    Chain copy(Table owner) {
        Chain c = new Chain(owner, name, hook);
        c.policy = policy;
        c.policyPackets = policyPackets;
        c.policyBytes = policyBytes;
        c.created = created;
        c.policyCounter = policyCounter;
        c.rules.addAll(rules);
        return c;
    }

    public String name() {
        return name;
    }

    /** The hook of a built-in chain, null for a user chain. */
    public Hook hook() {
        return hook;
    }

    public boolean isBuiltin() {
        return hook != null;
    }

    /** The policy of a built-in chain (ACCEPT or DROP), null for a user chain. */
    public NfVerdict policy() {
        return policy;
    }

    /**
     * True when this built-in chain counts the packets that meet its policy (see the class
     * comment: declared or given a policy, not created implicitly by a rule).
     */
    public boolean countsPolicy() {
        return policyCounter;
    }

    /** Created by a declaration or {@code -P}: exists, with a policy counter. */
    void createWithCounter() {
        created = true;
        policyCounter = true;
    }

    /** Created implicitly by a rule command when it did not exist yet: no policy counter. */
    void createImplicitly() {
        created = true;
    }

    /** Packets that met the policy at the end of this built-in chain (0 unless {@link #countsPolicy()}). */
    public long policyPackets() {
        table.settleCounters();
        return policyPackets;
    }

    public long policyBytes() {
        table.settleCounters();
        return policyBytes;
    }

    /** The rules in order (read-only view). */
    public List<Rule> rules() {
        return Collections.unmodifiableList(rules);
    }

    public Table table() {
        return table;
    }

    @Override
    public String toString() {
        return table.id().tableName() + ":" + name;
    }
}
