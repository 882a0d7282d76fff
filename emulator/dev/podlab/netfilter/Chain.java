package dev.podlab.netfilter;

import dev.podlab.net.Hook;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A chain of one table: built-in (bound to a {@link Hook}, with a policy and the policy's
 * packet/byte counters) or user-defined. Rules are edited in {@link #rules} and evaluated from
 * the array {@link #compiled} built when the table is committed.
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

    /** Packets that met the policy at the end of this built-in chain. */
    public long policyPackets() {
        return policyPackets;
    }

    public long policyBytes() {
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
