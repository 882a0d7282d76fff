package dev.podlab.netfilter.conntrack;

import dev.podlab.net.Hook;

import static dev.podlab.netfilter.conntrack.Conntrack.NF_ACCEPT;
import static dev.podlab.netfilter.conntrack.Conntrack.NF_INVALID;

import dev.podlab.packet.Icmp4;
import dev.podlab.packet.Ipv4;
import io.netty.buffer.ByteBuf;

/**
 * The ICMP tracker, mirroring net/netfilter/nf_conntrack_proto_icmp.c: queries (echo, timestamp,
 * info, address mask) create entries keyed by id, type and code, refreshed to 30 s by every
 * packet; errors are not tracked themselves but attached to the connection they quote
 * ({@code nf_conntrack_icmpv4_error}, {@code nf_conntrack_inet_error}) as RELATED.
 */
final class IcmpTracker {
    static final int TIMESTAMP = 13;
    static final int TIMESTAMP_REPLY = 14;
    static final int INFO_REQUEST = 15;
    static final int INFO_REPLY = 16;
    static final int ADDRESS = 17;
    static final int ADDRESS_REPLY = 18;
    /** NR_ICMP_TYPES: the highest type the kernel knows. */
    static final int NR_ICMP_TYPES = 18;

    private final Conntrack conntrack;
    private final long timeout;
    private final Icmp4 icmp = new Icmp4();
    private final Ipv4 inner = new Ipv4();
    private final Tuple origTuple = new Tuple();
    private final Tuple innerTuple = new Tuple();

    IcmpTracker(Conntrack conntrack, ConntrackSysctls s) {
        this.conntrack = conntrack;
        this.timeout = s.icmpTimeout * 1_000_000_000L;
    }

    /** {@code valid_new} of nf_conntrack_icmp_packet: the types that may start a "connection". */
    static boolean isQuery(int type) {
        return type == Icmp4.ECHO || type == TIMESTAMP || type == INFO_REQUEST || type == ADDRESS;
    }

    /** {@code nf_conntrack_icmp_packet}. */
    int packet(ConntrackEntry ct, int ipLen, int ctinfo, long nowNs) {
        if (!isQuery(ct.original().icmpType())) {
            return NF_INVALID; // "can't create new conn with this type"
        }
        conntrack.refreshAcct(ct, ctinfo, ipLen, nowNs, timeout);
        return NF_ACCEPT;
    }

    /**
     * {@code nf_conntrack_icmpv4_error}: runs before the normal lookup for every ICMP packet.
     * Returns {@link Conntrack#NF_INVALID} for a malformed packet or an error that matches no
     * entry; {@link Conntrack#NF_ACCEPT} otherwise, with {@code skb} attached to the quoted
     * connection (RELATED or RELATED_REPLY) when the packet is an error about one.
     *
     * @param end absolute offset just past the IP datagram
     */
    int error(PacketConntrack skb, ByteBuf buf, int ipOffset, int l4Off, int end, Hook hook, long nowNs) {
        int l4Len = end - l4Off;
        if (!Icmp4.fits(l4Len)) {
            return NF_INVALID; // "short packet"
        }
        Icmp4 h = icmp.wrap(buf, l4Off);
        if (conntrack.checksum && hook == Hook.PREROUTING && !h.verifyChecksum(l4Len)) {
            return NF_INVALID; // "bad hw icmp checksum"
        }
        int type = h.type();
        if (type > NR_ICMP_TYPES) {
            return NF_INVALID; // "invalid icmp type"
        }
        if (!Icmp4.isError(type)) {
            return NF_ACCEPT; // a query: tracked normally
        }
        int outerDaddr = conntrack.ip.dst();
        return inetError(skb, buf, l4Off + Icmp4.HEADER_LENGTH, end, outerDaddr, nowNs);
    }

    /**
     * {@code nf_conntrack_inet_error}: parse the quoted header, invert its tuple (the quoted
     * packet went the other way), look it up, check that the outer destination is the
     * destination of the matched tuple, attach as RELATED.
     */
    private int inetError(PacketConntrack skb, ByteBuf buf, int innerIp, int end, int outerDaddr, long nowNs) {
        if (!conntrack.tupleOfQuoted(buf, innerIp, end, inner, origTuple)) {
            return NF_INVALID;
        }
        if (!origTuple.invertInto(innerTuple)) {
            return NF_INVALID;
        }
        TupleHash h = conntrack.table.find(innerTuple, nowNs);
        if (h == null) {
            return NF_INVALID;
        }
        // Consider A -> T (this machine) -> B: the error comes back towards A (or T when SNATed),
        // and must be addressed to the destination of the matched tuple; otherwise a forged error
        // from B to some X would be RELATED to A's connection ("outer daddr != inner").
        if (h.ct.tuple(h.dir).dst != outerDaddr) {
            return NF_INVALID;
        }
        int ctinfo = PacketConntrack.IP_CT_RELATED + (h.dir == ConntrackEntry.REPLY ? PacketConntrack.IP_CT_IS_REPLY : 0);
        skb.set(h.ct, ctinfo);
        return NF_ACCEPT;
    }
}
