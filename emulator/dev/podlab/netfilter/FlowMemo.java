package dev.podlab.netfilter;

import dev.podlab.net.Hook;
import dev.podlab.netfilter.conntrack.ConntrackEntry;
import java.util.Arrays;
import java.util.Objects;

/**
 * What one table's walk at one hook decided for one connection in one direction, kept on the
 * conntrack entry so that the connection's later packets skip the walk: the verdict, the mark the
 * walk left, the rules whose counters it incremented and the chain whose policy counters it
 * incremented, the deciding table, chain and rule.
 *
 * <p>Sound because the walk is a function of what is kept as the key. A packet attached to a
 * confirmed entry as NEW, ESTABLISHED or ESTABLISHED_REPLY carries that direction's tuple at the
 * conntrack lookup, and NAT rewrites it the same way for every packet of the connection, so at a
 * given hook and table its addresses, protocol and ports are the same for all of them. A walk is
 * kept only when every rule it tried is {@link Rule#flowInvariant() flow-invariant} (it reads
 * nothing else of the packet: no TCP flags, no length, no time, no randomness; no LOG, TRACE,
 * REJECT or NAT target), no match dropped the packet, and the rest of what the rules read is equal:
 * the interfaces and bridge ports, the incoming mark, the conntrack state bits, status and
 * direction, and the ruleset, ipsets and BPF programs ({@link Iptables#stamp()}). Otherwise the
 * table is walked, as it is for RELATED and INVALID packets and for a connection's first packet.
 * A replay increments the same counters by the packet's own length, so {@code iptables-save -c}
 * and every trace read the same with and without the memo.
 *
 * <p>A memo is a value: connections whose walks read and did the same share one
 * ({@link MemoInterner}), and an entry holds a set of its walks' and hook runs' memos
 * ({@link Memos}), shared in turn by the entries that kept the same ones.
 *
 * <p>The kernel has no such cache (nf_tables' flowtable offload is the nearest thing and skips
 * far more); this is an emulator's shortcut whose answers equal the walk's, checked by running
 * the same traffic with it on and off.
 */
final class FlowMemo implements MemoInterner.Kept {
    /** Walks that count more rules than this are not kept. */
    static final int MAX_RULES = 64;

    private int key;
    private Hook hook;

    // What the walk read besides the connection's tuple.
    private long stamp;
    private String inName;
    private String outName;
    private boolean bridged;
    private String physIn;
    private String physOut;
    private int markIn;
    private int ctStateBits;
    private int ctStatus;

    // What it did.
    private NfVerdict verdict;
    private int markOut;
    private Rule[] rules = NO_RULES;
    private int ruleCount;
    private Chain policy;
    private String decidingTable;
    private String decidingChain;
    private int decidingRule;

    private static final Rule[] NO_RULES = new Rule[0];

    FlowMemo() {}

    /**
     * Walks table {@code id} at {@code hook} for a packet of {@code entry} travelling in
     * {@code direction}, or replays the outcome kept from an earlier packet when everything the
     * walk read is unchanged; keeps the outcome when the walk allows it. The caller has checked
     * that the packet's conntrack state allows a memo (see the class comment) and that the packet
     * is not being traced ({@code skb->nf_trace}).
     */
    static NfVerdict run(Iptables ipt, TableId id, Hook hook, PacketContext c, ConntrackEntry entry, int direction) {
        int key = hook.ordinal() << 4 | id.ordinal() << 1 | direction;
        Object memos = entry.hookMemo();
        FlowMemo m = memos == null ? null : ((Memos) memos).table(key);
        long stamp = ipt.stamp();
        if (m != null && m.stamp == stamp && m.sameInputs(c)) {
            ipt.replays++;
            c.memo = m;
            return m.replay(c);
        }
        int markIn = c.mark;
        NfVerdict v = ipt.run(id, hook, c);
        // (A connection's first packet never gets here: its entry is unconfirmed at every hook
        // it crosses, so memos start with the second packet.)
        if (!c.variant && c.rejectWith == null && !c.trace && c.logLines().isEmpty()) {
            FlowMemo s = ipt.flowMemos.scratch(stamp);
            s.key = key;
            s.hook = hook;
            s.keep(stamp, c, markIn, v);
            m = ipt.flowMemos.intern();
            Memos.withTable(ipt, entry, key, m, stamp);
            c.memo = m;
        } else {
            c.memo = null;
        }
        return v;
    }

    /**
     * What a conntrack entry keeps: its table walks' memos, found by key, and its hook runs'
     * ({@link HookMemo}) by hook and direction, the slot read by every later packet. A value
     * shared like the memos it holds: connections that kept the same memos hold the same set, so
     * the memo costs a connection one reference. Changing a set ({@link #withTable},
     * {@link #withHook}) gives another (interned) set.
     */
    static final class Memos implements MemoInterner.Kept {
        private static final FlowMemo[] NO_TABLES = new FlowMemo[0];

        private FlowMemo[] tables = NO_TABLES;
        private int tableCount;
        final HookMemo[] hooks = new HookMemo[Hook.values().length * 2];

        /** The memo kept for the walk {@code key} names, or null. */
        FlowMemo table(int key) {
            FlowMemo[] t = tables;
            for (int i = 0, n = tableCount; i < n; i++) {
                if (t[i].key == key) {
                    return t[i];
                }
            }
            return null;
        }

        /** {@code entry}'s set with {@code m} kept for the walk {@code key} names. */
        static void withTable(Iptables ipt, ConntrackEntry entry, int key, FlowMemo m, long stamp) {
            Memos from = (Memos) entry.hookMemo();
            Memos s = ipt.memoSets.scratch(stamp);
            int n = from == null ? 0 : from.tableCount;
            if (s.tables.length < n + 1) {
                s.tables = new FlowMemo[n + 1];
            }
            int count = 0;
            boolean replaced = false;
            for (int i = 0; i < n; i++) {
                FlowMemo t = from.tables[i];
                if (t.key == key) {
                    t = m;
                    replaced = true;
                }
                s.tables[count++] = t;
            }
            if (!replaced) {
                s.tables[count++] = m;
            }
            for (int i = count; i < s.tableCount; i++) {
                s.tables[i] = null;
            }
            s.tableCount = count;
            s.copyHooks(from);
            entry.hookMemo(ipt.memoSets.intern());
        }

        /** {@code entry}'s set with {@code m} kept for hook slot {@code slot}. */
        static void withHook(Iptables ipt, ConntrackEntry entry, int slot, HookMemo m, long stamp) {
            Memos from = (Memos) entry.hookMemo();
            Memos s = ipt.memoSets.scratch(stamp);
            int n = from == null ? 0 : from.tableCount;
            if (s.tables.length < n) {
                s.tables = new FlowMemo[n];
            }
            for (int i = 0; i < n; i++) {
                s.tables[i] = from.tables[i];
            }
            for (int i = n; i < s.tableCount; i++) {
                s.tables[i] = null;
            }
            s.tableCount = n;
            s.copyHooks(from);
            s.hooks[slot] = m;
            entry.hookMemo(ipt.memoSets.intern());
        }

        private void copyHooks(Memos from) {
            if (from == null) {
                Arrays.fill(hooks, null);
            } else {
                System.arraycopy(from.hooks, 0, hooks, 0, hooks.length);
            }
        }

        @Override
        public void trim() {
            if (tables.length != tableCount) {
                tables = tableCount == 0 ? NO_TABLES : Arrays.copyOf(tables, tableCount);
            }
        }

        // The memos it holds, by reference (memos are interned values themselves).
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Memos m) || tableCount != m.tableCount) {
                return false;
            }
            for (int i = 0; i < tableCount; i++) {
                if (tables[i] != m.tables[i]) {
                    return false;
                }
            }
            for (int i = 0; i < hooks.length; i++) {
                if (hooks[i] != m.hooks[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = tableCount;
            for (int i = 0; i < tableCount; i++) {
                h = h * 31 + System.identityHashCode(tables[i]);
            }
            for (HookMemo k : hooks) {
                h = h * 31 + System.identityHashCode(k);
            }
            return h;
        }
    }

    /** The rules whose counters the walk incremented, in order, and how many. */
    Rule[] rules() {
        return rules;
    }

    int ruleCount() {
        return ruleCount;
    }

    /** The built-in chain whose policy counters the walk incremented, or null. */
    Chain policy() {
        return policy;
    }

    private void count(int length) {
        Rule[] r = rules;
        for (int i = 0, n = ruleCount; i < n; i++) {
            r[i].packets++;
            r[i].bytes += length;
        }
        Chain p = policy;
        if (p != null) {
            p.policyPackets++;
            p.policyBytes += length;
        }
    }

    private boolean sameInputs(PacketContext c) {
        // Interface names are compared by reference: a device's name object changes only when
        // it is renamed, and two equal references are certainly equal names.
        return c.mark == markIn && c.ctStateBits == ctStateBits && c.ctStatus == ctStatus
                && c.inName == inName && c.outName == outName
                && c.bridged == bridged && c.physIn == physIn && c.physOut == physOut;
    }

    private void keep(long stamp, PacketContext c, int markIn, NfVerdict v) {
        this.stamp = stamp;
        this.inName = c.inName;
        this.outName = c.outName;
        this.bridged = c.bridged;
        this.physIn = c.physIn;
        this.physOut = c.physOut;
        this.markIn = markIn;
        this.ctStateBits = c.ctStateBits;
        this.ctStatus = c.ctStatus;
        this.verdict = v;
        this.markOut = c.mark;
        int n = c.countedRules;
        if (rules.length < n) {
            rules = new Rule[n];
        }
        System.arraycopy(c.counted, 0, rules, 0, n);
        for (int i = n; i < ruleCount; i++) {
            rules[i] = null;
        }
        this.ruleCount = n;
        this.policy = c.policyCounted;
        this.decidingTable = c.decidingTable;
        this.decidingChain = c.decidingChain;
        this.decidingRule = c.decidingRule;
    }

    @Override
    public void trim() {
        if (rules.length != ruleCount) {
            rules = ruleCount == 0 ? NO_RULES : Arrays.copyOf(rules, ruleCount);
        }
    }

    // Names and rules by reference, as sameInputs compares them; tables and chains by name.
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FlowMemo m)) {
            return false;
        }
        if (key != m.key || hook != m.hook || stamp != m.stamp || markIn != m.markIn || ctStateBits != m.ctStateBits
                || ctStatus != m.ctStatus || bridged != m.bridged || inName != m.inName || outName != m.outName
                || physIn != m.physIn || physOut != m.physOut || verdict != m.verdict || markOut != m.markOut
                || policy != m.policy || decidingRule != m.decidingRule || ruleCount != m.ruleCount
                || !Objects.equals(decidingTable, m.decidingTable)
                || !Objects.equals(decidingChain, m.decidingChain)) {
            return false;
        }
        // Rule keeps Object's equals: the same rules, by identity.
        return Arrays.equals(rules, 0, ruleCount, m.rules, 0, ruleCount);
    }

    @Override
    public int hashCode() {
        int h = key;
        h = h * 31 + Long.hashCode(stamp);
        h = h * 31 + markIn;
        h = h * 31 + ctStateBits;
        h = h * 31 + ctStatus;
        h = h * 31 + markOut;
        h = h * 31 + System.identityHashCode(inName);
        h = h * 31 + System.identityHashCode(outName);
        for (int i = 0; i < ruleCount; i++) {
            h = h * 31 + System.identityHashCode(rules[i]);
        }
        return h;
    }

    /** The walk's effects on this packet: counters by its length, mark, verdict and deciding rule. */
    private NfVerdict replay(PacketContext c) {
        count(c.ipTotalLength());
        c.hook = hook;
        c.hotdrop = false;
        c.rejectWith = null;
        c.mark = markOut;
        c.decidingTable = decidingTable;
        c.decidingChain = decidingChain;
        c.decidingRule = decidingRule;
        c.verdict = verdict;
        return verdict;
    }
}
