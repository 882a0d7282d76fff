package dev.podlab.netfilter;

import dev.podlab.net.Hook;
import dev.podlab.net.NetDevice;
import dev.podlab.netfilter.conntrack.ConntrackEntry;
import dev.podlab.packet.Packet;

/**
 * A whole hook run of a connection's packet at INPUT, FORWARD or POSTROUTING, or the part of a
 * PREROUTING or OUTPUT run that follows conntrack's lookup, kept so that the connection's later
 * packets skip it: the {@link FlowMemo} of each table the run walked, and the mark it left. There
 * a packet of a confirmed entry meets nothing but the tables: its entry is attached, NAT has
 * nothing to rewrite when the entry has no NAT binding, and confirmation has nothing to do (the
 * raw table and the lookup itself, before that point, run for every packet). So when every table's walk was kept and accepted, the run's
 * whole effect is those walks' counters and mark, and a later packet with the same inputs (the
 * devices and their names, the mark, the conntrack state and status, the ruleset's
 * {@link Iptables#stamp() stamp}) gets exactly that. A run that dropped, walked a table it could
 * not keep, or met NAT is never kept: it runs in full, with its trace.
 */
final class HookMemo {
    private final Hook hook;
    private HookMemo next;

    private long stamp;
    private NetDevice in;
    private NetDevice out;
    private NetDevice physIn;
    private NetDevice physOut;
    private String inName;
    private String outName;
    private String physInName;
    private String physOutName;
    private int markIn;
    private int ctinfo;
    private int status;

    private FlowMemo[] tables = new FlowMemo[0];
    private int[] versions = new int[0];
    private int tableCount;
    private int markOut;

    private HookMemo(Hook hook) {
        this.hook = hook;
    }

    /**
     * Replays the run kept for this packet's connection at {@code hook}, if there is one and its
     * inputs are the packet's: increments the walks' counters by the packet's length and sets its
     * mark. False when the hook must run in full.
     */
    static boolean replay(Iptables ipt, Hook hook, int ctinfo, int mark, Packet p, int ipOffset, ConntrackEntry e,
                          NetDevice in, NetDevice out, NetDevice physIn, NetDevice physOut) {
        FlowMemo.Memos memos = (FlowMemo.Memos) e.hookMemo();
        if (memos == null) {
            return false;
        }
        HookMemo m = memos.hooks;
        while (m != null && (m.hook != hook || m.ctinfo != ctinfo)) {
            m = m.next;
        }
        if (m == null || !m.sameInputs(ipt.stamp(), mark, e.status(), in, out, physIn, physOut)) {
            return false;
        }
        FlowMemo[] t = m.tables;
        for (int i = 0; i < m.tableCount; i++) {
            if (t[i].version() != m.versions[i]) {
                return false; // a table's memo was kept anew for other inputs
            }
        }
        int length = p.buf().getUnsignedShort(ipOffset + 2);
        for (int i = 0; i < m.tableCount; i++) {
            t[i].count(length);
        }
        ipt.replays++;
        p.mark(m.markOut);
        return true;
    }

    /** Keeps a run whose table walks were all kept ({@code used}) and accepted. */
    static void keep(Iptables ipt, Hook hook, Packet p, ConntrackEntry e, int markIn, long stamp,
                     NetDevice in, NetDevice out, NetDevice physIn, NetDevice physOut,
                     FlowMemo[] used, int usedCount) {
        FlowMemo.Memos memos = FlowMemo.Memos.of(e);
        int ctinfo = p.ctinfo();
        HookMemo m = memos.hooks;
        while (m != null && (m.hook != hook || m.ctinfo != ctinfo)) {
            m = m.next;
        }
        if (m == null) {
            m = new HookMemo(hook);
            m.next = memos.hooks;
            memos.hooks = m;
        }
        m.stamp = stamp;
        m.ctinfo = ctinfo;
        m.status = e.status();
        m.markIn = markIn;
        m.markOut = p.mark();
        m.in = in;
        m.out = out;
        m.physIn = physIn;
        m.physOut = physOut;
        m.inName = in == null ? null : in.name();
        m.outName = out == null ? null : out.name();
        m.physInName = physIn == null ? null : physIn.name();
        m.physOutName = physOut == null ? null : physOut.name();
        if (m.tables.length < usedCount) {
            m.tables = new FlowMemo[usedCount];
            m.versions = new int[usedCount];
        }
        for (int i = 0; i < usedCount; i++) {
            m.tables[i] = used[i];
            m.versions[i] = used[i].version();
        }
        for (int i = usedCount; i < m.tableCount; i++) {
            m.tables[i] = null;
        }
        m.tableCount = usedCount;
    }

    private boolean sameInputs(long stamp, int mark, int status, NetDevice in, NetDevice out,
                               NetDevice physIn, NetDevice physOut) {
        // Names by reference: a device's name object changes only when it is renamed.
        return this.stamp == stamp && markIn == mark && this.status == status
                && this.in == in && this.out == out && this.physIn == physIn && this.physOut == physOut
                && (in == null || in.name() == inName) && (out == null || out.name() == outName)
                && (physIn == null || physIn.name() == physInName)
                && (physOut == null || physOut.name() == physOutName);
    }
}
