package dev.podlab.netfilter;

import dev.podlab.net.Hook;
import dev.podlab.net.NetDevice;
import dev.podlab.netfilter.conntrack.ConntrackEntry;
import dev.podlab.netfilter.conntrack.PacketConntrack;
import dev.podlab.packet.Packet;
import java.util.Arrays;

/**
 * A whole hook run of a connection's packet at INPUT, FORWARD or POSTROUTING, or the part of a
 * PREROUTING or OUTPUT run that follows conntrack's lookup, kept so that the connection's later
 * packets skip it: the counters its table walks incremented and the mark it left. There a packet
 * of a confirmed entry meets nothing but the tables: its entry is attached, NAT has nothing to
 * rewrite when the entry has no NAT binding, and confirmation has nothing to do (the raw table and
 * the lookup itself, before that point, run for every packet). So when every table's walk could
 * be kept ({@link FlowMemo}) and accepted, the run's whole effect is those walks' counters and
 * mark, and a later packet with the same inputs (the devices, whose names never change, the
 * mark, the conntrack state and status, the ruleset's {@link Iptables#stamp() stamp}) gets exactly
 * that. A run that dropped, walked a table it could not keep, or met NAT is never kept: it runs in
 * full, with its trace. An entry holds one memo per hook and direction; a run with other inputs replaces
 * it. Memos are shared between connections ({@link MemoInterner}): the replays' pending counts of
 * a shared memo are its sharers' together.
 */
final class HookMemo implements MemoInterner.Kept {
    private static final Rule[] NO_RULES = new Rule[0];
    private static final Chain[] NO_CHAINS = new Chain[0];

    private int slot;
    private long stamp;
    private int ctinfo;
    private int status;
    private int markIn;
    private NetDevice in;
    private NetDevice out;
    private NetDevice physIn;
    private NetDevice physOut;

    /** The rules whose counters the run incremented, every table's in order. */
    private Rule[] rules = NO_RULES;
    private int ruleCount;
    /** The built-in chains whose policy counters it incremented. */
    private Chain[] policies = NO_CHAINS;
    private int policyCount;
    private int markOut;
    /** Packets and bytes replayed since the counters were last settled. */
    private long pendingPackets;
    private long pendingBytes;
    /** In {@link Iptables}'s list of memos to settle. */
    private boolean deferred;

    private static int slot(Hook hook, int ctinfo) {
        return hook.ordinal() << 1 | (ctinfo >= PacketConntrack.IP_CT_IS_REPLY ? 1 : 0);
    }

    /**
     * Replays the run kept for this packet's connection at {@code hook}, if there is one and its
     * inputs are the packet's: increments the counters by the packet's length and sets its mark.
     * False when the hook must run in full.
     */
    static boolean replay(Iptables ipt, Hook hook, int ctinfo, int mark, Packet p, int ipOffset, ConntrackEntry e,
                          NetDevice in, NetDevice out, NetDevice physIn, NetDevice physOut) {
        Object o = e.hookMemo();
        if (o == null) {
            return false;
        }
        HookMemo m = ((FlowMemo.Memos) o).hooks[slot(hook, ctinfo)];
        if (m == null || m.ctinfo != ctinfo || !m.sameInputs(ipt.stamp(), mark, e.status(), in, out, physIn, physOut)) {
            return false;
        }
        // The counters are added to the rules when someone reads them (Iptables#settleCounters).
        m.pendingPackets++;
        m.pendingBytes += p.buf().getUnsignedShort(ipOffset + 2);
        if (!m.deferred) {
            m.deferred = true;
            ipt.defer(m);
        }
        ipt.replays++;
        p.mark(m.markOut);
        return true;
    }

    /** Keeps a run whose table walks were all kept ({@code used}) and accepted. */
    static void keep(Iptables ipt, Hook hook, Packet p, ConntrackEntry e, int markIn, long stamp,
                     NetDevice in, NetDevice out, NetDevice physIn, NetDevice physOut,
                     FlowMemo[] used, int usedCount) {
        int ctinfo = p.ctinfo();
        HookMemo m = ipt.hookMemos.scratch(stamp);
        m.slot = slot(hook, ctinfo);
        m.stamp = stamp;
        m.ctinfo = ctinfo;
        m.status = e.status();
        m.markIn = markIn;
        m.markOut = p.mark();
        m.in = in;
        m.out = out;
        m.physIn = physIn;
        m.physOut = physOut;
        int rules = 0;
        int policies = 0;
        for (int i = 0; i < usedCount; i++) {
            rules += used[i].ruleCount();
            policies += used[i].policy() == null ? 0 : 1;
        }
        if (m.rules.length < rules) {
            m.rules = new Rule[rules];
        }
        if (m.policies.length < policies) {
            m.policies = new Chain[policies];
        }
        Arrays.fill(m.rules, null);
        Arrays.fill(m.policies, null);
        int r = 0;
        int c = 0;
        for (int i = 0; i < usedCount; i++) {
            System.arraycopy(used[i].rules(), 0, m.rules, r, used[i].ruleCount());
            r += used[i].ruleCount();
            if (used[i].policy() != null) {
                m.policies[c++] = used[i].policy();
            }
        }
        m.ruleCount = r;
        m.policyCount = c;
        FlowMemo.Memos.withHook(ipt, e, m.slot, ipt.hookMemos.intern(), stamp);
    }

    @Override
    public void trim() {
        if (rules.length != ruleCount) {
            rules = ruleCount == 0 ? NO_RULES : Arrays.copyOf(rules, ruleCount);
        }
        if (policies.length != policyCount) {
            policies = policyCount == 0 ? NO_CHAINS : Arrays.copyOf(policies, policyCount);
        }
    }

    // The key and the outcome; not the pending counts, which sharers add to together.
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof HookMemo m)) {
            return false;
        }
        if (slot != m.slot || stamp != m.stamp || ctinfo != m.ctinfo || status != m.status || markIn != m.markIn
                || markOut != m.markOut || in != m.in || out != m.out || physIn != m.physIn || physOut != m.physOut
                || ruleCount != m.ruleCount || policyCount != m.policyCount) {
            return false;
        }
        // Rule and Chain keep Object's equals: the same rules and chains, by identity.
        return Arrays.equals(rules, 0, ruleCount, m.rules, 0, ruleCount)
                && Arrays.equals(policies, 0, policyCount, m.policies, 0, policyCount);
    }

    @Override
    public int hashCode() {
        int h = slot;
        h = h * 31 + Long.hashCode(stamp);
        h = h * 31 + status;
        h = h * 31 + markIn;
        h = h * 31 + markOut;
        h = h * 31 + System.identityHashCode(in);
        h = h * 31 + System.identityHashCode(out);
        h = h * 31 + System.identityHashCode(physIn);
        h = h * 31 + System.identityHashCode(physOut);
        for (int i = 0; i < ruleCount; i++) {
            h = h * 31 + System.identityHashCode(rules[i]);
        }
        return h;
    }

    /** Adds the replayed packets and bytes to every rule and chain the run counted. */
    void settle() {
        long n = pendingPackets;
        if (n == 0) {
            return;
        }
        long b = pendingBytes;
        Rule[] r = rules;
        for (int i = 0; i < ruleCount; i++) {
            r[i].packets += n;
            r[i].bytes += b;
        }
        Chain[] c = policies;
        for (int i = 0; i < policyCount; i++) {
            c[i].policyPackets += n;
            c[i].policyBytes += b;
        }
        pendingPackets = 0;
        pendingBytes = 0;
    }

    /** {@link #settle()}, and out of the iptables' list. */
    void settled() {
        settle();
        deferred = false;
    }

    private boolean sameInputs(long stamp, int mark, int status, NetDevice in, NetDevice out,
                               NetDevice physIn, NetDevice physOut) {
        // The same devices have the same names: a device's name is fixed for its life.
        return this.stamp == stamp && markIn == mark && this.status == status
                && this.in == in && this.out == out && this.physIn == physIn && this.physOut == physOut;
    }
}
