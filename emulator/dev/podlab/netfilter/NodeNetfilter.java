package dev.podlab.netfilter;

import dev.podlab.net.Hook;
import dev.podlab.net.NetDevice;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.NetfilterHooks;
import dev.podlab.net.Route;
import dev.podlab.net.RouteScope;
import dev.podlab.net.RouteType;
import dev.podlab.netfilter.conntrack.Conntrack;
import dev.podlab.netfilter.conntrack.ConntrackEntry;
import dev.podlab.netfilter.conntrack.ConntrackSysctls;
import dev.podlab.netfilter.conntrack.Nat;
import dev.podlab.netfilter.conntrack.NatRange;
import dev.podlab.netfilter.conntrack.NatType;
import dev.podlab.netfilter.conntrack.PacketConntrack;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.trace.DropReason;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;

/**
 * A namespace's netfilter: its iptables tables and ipsets, its conntrack table and NAT, run at the
 * stack's five hooks in the kernel's priority order (netfilter-conntrack reference, section 1):
 *
 * <pre>
 *  PREROUTING   raw -300, conntrack -200, mangle -150, nat (DNAT) -100
 *  INPUT        mangle -150, filter 0, nat (SNAT) 100, confirm
 *  FORWARD      mangle -150, filter 0
 *  OUTPUT       raw -300, conntrack -200, mangle -150, nat (DNAT) -100, filter 0
 *  POSTROUTING  mangle -150, nat (SNAT) 100, confirm
 * </pre>
 *
 * The nat chains are walked only for a connection's first packet ({@link Nat#needsBinding}); the
 * binding then rewrites every packet of the connection in both directions. A packet's conntrack
 * state travels with it between hooks ({@link Packet#conntrack()}), as {@code skb->_nfct} does.
 * REJECT sends the ICMP error or TCP reset the kernel's {@code ipt_REJECT} sends. Every drop names
 * the table, chain and rule number that decided it in the trace.
 */
public final class NodeNetfilter implements NetfilterHooks, AddressTypeLookup {
    private final NetNamespace ns;
    private final Iptables iptables;
    private final Conntrack conntrack;
    private final PacketContext ctx = new PacketContext();
    private final PacketConntrack skb = new PacketConntrack();
    /** The entry whose {@link HookMemo} the current hook run may become, null if none. */
    private ConntrackEntry memoEntry;
    private int memoMarkIn;
    private long memoStamp;
    /** The table walks' memos of the current hook run, for {@link HookMemo}. */
    private final FlowMemo[] used = new FlowMemo[TableId.values().length];
    private int usedCount;
    /** Every table the current hook run walked was kept in a memo. */
    private boolean allKept;
    /** Whether table walks are kept per connection ({@link FlowMemo}); see {@link #flowMemo(boolean)}. */
    private boolean flowMemo = FLOW_MEMO_DEFAULT;

    /**
     * The default of {@link #flowMemo(boolean)}: on, unless the JVM runs with
     * {@code -Dpodlab.flowMemo=false} (every packet then walks every table, for comparison).
     */
    public static final boolean FLOW_MEMO_DEFAULT = !"false".equals(System.getProperty("podlab.flowMemo"));

    private NodeNetfilter(NetNamespace ns, Iptables iptables, Conntrack conntrack) {
        this.ns = ns;
        this.iptables = iptables;
        this.conntrack = conntrack;
        ctx.addressTypes(this);
        ctx.random(ns.network().sim().random().stream("netfilter/" + ns.qualifiedName() + "/statistic"));
    }

    /**
     * Loads netfilter into a namespace (iptables tables empty, conntrack with the kernel's
     * timeouts) and makes its stack call it; fragments are then reassembled before conntrack.
     * The table is sized as kube-proxy sizes it on a 2-CPU node: {@code nf_conntrack_max} =
     * max(131072, 32768 per CPU) = 131072, hash size max / 4.
     */
    public static NodeNetfilter install(NetNamespace ns) {
        ConntrackSysctls sysctls = new ConntrackSysctls();
        sysctls.max = 131_072;
        sysctls.buckets = 32_768;
        Conntrack ct = new Conntrack(sysctls,
                ns.network().sim().random().stream("netfilter/" + ns.qualifiedName() + "/nat"));
        NodeNetfilter nf = new NodeNetfilter(ns, new Iptables(), ct);
        ns.netfilter(nf, true);
        return nf;
    }

    /**
     * Keeps each table walk's outcome on the packet's conntrack entry for the connection's later
     * packets, when the walk depended only on what they share ({@link FlowMemo}); off, every
     * packet walks every table. Verdicts, marks, counters and traces are the same either way.
     */
    public NodeNetfilter flowMemo(boolean on) {
        this.flowMemo = on;
        return this;
    }

    public Iptables iptables() {
        return iptables;
    }

    public Conntrack conntrack() {
        return conntrack;
    }

    /** {@code conntrack -L}: entries in the kernel's dump order, timeouts counted from now. */
    public String conntrackList() {
        long now = ns.network().sim().now();
        conntrack.gc(now);
        return conntrack.list(now);
    }

    @Override
    public int run(Hook hook, Packet p, int ipOffset, NetDevice in, NetDevice out, NetDevice physIn, NetDevice physOut) {
        memoEntry = null;
        if (flowMemo && hook != Hook.PREROUTING && hook != Hook.OUTPUT && !p.nfTrace()
                && p.conntrack() instanceof ConntrackEntry e) {
            // A memo is kept only where one is allowed, and replays only for the status and
            // ctinfo it was kept with: the replay needs no check of its own.
            if (HookMemo.replay(iptables, hook, p.ctinfo(), p.mark(), p, ipOffset, e, in, out, physIn, physOut)) {
                return NF_ACCEPT;
            }
            if (hookMemoAllowed(e, p.ctinfo())) {
                keepFrom(e, p.mark());
            }
        }
        ByteBuf buf = p.buf();
        long now = ns.network().sim().now();
        restoreConntrack(p);
        ctx.packet(buf, ipOffset)
                .interfaces(in == null ? "" : in.name(), in == null ? 0 : in.ifindex(),
                        out == null ? "" : out.name(), out == null ? 0 : out.ifindex())
                .mark(p.mark())
                .trace(p.nfTrace());
        if (physIn != null || physOut != null) {
            ctx.bridge(physIn == null ? "" : physIn.name(), physOut == null ? "" : physOut.name());
        } else {
            ctx.notBridged();
        }
        ctx.resetResults();
        int verdict = switch (hook) {
            case PREROUTING, OUTPUT -> localOrPrerouting(hook, p, ipOffset, in, out, physIn, physOut, now);
            case INPUT -> input(p, ipOffset, in, now);
            case FORWARD -> {
                // The packet's own conntrack facts: not those an earlier hook run left in ctx.
                publishConntrack();
                yield table(TableId.MANGLE, hook, p, ipOffset, in) && table(TableId.FILTER, hook, p, ipOffset, in)
                        ? NF_ACCEPT : NF_DROP;
            }
            case POSTROUTING -> postrouting(p, ipOffset, out, now);
        };
        saveConntrack(p);
        p.mark(ctx.mark());
        p.nfTrace(ctx.trace);
        ConntrackEntry kept = memoEntry;
        if (kept != null && verdict == NF_ACCEPT && allKept && p.conntrack() == kept && !ctx.trace
                && hookMemoAllowed(kept, p.ctinfo())) {
            HookMemo.keep(iptables, hook, p, kept, memoMarkIn, memoStamp, in, out, physIn, physOut,
                    used, usedCount);
        }
        return verdict;
    }

    /**
     * From here on, the hook run's table walks are collected for a {@link HookMemo} of
     * {@code entry}'s packets entering this point with mark {@code markIn}.
     */
    private void keepFrom(ConntrackEntry entry, int markIn) {
        memoEntry = entry;
        memoMarkIn = markIn;
        memoStamp = iptables.stamp();
        usedCount = 0;
        allKept = true;
    }

    /**
     * A hook run at INPUT, FORWARD or POSTROUTING, or what follows conntrack at PREROUTING and
     * OUTPUT, may be kept whole ({@link HookMemo}) for a packet whose table walks may be
     * ({@link #memoAllowed()}) and whose entry has no NAT to apply (its bindings are set up and
     * change nothing).
     */
    private static boolean hookMemoAllowed(ConntrackEntry e, int ctinfo) {
        int status = e.status();
        return walkMemoAllowed(e, ctinfo)
                && (status & ConntrackEntry.IPS_NAT_MASK) == 0
                && (status & ConntrackEntry.IPS_NAT_DONE_MASK) == ConntrackEntry.IPS_NAT_DONE_MASK;
    }

    private int localOrPrerouting(Hook hook, Packet p, int ipOffset, NetDevice in, NetDevice out,
                                  NetDevice physIn, NetDevice physOut, long now) {
        NetDevice dev = hook == Hook.OUTPUT ? out : in;
        if (!table(TableId.RAW, hook, p, ipOffset, dev)) {
            return NF_DROP;
        }
        skb.csumUnnecessary(p.csumUnnecessary());
        Verdict ct = conntrack.in(hook, p.buf(), ipOffset, now, skb);
        p.csumUnnecessary(skb.csumUnnecessary());
        if (ct == Verdict.DROP) {
            ns.trace(dev, Step.CONNTRACK, Verdict.DROP, DropReason.NETFILTER_DROP,
                    "conntrack: table full (nf_conntrack_max " + conntrack.max() + "), dropping packet");
            return NF_DROP;
        }
        traceConntrack(dev);
        // What follows conntrack may be kept whole for the connection ({@link HookMemo}).
        ConntrackEntry e = skb.entry();
        if (flowMemo && e != null && !ctx.trace) {
            if (HookMemo.replay(iptables, hook, skb.ctinfo(), ctx.mark(), p, ipOffset, e, in, out, physIn, physOut)) {
                ctx.mark(p.mark());
                return NF_ACCEPT;
            }
            if (hookMemoAllowed(e, skb.ctinfo())) {
                keepFrom(e, ctx.mark());
            }
        }
        publishConntrack();
        if (!table(TableId.MANGLE, hook, p, ipOffset, dev)) {
            return NF_DROP;
        }
        if (!nat(hook, p, ipOffset, dev, now)) {
            return NF_DROP;
        }
        if (hook == Hook.OUTPUT && !table(TableId.FILTER, hook, p, ipOffset, dev)) {
            return NF_DROP;
        }
        return NF_ACCEPT;
    }

    private int input(Packet p, int ipOffset, NetDevice in, long now) {
        publishConntrack();
        if (!table(TableId.MANGLE, Hook.INPUT, p, ipOffset, in) || !table(TableId.FILTER, Hook.INPUT, p, ipOffset, in)) {
            return NF_DROP;
        }
        if (!nat(Hook.INPUT, p, ipOffset, in, now)) {
            return NF_DROP;
        }
        return confirm(p, ipOffset, in, now);
    }

    private int postrouting(Packet p, int ipOffset, NetDevice out, long now) {
        publishConntrack();
        if (!table(TableId.MANGLE, Hook.POSTROUTING, p, ipOffset, out)) {
            return NF_DROP;
        }
        if (!nat(Hook.POSTROUTING, p, ipOffset, out, now)) {
            return NF_DROP;
        }
        return confirm(p, ipOffset, out, now);
    }

    private int confirm(Packet p, int ipOffset, NetDevice dev, long now) {
        if (conntrack.confirm(p.buf(), ipOffset, now, skb) == Verdict.DROP) {
            ns.trace(dev, Step.CONNTRACK, Verdict.DROP, DropReason.NETFILTER_DROP, "conntrack: insert failed at confirm");
            return NF_DROP;
        }
        return NF_ACCEPT;
    }

    /**
     * The nat table at a NAT hook: walked for the first packet of a connection to set up its
     * binding (a null binding when no rule matched), then the binding rewrites the packet.
     */
    private boolean nat(Hook hook, Packet p, int ipOffset, NetDevice dev, long now) {
        Nat nat = conntrack.nat();
        ConntrackEntry entry = skb.entry();
        if (entry != null && nat.needsBinding(skb, hook)) {
            NfVerdict v = iptables.run(TableId.NAT, hook, ctx);
            traceLogs(dev); // the nat table's LOG and TRACE lines, as every table's
            if (v == NfVerdict.DROP) {
                traceDrop(dev, "nat");
                return false;
            }
            NatRequest req = ctx.nat();
            if (req != null && req.type() != NatRequest.Type.NONE) {
                Verdict bound = bind(req, entry, dev, now);
                if (bound == Verdict.DROP) {
                    ns.trace(dev, step(hook), Verdict.DROP, DropReason.NETFILTER_DROP, "NAT: no free tuple for " + req);
                    return false;
                }
                if (ns.network().tracer().enabled()) {
                    ns.trace(dev, step(hook), Verdict.PASS, null, "nat " + hook + " rule " + ctx.decidingRule()
                            + " in " + ctx.decidingChain() + ": " + req + " -> conntrack "
                            + entry.reply().toString());
                }
            }
        }
        if (nat.manip(skb, hook, p.buf(), ipOffset, now) == Verdict.DROP) {
            ns.trace(dev, step(hook), Verdict.DROP, DropReason.NETFILTER_DROP, "NAT manipulation failed");
            return false;
        }
        ConntrackEntry ct = skb.entry();
        if (ct != null && (ct.status() & ConntrackEntry.IPS_NAT_MASK) != 0) {
            ctx.packet(p.buf(), ipOffset); // the binding rewrote addresses or ports: read them again
        }
        return true;
    }

    private Verdict bind(NatRequest req, ConntrackEntry entry, NetDevice dev, long now) {
        NatRange range = req.range();
        if (req.type() == NatRequest.Type.MASQUERADE) {
            // nf_nat_masquerade_ipv4: the address the route's device would use towards the next hop.
            int dst = ctx.dst();
            Route r = ns.routes().lookup(dst);
            int gw = r != null && r.hasGateway() ? r.gateway() : dst;
            int src = ns.routes().selectSourceAddress(dev.ref(), gw, RouteScope.UNIVERSE);
            if (src == 0) {
                return Verdict.DROP;
            }
            return conntrack.nat().masquerade(entry, range, src, dev.ifindex(), now);
        }
        NatType type = req.type() == NatRequest.Type.DNAT ? NatType.DNAT : NatType.SNAT;
        return conntrack.nat().setupNat(entry, type, range, now);
    }

    /** Runs one table's chain at a hook; false when it dropped (REJECT answered first). */
    private boolean table(TableId id, Hook hook, Packet p, int ipOffset, NetDevice dev) {
        if (!id.hasHook(hook) || !iptables.table(id).isPresent()) {
            return true;
        }
        NfVerdict v;
        if (memoAllowed()) {
            v = FlowMemo.run(iptables, id, hook, ctx, skb.entry(), skb.direction());
            if (memoEntry != null) {
                if (ctx.memo != null && usedCount < used.length) {
                    used[usedCount++] = ctx.memo;
                } else {
                    allKept = false;
                }
            }
        } else {
            v = iptables.run(id, hook, ctx);
            allKept = false;
        }
        traceLogs(dev);
        if (v == NfVerdict.ACCEPT) {
            return true;
        }
        traceDrop(dev, id.tableName());
        RejectWith reject = ctx.rejectWith();
        if (reject != null) {
            reject(reject, p, ipOffset, dev, hook);
        }
        return false;
    }

    /**
     * A walk may be kept or replayed for a packet of a confirmed entry in state NEW, ESTABLISHED
     * or ESTABLISHED_REPLY (its addresses and ports are then the entry's), not being traced by
     * {@code -j TRACE}. RELATED packets (ICMP errors) carry other addresses than their entry.
     */
    private boolean memoAllowed() {
        ConntrackEntry e = skb.entry();
        return flowMemo && !ctx.trace && e != null && walkMemoAllowed(e, skb.ctinfo());
    }

    /** The entry is confirmed and the packet NEW, ESTABLISHED or ESTABLISHED_REPLY to it. */
    private static boolean walkMemoAllowed(ConntrackEntry e, int ctinfo) {
        return e.isConfirmed()
                && (ctinfo == PacketConntrack.IP_CT_ESTABLISHED || ctinfo == PacketConntrack.IP_CT_ESTABLISHED_REPLY
                        || ctinfo == PacketConntrack.IP_CT_NEW);
    }

    /** ipt_REJECT: {@code nf_send_unreach} or {@code nf_send_reset} for the rejected packet. */
    private void reject(RejectWith reject, Packet p, int ipOffset, NetDevice dev, Hook hook) {
        if (reject.isTcpReset()) {
            ByteBuf rst = ns.network().frames().tcpResetFor(p.buf(), ipOffset, 0, 0);
            Packet out = new Packet(rst, LinkType.ETHERNET).id(p.id());
            ns.stack().send(out);
            return;
        }
        ns.stack().icmpSend(dev, p, ipOffset, reject.icmpType(), reject.icmpCode(), 0, hook == Hook.INPUT);
    }

    private void traceDrop(NetDevice dev, String table) {
        if (!ns.network().tracer().enabled()) {
            ns.trace(dev, step(ctx.hook()), Verdict.DROP, DropReason.NETFILTER_DROP, null);
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append(table).append(' ').append(ctx.decidingChain());
        Rule rule = decidingRule();
        if (rule == null) {
            sb.append(" policy DROP");
        } else {
            sb.append(" rule ").append(rule.number()).append(": ").append(rule);
        }
        if (ctx.rejectWith() != null) {
            sb.append(" (REJECT --reject-with ").append(ctx.rejectWith().option()).append(')');
        }
        ns.trace(dev, step(ctx.hook()), Verdict.DROP, DropReason.NETFILTER_DROP, sb.toString());
    }

    private Rule decidingRule() {
        if (ctx.decidingRule() <= 0 || ctx.decidingTable() == null) {
            return null;
        }
        TableId id = TableId.byName(ctx.decidingTable());
        Chain chain = id == null ? null : iptables.table(id).chain(ctx.decidingChain());
        if (chain == null || ctx.decidingRule() > chain.rules().size()) {
            return null;
        }
        return chain.rules().get(ctx.decidingRule() - 1);
    }

    private void traceLogs(NetDevice dev) {
        if (!ctx.logLines().isEmpty()) {
            for (NfLog log : ctx.logLines()) {
                ns.trace(dev, Step.of("nf-log"), Verdict.PASS, null, log.text());
            }
            ctx.clearLogLines();
        }
    }

    private void traceConntrack(NetDevice dev) {
        if (ns.network().tracer().enabled()) {
            ConntrackEntry e = skb.entry();
            ns.trace(dev, Step.CONNTRACK, Verdict.PASS, null, "ctstate " + skb.stateName()
                    + (e == null ? "" : " " + e.original() + (e.isConfirmed() ? "" : " (new, unconfirmed)")));
        }
    }

    /** Hands the packet's conntrack facts to the matches ({@code -m conntrack}, {@code -m state}). */
    private void publishConntrack() {
        ConntrackEntry e = skb.entry();
        int state;
        if (skb.isUntracked()) {
            state = Ct.STATE_UNTRACKED;
        } else if (e == null) {
            state = Ct.STATE_INVALID;
        } else {
            int base = skb.ctinfo() % PacketConntrack.IP_CT_IS_REPLY;
            state = base == PacketConntrack.IP_CT_NEW ? Ct.STATE_NEW
                    : base == PacketConntrack.IP_CT_RELATED ? Ct.STATE_RELATED : Ct.STATE_ESTABLISHED;
        }
        ctx.conntrack(state, skb.direction() == ConntrackEntry.REPLY, e == null ? 0 : e.status() & 0x3f);
        if (e != null) {
            ctx.conntrackTuples(e.original().src(), e.original().dst(), e.reply().src(), e.reply().dst());
        }
    }

    private void restoreConntrack(Packet p) {
        skb.reset();
        Object entry = p.conntrack();
        if (entry instanceof ConntrackEntry e) {
            skb.attach(e, p.ctinfo());
        } else if (p.ctinfo() == PacketConntrack.IP_CT_UNTRACKED) {
            skb.setUntracked();
        }
    }

    private void saveConntrack(Packet p) {
        p.conntrack(skb.entry(), skb.isUntracked() ? PacketConntrack.IP_CT_UNTRACKED : skb.ctinfo());
    }

    private static Step step(Hook hook) {
        return switch (hook) {
            case PREROUTING -> Step.NF_PREROUTING;
            case INPUT -> Step.NF_INPUT;
            case FORWARD -> Step.NF_FORWARD;
            case OUTPUT -> Step.NF_OUTPUT;
            case POSTROUTING -> Step.NF_POSTROUTING;
        };
    }

    // AddressTypeLookup: inet_dev_addr_type from the local routing table.
    @Override
    public AddressType typeOf(int address, int ifindex) {
        if (ns.isBroadcastAddress(address)) {
            return AddressType.BROADCAST;
        }
        if (ifindex == 0 ? ns.isLocalAddress(address) : isLocalOn(address, ifindex)) {
            return AddressType.LOCAL;
        }
        Route r = ns.routes().lookup(address);
        if (r != null && r.type() == RouteType.BLACKHOLE) {
            return AddressType.BLACKHOLE;
        }
        if (r != null && r.type() == RouteType.UNREACHABLE) {
            return AddressType.UNREACHABLE;
        }
        if (r != null && r.type() == RouteType.PROHIBIT) {
            return AddressType.PROHIBIT;
        }
        return AddressType.UNICAST;
    }

    private boolean isLocalOn(int address, int ifindex) {
        for (NetNamespace.Address a : ns.addresses()) {
            if (a.local() == address && a.dev().ifindex() == ifindex) {
                return true;
            }
        }
        return false;
    }
}
