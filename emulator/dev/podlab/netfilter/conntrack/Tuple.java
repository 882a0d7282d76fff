package dev.podlab.netfilter.conntrack;

import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Address;

/**
 * A connection tracking tuple ({@code struct nf_conntrack_tuple}, include/net/netfilter/
 * nf_conntrack_tuple.h) for IPv4 in zone 0: source and destination address, L4 protocol and the
 * protocol's "ports":
 *
 * <pre>
 *   TCP, UDP, SCTP   src.u.all = source port         dst.u.all = destination port
 *   ICMP             src.u.icmp.id = echo id         dst.u.icmp.type, dst.u.icmp.code
 *   other            both zero (the generic tracker)
 * </pre>
 *
 * <p>Fields are primitives. The tuple packs into two {@code long} keys ({@link #key1()},
 * {@link #key2()}) that the table hashes and compares, so a lookup neither allocates nor boxes. For
 * ICMP, {@link #dstPort()} holds {@code type << 8 | code}.
 *
 * <p>A table's hash node is itself the tuple it hashes ({@link TupleHash}), as the kernel's
 * {@code nf_conntrack_tuple_hash} embeds its tuple: a lookup reads the node's fields without a
 * further load.
 *
 * <p>Mutable so that a reusable scratch tuple can be filled from each packet; the tuples inside a
 * {@link ConntrackEntry} are only changed by the tracker (NAT alters the reply tuple while the
 * entry is unconfirmed, as {@code nf_conntrack_alter_reply} does).
 */
public sealed class Tuple permits TupleHash {
    int src;
    int dst;
    int protocol;
    int srcPort;
    int dstPort;

    public Tuple() {}

    /** A TCP/UDP/SCTP (or generic, ports 0) tuple. */
    public static Tuple of(int protocol, int src, int dst, int srcPort, int dstPort) {
        return new Tuple().set(protocol, src, dst, srcPort, dstPort);
    }

    /** An ICMP tuple: id in the source part, type and code in the destination part. */
    public static Tuple icmp(int src, int dst, int type, int code, int id) {
        return new Tuple().set(IpProtocol.ICMP, src, dst, id, (type & 0xff) << 8 | (code & 0xff));
    }

    public Tuple set(int protocol, int src, int dst, int srcPort, int dstPort) {
        this.protocol = protocol & 0xff;
        this.src = src;
        this.dst = dst;
        this.srcPort = srcPort & 0xffff;
        this.dstPort = dstPort & 0xffff;
        return this;
    }

    public Tuple set(Tuple t) {
        return set(t.protocol, t.src, t.dst, t.srcPort, t.dstPort);
    }

    public int src() {
        return src;
    }

    public int dst() {
        return dst;
    }

    public int protocol() {
        return protocol;
    }

    /** Source port (TCP/UDP/SCTP) or ICMP id. */
    public int srcPort() {
        return srcPort;
    }

    /** Destination port (TCP/UDP/SCTP) or, for ICMP, {@code type << 8 | code}. */
    public int dstPort() {
        return dstPort;
    }

    public int icmpId() {
        return srcPort;
    }

    public int icmpType() {
        return dstPort >>> 8;
    }

    public int icmpCode() {
        return dstPort & 0xff;
    }

    /** Source address (32 bits) and destination address (32 bits). */
    public long key1() {
        return key1(src, dst);
    }

    /** Protocol (8 bits), source port (16 bits), destination port (16 bits). */
    public long key2() {
        return key2(protocol, srcPort, dstPort);
    }

    static long key1(int src, int dst) {
        return (long) src << 32 | (dst & 0xffffffffL);
    }

    static long key2(int protocol, int srcPort, int dstPort) {
        return (long) protocol << 32 | (long) srcPort << 16 | dstPort;
    }

    /** {@code nf_ct_tuple_equal}. */
    public boolean equalTo(Tuple o) {
        return src == o.src && dst == o.dst && protocol == o.protocol && srcPort == o.srcPort && dstPort == o.dstPort;
    }

    @Override
    public final boolean equals(Object o) {
        return o instanceof Tuple t && equalTo(t);
    }

    @Override
    public final int hashCode() {
        return Long.hashCode(key1() * 31 + key2());
    }

    /**
     * Writes the inverse of this tuple into {@code out} ({@code nf_ct_invert_tuple}): addresses and
     * ports swapped; for ICMP the id is kept and the type mapped to its answer by
     * {@code icmp_invert_tuple}'s table (echo 8 &lt;-&gt; echo reply 0, timestamp 13 &lt;-&gt; 14,
     * info 15 &lt;-&gt; 16, address mask 17 &lt;-&gt; 18).
     *
     * @return false when the tuple has no inverse (an ICMP type without a request/reply pair)
     */
    public boolean invertInto(Tuple out) {
        if (protocol == IpProtocol.ICMP) {
            int inverse = invertedIcmpType(icmpType());
            if (inverse < 0) {
                return false;
            }
            return out.set(protocol, dst, src, srcPort, inverse << 8 | icmpCode()) != null;
        }
        out.set(protocol, dst, src, dstPort, srcPort);
        return true;
    }

    /** {@code icmp_invert_tuple}'s {@code invmap}; -1 when the type has no inverse. */
    static int invertedIcmpType(int type) {
        return switch (type) {
            case Icmp4.ECHO -> Icmp4.ECHO_REPLY;
            case Icmp4.ECHO_REPLY -> Icmp4.ECHO;
            case IcmpTracker.TIMESTAMP -> IcmpTracker.TIMESTAMP_REPLY;
            case IcmpTracker.TIMESTAMP_REPLY -> IcmpTracker.TIMESTAMP;
            case IcmpTracker.INFO_REQUEST -> IcmpTracker.INFO_REPLY;
            case IcmpTracker.INFO_REPLY -> IcmpTracker.INFO_REQUEST;
            case IcmpTracker.ADDRESS -> IcmpTracker.ADDRESS_REPLY;
            case IcmpTracker.ADDRESS_REPLY -> IcmpTracker.ADDRESS;
            default -> -1;
        };
    }

    /** Appends the tuple as {@code conntrack -L} prints it, with a trailing space. */
    StringBuilder appendTo(StringBuilder sb) {
        sb.append("src=");
        Ipv4Address.appendTo(sb, src).append(" dst=");
        Ipv4Address.appendTo(sb, dst).append(' ');
        switch (protocol) {
            case IpProtocol.TCP, IpProtocol.UDP, IpProtocol.SCTP ->
                    sb.append("sport=").append(srcPort).append(" dport=").append(dstPort).append(' ');
            case IpProtocol.ICMP -> sb.append("type=").append(icmpType()).append(" code=").append(icmpCode())
                    .append(" id=").append(icmpId()).append(' ');
            default -> { }
        }
        return sb;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(ConntrackListing.protocolName(protocol)).append(' ');
        appendTo(sb);
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }
}
