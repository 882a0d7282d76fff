package dev.podlab.netfilter.conntrack;

import dev.podlab.packet.IpProtocol;

/**
 * One tracked connection ({@code struct nf_conn}): two tuples, ORIGINAL (the packet that created
 * the entry, as first seen) and REPLY (what the answer looks like: the inverted original after
 * NAT), both hashed into the same {@link ConntrackTable}; status bits; the protocol tracker's
 * state; a timeout; a mark; per-direction counters.
 *
 * <p>NAT keeps no extra copy of addresses: as in the kernel, the manipulation a packet needs is
 * derived from the tuple of the other direction ({@code nf_nat_manip_pkt} inverts
 * {@code tuplehash[!dir]}), so "NAT rewrites one half" of the entry: the REPLY tuple.
 *
 * <p>Times are virtual nanoseconds. While the entry is unconfirmed its timeout is relative; at
 * confirmation it becomes a deadline ({@code ct->timeout += nfct_time_stamp} in
 * {@code __nf_conntrack_confirm}).
 */
public final class ConntrackEntry {
    /** IP_CT_DIR_ORIGINAL */
    public static final int ORIGINAL = 0;
    /** IP_CT_DIR_REPLY */
    public static final int REPLY = 1;

    // enum ip_conntrack_status (include/uapi/linux/netfilter/nf_conntrack_common.h)
    /** It's an expected connection (a helper's expectation matched). */
    public static final int IPS_EXPECTED = 1;
    /** Packets have been seen both ways. */
    public static final int IPS_SEEN_REPLY = 1 << 1;
    /** The connection is assured: it is not early-dropped. */
    public static final int IPS_ASSURED = 1 << 2;
    /** The entry is in the table. */
    public static final int IPS_CONFIRMED = 1 << 3;
    /** The original direction's source is translated (SNAT, MASQUERADE). */
    public static final int IPS_SRC_NAT = 1 << 4;
    /** The original direction's destination is translated (DNAT). */
    public static final int IPS_DST_NAT = 1 << 5;
    public static final int IPS_NAT_MASK = IPS_DST_NAT | IPS_SRC_NAT;
    public static final int IPS_SEQ_ADJUST = 1 << 6;
    /** The source NAT binding (possibly a null binding) has been set up. */
    public static final int IPS_SRC_NAT_DONE = 1 << 7;
    /** The destination NAT binding (possibly a null binding) has been set up. */
    public static final int IPS_DST_NAT_DONE = 1 << 8;
    public static final int IPS_NAT_DONE_MASK = IPS_DST_NAT_DONE | IPS_SRC_NAT_DONE;
    /** The entry is being destroyed. */
    public static final int IPS_DYING = 1 << 9;
    public static final int IPS_FIXED_TIMEOUT = 1 << 10;
    /** A clash was resolved by keeping both entries (UDP); never ASSURED. */
    public static final int IPS_NAT_CLASH = 1 << 12;

    final TupleHash[] tuplehash = {new TupleHash(this, ORIGINAL), new TupleHash(this, REPLY)};
    int status;
    final long id;
    int mark;
    /** Relative timeout while unconfirmed, absolute deadline (virtual ns) once confirmed. */
    long timeout;

    /** TCP ({@link TcpTracker}) or SCTP ({@link SctpTracker}) state; 0 (NONE) for others. */
    int protoState;

    // TCP: struct ip_ct_tcp
    TcpSeen[] seen;
    int lastDir;
    int lastIndex;
    int lastSeq;
    int lastAck;
    int lastEnd;
    int lastWin;
    int lastWscale;
    int lastFlags;
    int retrans;

    /**
     * What the hooks keep about this connection for its later packets (the iptables walks'
     * outcomes, see dev.podlab.netfilter.FlowMemo): opaque here, gone with the entry, as a ct
     * extension is.
     */
    private Object hookMemo;

    // UDP: ct->proto.udp.stream_ts, an absolute virtual time
    long streamTs;

    // SCTP: struct ip_ct_sctp
    int[] vtag;
    boolean[] sctpInit;
    int sctpFlags;
    int sctpLastDir;

    // Per-direction counters as fields, not arrays: the lookup's entry is one object less.
    long origPackets;
    long origBytes;
    long replyPackets;
    long replyBytes;

    /** nf_conn_nat.masq_index: the out interface of a MASQUERADEd entry, 0 otherwise. */
    int masqIndex;

    // ConntrackTable bookkeeping: timer heap and the NAT by-source chain.
    int heapIndex = -1;
    long heapKey;
    ConntrackEntry bysourceNext;
    boolean inBysource;

    ConntrackEntry(long id, Tuple original, Tuple reply) {
        this.id = id;
        tuplehash[ORIGINAL].set(original);
        tuplehash[REPLY].set(reply);
        if (original.protocol == IpProtocol.TCP) {
            seen = new TcpSeen[] {new TcpSeen(), new TcpSeen()};
        } else if (original.protocol == IpProtocol.SCTP) {
            vtag = new int[2];
            sctpInit = new boolean[2];
        }
    }

    public Tuple original() {
        return tuplehash[ORIGINAL];
    }

    public Tuple reply() {
        return tuplehash[REPLY];
    }

    public Tuple tuple(int dir) {
        return tuplehash[dir];
    }

    public int protocol() {
        return tuplehash[ORIGINAL].protocol;
    }

    /** The raw {@code IPS_*} status bits. */
    public int status() {
        return status;
    }

    public boolean hasStatus(int bits) {
        return (status & bits) == bits;
    }

    public boolean isConfirmed() {
        return (status & IPS_CONFIRMED) != 0;
    }

    public boolean isAssured() {
        return (status & IPS_ASSURED) != 0;
    }

    public boolean seenReply() {
        return (status & IPS_SEEN_REPLY) != 0;
    }

    public boolean isDying() {
        return (status & IPS_DYING) != 0;
    }

    /** The entry id ({@code conntrack -L -o id}); assigned in creation order. */
    public long id() {
        return id;
    }

    /** The connection mark ({@code ct->mark}, {@code -j CONNMARK}). */
    /** What the hooks keep about this connection (see the field), null at first. */
    public Object hookMemo() {
        return hookMemo;
    }

    public void hookMemo(Object memo) {
        this.hookMemo = memo;
    }

    public int mark() {
        return mark;
    }

    public void mark(int mark) {
        this.mark = mark;
    }

    /** Deadline in virtual nanoseconds; meaningful once confirmed. */
    public long deadlineNs() {
        return timeout;
    }

    /**
     * Whole seconds left at {@code nowNs}, as {@code conntrack -L} prints them
     * ({@code nf_ct_expires(ct) / HZ}, rounded down, never negative). For an unconfirmed entry the
     * relative timeout.
     */
    public long secondsLeft(long nowNs) {
        long left = isConfirmed() ? timeout - nowNs : timeout;
        return Math.max(0, left) / 1_000_000_000L;
    }

    boolean isExpired(long nowNs) {
        return isConfirmed() && timeout <= nowNs;
    }

    /** TCP state ({@link TcpTracker#SYN_SENT} ...), SCTP state ({@link SctpTracker}), or 0. */
    public int protoState() {
        return protoState;
    }

    /** The state name {@code conntrack -L} prints for TCP and SCTP, null for other protocols. */
    public String stateName() {
        return switch (protocol()) {
            case IpProtocol.TCP -> TcpTracker.stateName(protoState);
            case IpProtocol.SCTP -> SctpTracker.stateName(protoState);
            default -> null;
        };
    }

    public long packets(int dir) {
        return dir == ORIGINAL ? origPackets : replyPackets;
    }

    public long bytes(int dir) {
        return dir == ORIGINAL ? origBytes : replyBytes;
    }

    /** Adds {@code packets} packets of {@code bytes} bytes in all to direction {@code dir}. */
    void count(int dir, long packets, long bytes) {
        if (dir == ORIGINAL) {
            origPackets += packets;
            origBytes += bytes;
        } else {
            replyPackets += packets;
            replyBytes += bytes;
        }
    }

    /** {@code nf_nat_initialized}: the binding of this type (possibly a null binding) is set up. */
    public boolean natInitialized(NatType type) {
        return (status & (type == NatType.SNAT ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE)) != 0;
    }

    @Override
    public String toString() {
        return "ConntrackEntry#" + id + "[" + original() + " / " + reply() + " status=0x"
                + Integer.toHexString(status) + "]";
    }
}
