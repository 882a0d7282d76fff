package dev.podlab.netfilter;

import dev.podlab.net.Hook;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * One table of one namespace: its built-in chains (one per hook it registers) and its user
 * chains. Chains are listed as iptables-save lists them: built-in chains in hook order, then user
 * chains sorted by name ({@code strcmp}, as iptables-nft's chain cache sorts them since v1.8.5;
 * libiptc sorted them too).
 *
 * <p>A table is "present" once something created it (a restore of {@code *table}, a command on
 * it), like an nf_tables table: iptables-save prints only present tables.
 */
public final class Table {
    private final TableId id;
    /** The namespace's iptables for a live table, null for a staged copy. */
    Iptables owner;
    boolean present;
    final Chain[] builtins = new Chain[Hook.values().length];
    /** User chains by name; never iterated in hash order. */
    final TreeMap<String, Chain> userChains = new TreeMap<>();

    Table(TableId id) {
        this.id = id;
        for (Hook h : Hook.values()) {
            if (id.hasHook(h)) {
                builtins[h.ordinal()] = new Chain(this, h.name(), h);
            }
        }
    }

    /** Adds the deferred counts of flow memos to the counters before they are read. */
    void settleCounters() {
        if (owner != null) {
            owner.settleCounters();
        }
    }

    public TableId id() {
        return id;
    }

    /** True once the table was created (restored or edited). */
    public boolean isPresent() {
        return present;
    }

    /** The chain called {@code name} (built-in or user), or null. */
    public Chain chain(String name) {
        Hook h = Hook.byChainName(name);
        if (h != null && builtins[h.ordinal()] != null) {
            return builtins[h.ordinal()];
        }
        return userChains.get(name);
    }

    /** The built-in chain of {@code hook}, or null if the table has none there. */
    public Chain builtin(Hook hook) {
        return builtins[hook.ordinal()];
    }

    /** All chains in iptables-save order. */
    public List<Chain> chains() {
        List<Chain> out = new ArrayList<>();
        for (Chain c : builtins) {
            if (c != null) {
                out.add(c);
            }
        }
        out.addAll(userChains.values());
        return out;
    }

    Collection<Chain> userChainList() {
        return userChains.values();
    }

    /** A detached copy for a restore transaction: new chain objects over the same rules. */
    Table copy() {
        Table t = new Table(id);
        t.present = present;
        for (int i = 0; i < builtins.length; i++) {
            if (builtins[i] != null) {
                t.builtins[i] = builtins[i].copy(t);
            }
        }
        for (Chain c : userChains.values()) {
            t.userChains.put(c.name(), c.copy(t));
        }
        return t;
    }

    /** A fresh, empty table (the flush of iptables-restore without --noflush): policies ACCEPT. */
    Table fresh() {
        Table t = new Table(id);
        t.present = true;
        return t;
    }

    /** Takes over the chains of a committed copy. */
    void install(Table staged) {
        present = staged.present;
        System.arraycopy(staged.builtins, 0, builtins, 0, builtins.length);
        userChains.clear();
        userChains.putAll(staged.userChains);
        for (Chain c : chains()) {
            c.table = this;
        }
    }
}
