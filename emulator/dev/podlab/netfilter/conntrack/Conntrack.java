package dev.podlab.netfilter.conntrack;

import dev.podlab.net.Hook;

import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import java.util.Objects;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * Connection tracking of one network namespace, mirroring net/netfilter/nf_conntrack_core.c.
 *
 * <p>How a node's hooks call it (kernel order):
 *
 * <pre>
 *   PREROUTING / OUTPUT   raw table (may {@link PacketConntrack#setUntracked})
 *                         {@link #in}            nf_conntrack_in, priority -200
 *                         mangle, nat DNAT       ({@link Nat})
 *   INPUT / POSTROUTING   ... nat SNAT           ({@link Nat})
 *                         {@link #confirm}       __nf_conntrack_confirm, priority INT_MAX
 * </pre>
 *
 * A packet carries a {@link PacketConntrack} from {@code in} to {@code confirm}. A new entry is
 * only inserted by {@code confirm}; a packet dropped before leaves nothing behind.
 *
 * <p>Time is virtual: every call takes {@code nowNs}. Entries expire at their deadline: lazily
 * when a lookup meets them and through {@link #gc} at {@link #nextDeadlineNs}.
 *
 * <p>IPv4 only, zone 0, no helpers or expectations, no defragmentation (a non-first fragment is
 * INVALID, as conntrack sees it when nf_defrag did not reassemble). The buffer must hold the IP
 * datagram; {@code ipOffset} is the absolute offset of its IPv4 header.
 *
 * <p>Not thread-safe: one instance per emulated namespace, driven by the simulator thread.
 */
public final class Conntrack {
    // Verdicts of the trackers, as the kernel's: > 0 accept, <= 0 the packet gets no entry.
    /** NF_DROP: drop the packet. */
    static final int NF_DROP = 0;
    /** NF_ACCEPT */
    static final int NF_ACCEPT = 1;
    /** -NF_ACCEPT: invalid, let it continue without an entry. */
    static final int NF_INVALID = -1;
    /** -NF_REPEAT: the entry was killed, look the packet up again. */
    static final int NF_REPEAT = -4;

    private static final TupleHash TABLE_FULL = new TupleHash(null, 0);

    final ConntrackTable table;
    final ConntrackStats stats = new ConntrackStats();
    final boolean checksum;
    final boolean acctEnabled;
    private final int max;
    private final TcpTracker tcp;
    private final UdpTracker udp;
    private final IcmpTracker icmp;
    private final SctpTracker sctp;
    private final GenericTracker generic;
    private final Nat nat;
    private long lastId;

    /**
     * The checksum state of the packet being processed ({@link PacketConntrack#csumUnnecessary}):
     * the UDP and TCP trackers skip verifying when set and set it when they verified.
     */
    boolean csumUnnecessary;

    /** The IPv4 header of the packet being processed; trackers read its addresses. */
    final Ipv4 ip = new Ipv4();
    private final Tuple scratch = new Tuple();
    private final Tuple scratchReply = new Tuple();

    /**
     * @param sysctls   the namespace's knobs, read now
     * @param natRandom the random source of NAT port selection ({@code get_random_u16}), a
     *                  stream from {@link dev.podlab.sim.RandomStreams}
     */
    public Conntrack(ConntrackSysctls sysctls, RandomGenerator natRandom) {
        Objects.requireNonNull(sysctls, "sysctls");
        this.table = new ConntrackTable(sysctls.buckets);
        this.max = sysctls.max;
        this.checksum = sysctls.checksum;
        this.acctEnabled = sysctls.acct;
        this.tcp = new TcpTracker(this, sysctls);
        this.udp = new UdpTracker(this, sysctls);
        this.icmp = new IcmpTracker(this, sysctls);
        this.sctp = new SctpTracker(this, sysctls);
        this.generic = new GenericTracker(this, sysctls);
        this.nat = new Nat(this, natRandom);
    }

    public ConntrackTable table() {
        return table;
    }

    public ConntrackStats stats() {
        return stats;
    }

    /** The NAT engine bound to this table. */
    public Nat nat() {
        return nat;
    }

    /** {@code nf_conntrack_max} in force. */
    public int max() {
        return max;
    }

    // ------------------------------------------------------------------ nf_conntrack_in

    /**
     * {@code nf_conntrack_in}, at PREROUTING and OUTPUT: finds or creates (unconfirmed) the entry
     * of the packet, decides its state, runs the protocol tracker and attaches the result to
     * {@code skb}. Allocates nothing when the packet belongs to an existing entry.
     *
     * @return {@link Verdict#DROP} when conntrack drops the packet (table full, or a clash it
     *     cannot resolve), {@link Verdict#PASS} otherwise, INVALID packets included (they carry
     *     no entry; a rule decides their fate)
     */
    public Verdict in(Hook hook, ByteBuf buf, int ipOffset, long nowNs, PacketConntrack skb) {
        if (skb.entry != null || skb.untracked) {
            return Verdict.PASS; // previously seen (loopback) or NOTRACK
        }
        // get_l4proto / ipv4_get_l4proto
        int available = buf.writerIndex() - ipOffset;
        if (!Ipv4.fixedFits(available)) {
            stats.invalid++;
            return Verdict.PASS;
        }
        Ipv4 iph = ip.wrap(buf, ipOffset);
        int ipLen = Math.min(iph.totalLength(), available);
        int hl = iph.headerLength();
        if ((iph.flagsFragment() & Ipv4.FRAGMENT_OFFSET_MASK) != 0 || hl < Ipv4.MIN_HEADER_LENGTH || hl > ipLen) {
            stats.invalid++;
            return Verdict.PASS;
        }
        int protocol = iph.protocol();
        int l4Off = ipOffset + hl;
        int end = ipOffset + ipLen;

        if (protocol == IpProtocol.ICMP) {
            // nf_conntrack_handle_icmp: errors become RELATED to the entry they quote.
            int ret = icmp.error(skb, buf, ipOffset, l4Off, end, hook, nowNs);
            if (ret <= 0) {
                stats.error++;
                return Verdict.PASS;
            }
            if (skb.entry != null) {
                return Verdict.PASS;
            }
        }

        while (true) {
            // resolve_normal_ct
            if (!tupleOf(buf, l4Off, end, protocol, iph.src(), iph.dst(), scratch)) {
                stats.invalid++;
                return Verdict.PASS;
            }
            TupleHash h = table.find(scratch, nowNs);
            if (h == null) {
                h = initConntrack(scratch, nowNs);
                if (h == TABLE_FULL) {
                    stats.drop++; // "nf_conntrack: table full, dropping packet"
                    return Verdict.DROP;
                }
                if (h == null) {
                    stats.invalid++;
                    return Verdict.PASS;
                }
            }
            ConntrackEntry ct = h.ct;
            int ctinfo;
            if (h.dir == ConntrackEntry.REPLY) {
                ctinfo = PacketConntrack.IP_CT_ESTABLISHED_REPLY;
            } else if ((ct.status & ConntrackEntry.IPS_SEEN_REPLY) != 0) {
                ctinfo = PacketConntrack.IP_CT_ESTABLISHED; // once two-way, always ESTABLISHED
            } else if ((ct.status & ConntrackEntry.IPS_EXPECTED) != 0) {
                ctinfo = PacketConntrack.IP_CT_RELATED;
            } else {
                ctinfo = PacketConntrack.IP_CT_NEW;
            }
            skb.set(ct, ctinfo);

            csumUnnecessary = skb.csumUnnecessary;
            int ret = handlePacket(ct, buf, ipOffset, l4Off, end, ipLen, protocol, ctinfo, hook, nowNs);
            skb.csumUnnecessary = csumUnnecessary;
            if (ret <= 0) {
                skb.clear();
                if (ret == NF_REPEAT) {
                    continue; // re-opened connection: create a fresh entry
                }
                stats.invalid++;
                if (ret == NF_DROP) {
                    stats.drop++;
                    return Verdict.DROP;
                }
                return Verdict.PASS;
            }
            if (ctinfo == PacketConntrack.IP_CT_ESTABLISHED_REPLY) {
                ct.status |= ConntrackEntry.IPS_SEEN_REPLY;
            }
            return Verdict.PASS;
        }
    }

    /**
     * {@code init_conntrack} / {@code __nf_conntrack_alloc}: a new unconfirmed entry for
     * {@code tuple}, or null when the tuple has no inverse, or {@link #TABLE_FULL} when the table
     * is at {@code nf_conntrack_max} and {@code early_drop} found nothing to evict. The count
     * compared is that of confirmed entries plus this one (podlab handles one packet at a time, so
     * no other unconfirmed entry is alive).
     */
    private TupleHash initConntrack(Tuple tuple, long nowNs) {
        if (!tuple.invertInto(scratchReply)) {
            return null;
        }
        if (max > 0 && table.count() + 1 > max) {
            int dropped = table.earlyDrop(ConntrackTable.hash(tuple), nowNs);
            if (dropped == 0) {
                return TABLE_FULL;
            }
            stats.earlyDrop += dropped;
        }
        ConntrackEntry ct = new ConntrackEntry(++lastId, tuple, scratchReply);
        return ct.tuplehash[ConntrackEntry.ORIGINAL];
    }

    private int handlePacket(ConntrackEntry ct, ByteBuf buf, int ipOffset, int l4Off, int end, int ipLen,
                             int protocol, int ctinfo, Hook hook, long nowNs) {
        return switch (protocol) {
            case IpProtocol.TCP -> tcp.packet(ct, buf, ipOffset, l4Off, end - l4Off, ipLen, ctinfo, hook, nowNs);
            case IpProtocol.UDP -> udp.packet(ct, buf, l4Off, end - l4Off, ipLen, ctinfo, hook, nowNs);
            case IpProtocol.ICMP -> icmp.packet(ct, ipLen, ctinfo, nowNs);
            case IpProtocol.SCTP -> sctp.packet(ct, buf, l4Off, end, ipLen, ctinfo, hook, nowNs);
            default -> generic.packet(ct, ipLen, ctinfo, nowNs);
        };
    }

    /**
     * {@code nf_ct_get_tuple}: the tuple of a packet whose L4 header starts at {@code l4Off}.
     * Ports need 4 bytes, ICMP its 8-byte header.
     */
    static boolean tupleOf(ByteBuf buf, int l4Off, int end, int protocol, int src, int dst, Tuple out) {
        switch (protocol) {
            case IpProtocol.TCP, IpProtocol.UDP, IpProtocol.SCTP -> {
                if (end - l4Off < 4) {
                    return false;
                }
                out.set(protocol, src, dst, buf.getUnsignedShort(l4Off), buf.getUnsignedShort(l4Off + 2));
            }
            case IpProtocol.ICMP -> {
                if (end - l4Off < Icmp4.HEADER_LENGTH) {
                    return false;
                }
                out.set(protocol, src, dst, buf.getUnsignedShort(l4Off + Icmp4.ID_OFFSET),
                        buf.getUnsignedByte(l4Off) << 8 | buf.getUnsignedByte(l4Off + 1));
            }
            default -> out.set(protocol, src, dst, 0, 0);
        }
        return true;
    }

    /**
     * {@code nf_ct_get_tuplepr} on the datagram quoted by an ICMP error, whose IPv4 header starts
     * at {@code innerIp}; {@code view} is a scratch view.
     */
    boolean tupleOfQuoted(ByteBuf buf, int innerIp, int end, Ipv4 view, Tuple out) {
        if (!Ipv4.fixedFits(end - innerIp)) {
            return false;
        }
        Ipv4 in = view.wrap(buf, innerIp);
        if ((in.flagsFragment() & Ipv4.FRAGMENT_OFFSET_MASK) != 0) {
            return false;
        }
        int l4 = innerIp + in.headerLength();
        if (in.headerLength() < Ipv4.MIN_HEADER_LENGTH || l4 > end) {
            return false;
        }
        return tupleOf(buf, l4, end, in.protocol(), in.src(), in.dst(), out);
    }

    // ------------------------------------------------------------------ confirm

    /**
     * {@code nf_conntrack_confirm}, last at INPUT and POSTROUTING: inserts the packet's new entry
     * into the table and starts its timer. Packets of confirmed entries, reply-direction packets
     * and packets without an entry pass untouched.
     *
     * <p>If one of the entry's tuples is already in the table (a NAT mapping or a racing packet
     * took it), the clash is resolved as {@code nf_ct_resolve_clash} does: UDP and ICMP attach the
     * packet to the existing entry when it is the same flow or has no NAT; otherwise the packet is
     * dropped and counted in {@code insert_failed}.
     */
    public Verdict confirm(ByteBuf buf, int ipOffset, long nowNs, PacketConntrack skb) {
        ConntrackEntry ct = skb.entry;
        if (ct == null || ct.isConfirmed()) {
            return Verdict.PASS;
        }
        if (skb.direction() != ConntrackEntry.ORIGINAL) {
            return Verdict.PASS;
        }
        if (ct.isDying()) {
            stats.insertFailed++;
            return Verdict.DROP;
        }
        TupleHash clash = table.find(ct.original(), nowNs);
        if (clash == null) {
            clash = table.find(ct.reply(), nowNs);
        }
        if (clash != null) {
            return resolveClash(skb, ct, clash.ct);
        }
        ct.status |= ConntrackEntry.IPS_CONFIRMED;
        ct.timeout += nowNs; // timer relative to confirmation time
        table.insert(ct);
        if ((ct.status & ConntrackEntry.IPS_SRC_NAT_DONE) != 0) {
            table.bysourceAdd(ct);
        }
        return Verdict.PASS;
    }

    /** {@code nf_ct_resolve_clash} / {@code __nf_ct_resolve_clash}. */
    private Verdict resolveClash(PacketConntrack skb, ConntrackEntry loser, ConntrackEntry winner) {
        int p = loser.protocol();
        boolean allowClash = p == IpProtocol.UDP || p == IpProtocol.ICMP;
        if (allowClash && !winner.isDying()
                && ((winner.status & ConntrackEntry.IPS_NAT_DONE_MASK) == 0 || sameTuples(winner, loser))) {
            int dir = skb.direction();
            winner.count(dir, loser.packets(dir), loser.bytes(dir));
            skb.set(winner, skb.ctinfo);
            stats.clashResolve++;
            return Verdict.PASS;
        }
        stats.drop++;
        stats.insertFailed++;
        skb.clear();
        return Verdict.DROP;
    }

    /** {@code nf_ct_match}: both tuples equal. */
    private static boolean sameTuples(ConntrackEntry a, ConntrackEntry b) {
        return a.original().equalTo(b.original()) && a.reply().equalTo(b.reply());
    }

    // ------------------------------------------------------------------ timers and accounting

    /** {@code nf_ct_refresh_acct}. */
    void refreshAcct(ConntrackEntry ct, int ctinfo, int ipLen, long nowNs, long timeoutNs) {
        table.refresh(ct, nowNs, timeoutNs);
        acct(ct, ctinfo, ipLen);
    }

    void acct(ConntrackEntry ct, int ctinfo, int ipLen) {
        int dir = ctinfo >= PacketConntrack.IP_CT_IS_REPLY ? 1 : 0;
        ct.count(dir, 1, ipLen);
    }

    /** {@code nf_ct_kill}: removes a confirmed entry now; an unconfirmed one is marked dying. */
    void kill(ConntrackEntry ct) {
        if (ct.isConfirmed()) {
            table.remove(ct);
        } else {
            ct.status |= ConntrackEntry.IPS_DYING;
        }
    }

    /** The earliest entry deadline, {@link Long#MAX_VALUE} if none: when to call {@link #gc}. */
    public long nextDeadlineNs() {
        return table.nextDeadlineNs();
    }

    /** Removes the entries whose timeout has passed at {@code nowNs}; returns how many. */
    public int gc(long nowNs) {
        return table.gc(nowNs);
    }

    // ------------------------------------------------------------------ conntrack -D / -F

    /**
     * {@code conntrack -D} with a full tuple: deletes the entry having {@code tuple} as its
     * original or reply tuple.
     *
     * @return whether an entry was deleted
     */
    public boolean delete(Tuple tuple, long nowNs) {
        TupleHash h = table.find(tuple, nowNs);
        return h != null && table.remove(h.ct);
    }

    /**
     * {@code conntrack -D} with {@code --orig-src}, {@code --orig-dst}, {@code --reply-src} and
     * {@code --reply-dst} {@code address} in turn: deletes every entry either of whose tuples has
     * the address at either end (what Felix does for the IP of an endpoint that went away).
     *
     * @return how many entries were deleted
     */
    public int deleteAddress(int address, long nowNs) {
        int n = 0;
        for (ConntrackEntry e : table.entries(nowNs)) {
            Tuple o = e.original();
            Tuple r = e.reply();
            if ((o.src() == address || o.dst() == address || r.src() == address || r.dst() == address)
                    && table.remove(e)) {
                n++;
            }
        }
        return n;
    }

    /** {@code conntrack -F}: deletes every entry; returns how many. */
    public int flush() {
        return table.flush();
    }

    /** {@code conntrack -L}: see {@link ConntrackListing}. */
    public String list(long nowNs) {
        return ConntrackListing.list(this, nowNs, false);
    }
}
