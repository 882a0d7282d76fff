package dev.podlab.netfilter;

import dev.podlab.net.Hook;
import dev.podlab.netfilter.conntrack.ConntrackEntry;

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
 * <p>The kernel has no such cache (nf_tables' flowtable offload is the nearest thing and skips
 * far more); this is an emulator's shortcut whose answers equal the walk's, checked by running
 * the same traffic with it on and off.
 */
final class FlowMemo {
    /** Walks that count more rules than this are not kept. */
    static final int MAX_RULES = 64;

    private final int key;
    private final Hook hook;
    private FlowMemo next;

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
    private Rule[] rules = new Rule[0];
    private int ruleCount;
    private Chain policy;
    private String decidingTable;
    private String decidingChain;
    private int decidingRule;

    private FlowMemo(int key, Hook hook) {
        this.key = key;
        this.hook = hook;
    }

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
        FlowMemo m = memos == null ? null : ((Memos) memos).tables;
        while (m != null && m.key != key) {
            m = m.next;
        }
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
            if (m == null) {
                Memos kept = Memos.of(entry);
                m = new FlowMemo(key, hook);
                m.next = kept.tables;
                kept.tables = m;
            }
            m.keep(stamp, c, markIn, v);
            c.memo = m;
        } else {
            c.memo = null;
        }
        return v;
    }

    /**
     * What a conntrack entry keeps: the table walks' memos in a list, and the hook runs'
     * ({@link HookMemo}) by hook and direction, the slot read by every later packet.
     */
    static final class Memos {
        FlowMemo tables;
        final HookMemo[] hooks = new HookMemo[Hook.values().length * 2];

        static Memos of(ConntrackEntry entry) {
            Memos m = (Memos) entry.hookMemo();
            if (m == null) {
                m = new Memos();
                entry.hookMemo(m);
            }
            return m;
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
