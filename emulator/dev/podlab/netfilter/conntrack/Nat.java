package dev.podlab.netfilter.conntrack;

import dev.podlab.net.Hook;

import dev.podlab.packet.Checksums;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Sctp;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.Udp;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import java.util.zip.CRC32C;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * NAT bound to a {@link Conntrack}, mirroring net/netfilter/nf_nat_core.c (binding selection),
 * nf_nat_proto.c (packet rewriting) and nf_nat_masquerade.c.
 *
 * <p>A binding is chosen once, for the first packet of a connection, and stored in the entry as
 * its REPLY tuple; every later packet in either direction is rewritten from it. How a nat hook
 * uses this class ({@code nf_nat_ipv4_fn} / {@code nf_nat_inet_fn}):
 *
 * <pre>{@code
 * if (nat.needsBinding(skb, hook)) {            // first packet, binding of this type not set up
 *     request = walk the nat table chain;        // DNAT / SNAT / MASQUERADE record a request
 *     if (request is DNAT or SNAT) verdict = nat.setupNat(skb.entry(), type, range, now);
 *     if (request is MASQUERADE)   verdict = nat.masquerade(skb.entry(), range, oifPrimaryAddr, oif, now);
 *     // no rule matched: manip() records the null binding itself
 * }
 * verdict = nat.manip(skb, hook, buf, ipOffset, now);   // nf_nat_packet: rewrite, checksums
 * }</pre>
 *
 * DNAT-type rewriting happens at PREROUTING and OUTPUT, SNAT-type at POSTROUTING and INPUT
 * ({@link Hook#natType}); a reply is un-NATed by the same calls (its destination restored at
 * PREROUTING, its source at POSTROUTING/INPUT). ICMP errors RELATED to a NATed connection have
 * both their outer header and the quoted header rewritten ({@code nf_nat_icmp_reply_translation}).
 *
 * <p>Determinism: the address within a range is chosen by {@code find_best_ips_proto}'s own
 * jhash2 of the source address (seeded with the destination), computed exactly as a
 * little-endian kernel does, so podlab picks the address Linux picks. Port searches start at an
 * offset drawn from the seeded {@code random} stream (the kernel's {@code get_random_u16}).
 */
public final class Nat {
    /** Attempts of {@code nf_nat_l4proto_unique_tuple} before halving the window. */
    private static final int MAX_ATTEMPTS = 128;
    private static final int UDPLITE = 136;
    private static final int DCCP = 33;

    private final Conntrack conntrack;
    private final RandomGenerator random;
    private final Tuple curr = new Tuple();
    private final Tuple candidate = new Tuple();
    private final Tuple inverse = new Tuple();
    private final Tuple target = new Tuple();
    private final Ipv4 ip = new Ipv4();
    private final Tcp tcp = new Tcp();
    private final Udp udp = new Udp();
    private final Icmp4 icmp = new Icmp4();
    private final Sctp sctp = new Sctp();
    private final CRC32C crc = new CRC32C();

    Nat(Conntrack conntrack, RandomGenerator random) {
        this.conntrack = conntrack;
        this.random = random;
    }

    /**
     * Whether the nat table must be walked for this packet at this hook: the packet starts a
     * connection (ctstate NEW) whose binding of the hook's type is not set up yet. podlab has no
     * helpers, so the only RELATED packets are ICMP errors, which never walk the nat table.
     */
    public boolean needsBinding(PacketConntrack skb, Hook hook) {
        ConntrackEntry ct = skb.entry;
        return ct != null && skb.ctinfo == PacketConntrack.IP_CT_NEW && !ct.natInitialized(NatType.forHook(hook));
    }

    // ------------------------------------------------------------------ binding selection

    /**
     * {@code nf_nat_setup_info}: chooses a unique tuple for the original direction within
     * {@code range} and rewrites the entry's REPLY tuple to match; sets IPS_SRC_NAT or
     * IPS_DST_NAT when something changed and the *_NAT_DONE bit in any case.
     *
     * @return {@link Verdict#PASS}; {@link Verdict#DROP} if the binding was already set up
     */
    public Verdict setupNat(ConntrackEntry ct, NatType type, NatRange range, long nowNs) {
        if (ct.isConfirmed()) {
            return Verdict.PASS; // can't set up NAT for a confirmed entry
        }
        if (ct.natInitialized(type)) {
            return Verdict.DROP;
        }
        // What we've got will look like the inverse of the reply (prior manips included).
        ct.reply().invertInto(curr);
        getUniqueTuple(candidate, curr, range, ct, type, nowNs);
        if (!candidate.equalTo(curr)) {
            // Alter the entry so that replies are recognised (nf_conntrack_alter_reply).
            candidate.invertInto(inverse);
            ct.reply().set(inverse);
            ct.status |= type == NatType.SNAT ? ConntrackEntry.IPS_SRC_NAT : ConntrackEntry.IPS_DST_NAT;
        }
        ct.status |= type == NatType.SNAT ? ConntrackEntry.IPS_SRC_NAT_DONE : ConntrackEntry.IPS_DST_NAT_DONE;
        return Verdict.PASS;
    }

    /**
     * {@code nf_nat_masquerade_ipv4}: SNAT to {@code newSrc}, the primary address of the out
     * interface for the next hop (the caller's {@code inet_select_addr}), with the ports and flags
     * of {@code range}. The entry remembers {@code oifIndex} for {@link #flushMasquerade}.
     *
     * @return {@link Verdict#DROP} when the interface has no address ("ate my IP address")
     */
    public Verdict masquerade(ConntrackEntry ct, NatRange range, int newSrc, int oifIndex, long nowNs) {
        if (ct.original().src == 0) {
            return Verdict.PASS; // 0.0.0.0: a local packet not meant to be masqueraded
        }
        if (newSrc == 0) {
            return Verdict.DROP;
        }
        ct.masqIndex = oifIndex;
        NatRange r = new NatRange(range.flags | NatRange.MAP_IPS, newSrc, newSrc, range.minProto, range.maxProto,
                range.baseProto);
        return setupNat(ct, NatType.SNAT, r, nowNs);
    }

    /**
     * {@code nf_nat_alloc_null_binding}: no nat rule matched; bind the address to itself (the
     * reply's destination for SNAT, its source for DNAT), letting the port change only if the
     * tuple clashes with an existing one.
     */
    public Verdict allocNullBinding(ConntrackEntry ct, Hook hook, long nowNs) {
        NatType type = NatType.forHook(hook);
        int addr = type == NatType.SNAT ? ct.reply().dst : ct.reply().src;
        return setupNat(ct, type, NatRange.address(addr), nowNs);
    }

    /**
     * Deletes the entries MASQUERADEd out of interface {@code oifIndex}, as the kernel does when
     * the interface goes down ({@code masq_device_event}).
     */
    public int flushMasquerade(int oifIndex) {
        int n = 0;
        for (ConntrackEntry ct : conntrack.table.entries(Long.MIN_VALUE)) {
            if (ct.masqIndex == oifIndex && conntrack.table.remove(ct)) {
                n++;
            }
        }
        return n;
    }

    /** {@code get_unique_tuple}. */
    private void getUniqueTuple(Tuple tuple, Tuple orig, NatRange range, ConntrackEntry ct, NatType type,
                                long nowNs) {
        // 1) For SNAT, keep the original tuple if it is in range and free, or reuse the mapping of
        //    an existing connection from the same source (find_appropriate_src).
        if (type == NatType.SNAT && (range.flags & NatRange.PROTO_RANDOM_ALL) == 0) {
            if (inRange(orig, range)) {
                if (!usedTuple(orig, ct, nowNs)) {
                    tuple.set(orig);
                    return;
                }
            } else if (findAppropriateSrc(orig, tuple, range)) {
                if (!usedTuple(tuple, ct, nowNs)) {
                    return;
                }
            }
        }
        // 2) The address: a hash of the tuple picks one in the range.
        tuple.set(orig);
        findBestIpsProto(tuple, range, type);
        // 3) The port: keep it if in range and unique.
        if ((range.flags & NatRange.PROTO_RANDOM_ALL) == 0) {
            if ((range.flags & NatRange.PROTO_SPECIFIED) != 0) {
                if ((range.flags & NatRange.PROTO_OFFSET) == 0
                        && l4protoInRange(tuple, type, range.minProto, range.maxProto)
                        && (range.minProto == range.maxProto || !usedTuple(tuple, ct, nowNs))) {
                    return;
                }
            } else if (!usedTuple(tuple, ct, nowNs)) {
                return;
            }
        }
        // Last chance: search the protocol's range for a unique tuple.
        l4protoUniqueTuple(tuple, range, type, ct, nowNs);
    }

    /**
     * {@code nf_nat_used_tuple}: conntrack indexes incoming tuples only, so the candidate is
     * inverted and looked up as the reply it would produce.
     */
    private boolean usedTuple(Tuple tuple, ConntrackEntry ignored, long nowNs) {
        if (!tuple.invertInto(inverse)) {
            return false;
        }
        boolean taken = conntrack.table.taken(inverse, ignored, nowNs);
        if (taken) {
            conntrack.stats.found++;
        }
        return taken;
    }

    /** {@code in_range}: would a source mapping to {@code t} satisfy {@code range}. */
    private static boolean inRange(Tuple t, NatRange range) {
        if ((range.flags & NatRange.MAP_IPS) != 0
                && (Integer.compareUnsigned(t.src, range.minAddr) < 0 || Integer.compareUnsigned(t.src, range.maxAddr) > 0)) {
            return false;
        }
        if ((range.flags & NatRange.PROTO_SPECIFIED) == 0) {
            return true;
        }
        return l4protoInRange(t, NatType.SNAT, range.minProto, range.maxProto);
    }

    /** {@code l4proto_in_range}: is the manipulable port (or ICMP id) within [min, max]. */
    private static boolean l4protoInRange(Tuple t, NatType type, int min, int max) {
        int port;
        switch (t.protocol) {
            case IpProtocol.ICMP -> port = t.srcPort;
            case IpProtocol.TCP, IpProtocol.UDP, IpProtocol.SCTP, IpProtocol.GRE, UDPLITE, DCCP ->
                    port = type == NatType.SNAT ? t.srcPort : t.dstPort;
            default -> {
                return true;
            }
        }
        return port >= min && port <= max;
    }

    /**
     * {@code find_appropriate_src}: an existing connection with the same original source address,
     * port and protocol whose mapping fits the range gives the same mapping (so one client
     * socket keeps one public address and port).
     */
    private boolean findAppropriateSrc(Tuple orig, Tuple result, NatRange range) {
        for (ConntrackEntry ct = conntrack.table.bysourceChain(orig.src, orig.srcPort, orig.protocol);
             ct != null; ct = ct.bysourceNext) {
            Tuple t = ct.original();
            if (t.protocol == orig.protocol && t.src == orig.src && t.srcPort == orig.srcPort) {
                Tuple r = ct.reply();
                // The source part from the inverted reply, the destination from the tuple.
                result.set(orig.protocol, r.dst, orig.dst, r.dstPort, orig.dstPort);
                if (orig.protocol == IpProtocol.ICMP) {
                    result.srcPort = r.srcPort;
                }
                if (inRange(result, range)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * {@code find_best_ips_proto}: one address of [min, max], chosen by
     * {@code jhash2(src, initval = dst)} (initval 0 with {@code --persistent}) scaled onto the
     * range, so a client keeps its address for a destination across connections.
     */
    private static void findBestIpsProto(Tuple tuple, NatRange range, NatType type) {
        if ((range.flags & NatRange.MAP_IPS) == 0) {
            return;
        }
        int chosen;
        if (range.minAddr == range.maxAddr) {
            chosen = range.minAddr;
        } else {
            // The kernel hashes the addresses as stored in memory (network byte order) read as
            // host u32 words: on a little-endian machine, byte-swapped.
            int initval = (range.flags & NatRange.PERSISTENT) != 0 ? 0 : Integer.reverseBytes(tuple.dst);
            int j = jhash1(Integer.reverseBytes(tuple.src), initval);
            int dist = range.maxAddr - range.minAddr + 1;
            chosen = range.minAddr + ConntrackTable.reciprocalScale(j, dist);
        }
        if (type == NatType.SNAT) {
            tuple.src = chosen;
        } else {
            tuple.dst = chosen;
        }
    }

    /** {@code jhash2(k, 1, initval)} (include/linux/jhash.h): Bob Jenkins' lookup3 on one word. */
    static int jhash1(int k0, int initval) {
        int a = 0xdeadbeef + (1 << 2) + initval;
        int b = a;
        int c = a;
        a += k0;
        // __jhash_final
        c ^= b;
        c -= Integer.rotateLeft(b, 14);
        a ^= c;
        a -= Integer.rotateLeft(c, 11);
        b ^= a;
        b -= Integer.rotateLeft(a, 25);
        c ^= b;
        c -= Integer.rotateLeft(b, 16);
        a ^= c;
        a -= Integer.rotateLeft(c, 4);
        b ^= a;
        b -= Integer.rotateLeft(a, 14);
        c ^= b;
        c -= Integer.rotateLeft(b, 24);
        return c;
    }

    /**
     * {@code nf_nat_l4proto_unique_tuple}: search the port (or ICMP id) range for a tuple nobody
     * uses, starting at a random offset; 128 attempts, then ever smaller windows from new random
     * offsets. Without a given range a source port stays in its class (1-511, 600-1023,
     * 1024-65535) and a destination port is never changed.
     */
    private void l4protoUniqueTuple(Tuple tuple, NatRange range, NatType type, ConntrackEntry ct, long nowNs) {
        boolean icmpId = false;
        boolean srcKey = type == NatType.SNAT;
        int min;
        int rangeSize;
        switch (tuple.protocol) {
            case IpProtocol.ICMP -> {
                icmpId = true;
                srcKey = true;
                if ((range.flags & NatRange.PROTO_SPECIFIED) == 0) {
                    min = 0;
                    rangeSize = 65536;
                } else {
                    min = range.minProto;
                    rangeSize = range.maxProto - range.minProto + 1;
                }
            }
            case IpProtocol.TCP, IpProtocol.UDP, IpProtocol.SCTP, UDPLITE, DCCP -> {
                int key = srcKey ? tuple.srcPort : tuple.dstPort;
                if ((range.flags & NatRange.PROTO_SPECIFIED) == 0) {
                    if (type == NatType.DNAT) {
                        return; // a destination rewrite cannot change the port
                    }
                    if (key < 1024) {
                        // Loose convention: below 512 is credential passing.
                        if (key < 512) {
                            min = 1;
                            rangeSize = 511;
                        } else {
                            min = 600;
                            rangeSize = 1023 - 600 + 1;
                        }
                    } else {
                        min = 1024;
                        rangeSize = 65535 - 1024 + 1;
                    }
                } else {
                    int lo = range.minProto;
                    int hi = range.maxProto;
                    if (hi < lo) {
                        int x = hi;
                        hi = lo;
                        lo = x;
                    }
                    min = lo;
                    rangeSize = hi - lo + 1;
                }
            }
            default -> {
                return;
            }
        }
        int key = srcKey ? tuple.srcPort : tuple.dstPort;
        int off;
        if ((range.flags & NatRange.PROTO_OFFSET) != 0) {
            off = (key - range.baseProto) & 0xffff;
        } else {
            off = random.nextInt(65536);
        }
        int attempts = Math.min(rangeSize, MAX_ATTEMPTS);
        while (true) {
            for (int i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
                int port = (min + off % rangeSize) & 0xffff;
                if (srcKey) {
                    tuple.srcPort = port;
                } else {
                    tuple.dstPort = port;
                }
                if (!usedTuple(tuple, ct, nowNs)) {
                    return;
                }
            }
            if (attempts >= rangeSize || attempts < 16) {
                return;
            }
            attempts /= 2;
            off = random.nextInt(65536);
        }
    }

    // ------------------------------------------------------------------ packet rewriting

    /**
     * {@code nf_nat_ipv4_fn} after the table walk: rewrites the packet at {@code ipOffset} per the
     * entry's bindings for this hook, with incremental checksum updates (RFC 1624). A NEW packet
     * whose binding for this hook's type was not set up gets the null binding first. RELATED ICMP
     * errors get {@code nf_nat_icmp_reply_translation}. Packets without an entry pass untouched.
     * Allocates nothing for packets of existing entries.
     *
     * @return {@link Verdict#DROP} when the packet cannot be rewritten (truncated headers, a
     *     corrupt ICMP error)
     */
    public Verdict manip(PacketConntrack skb, Hook hook, ByteBuf buf, int ipOffset, long nowNs) {
        ConntrackEntry ct = skb.entry;
        if (ct == null) {
            return Verdict.PASS;
        }
        int ctinfo = skb.ctinfo;
        if ((ctinfo == PacketConntrack.IP_CT_RELATED || ctinfo == PacketConntrack.IP_CT_RELATED_REPLY)
                && ip.wrap(buf, ipOffset).protocol() == IpProtocol.ICMP) {
            return icmpReplyTranslation(ct, ctinfo, hook, buf, ipOffset, end(buf, ipOffset)) ? Verdict.PASS : Verdict.DROP;
        }
        if (ctinfo == PacketConntrack.IP_CT_NEW && !ct.natInitialized(NatType.forHook(hook))) {
            Verdict v = allocNullBinding(ct, hook, nowNs);
            if (v != Verdict.PASS) {
                return v;
            }
        }
        return natPacket(ct, ctinfo, hook, buf, ipOffset) ? Verdict.PASS : Verdict.DROP;
    }

    /** Where the packet's IP datagram ends in {@code buf}: its total length, or the captured bytes if fewer. */
    private int end(ByteBuf buf, int ipOffset) {
        return ipOffset + Math.min(ip.wrap(buf, ipOffset).totalLength(), buf.writerIndex() - ipOffset);
    }

    /**
     * {@code nf_nat_packet}: rewrite if this hook's manip applies to the packet's direction. The
     * packet is not read at all when it does not (the common case: no NAT on this connection).
     */
    private boolean natPacket(ConntrackEntry ct, int ctinfo, Hook hook, ByteBuf buf, int ipOffset) {
        NatType mtype = NatType.forHook(hook);
        int dir = ctinfo >= PacketConntrack.IP_CT_IS_REPLY ? ConntrackEntry.REPLY : ConntrackEntry.ORIGINAL;
        int statusbit = mtype == NatType.SNAT ? ConntrackEntry.IPS_SRC_NAT : ConntrackEntry.IPS_DST_NAT;
        if (dir == ConntrackEntry.REPLY) {
            statusbit ^= ConntrackEntry.IPS_NAT_MASK; // invert for the reply direction
        }
        if ((ct.status & statusbit) == 0) {
            return true;
        }
        // nf_nat_manip_pkt: the packet must look like the inverse of the other direction's tuple.
        ct.tuple(1 - dir).invertInto(target);
        return manipPkt(buf, ipOffset, end(buf, ipOffset), target, mtype);
    }

    /**
     * {@code nf_nat_ipv4_manip_pkt}: rewrite the L4 part first (its checksum covers the
     * pseudo-header with the old address), then the address in the IP header.
     */
    private boolean manipPkt(ByteBuf buf, int iphOff, int end, Tuple target, NatType mtype) {
        Ipv4 iph = ip.wrap(buf, iphOff);
        int hdroff = iphOff + iph.headerLength();
        if ((iph.flagsFragment() & Ipv4.FRAGMENT_OFFSET_MASK) == 0
                && !l4ManipPkt(buf, iph, hdroff, end, target, mtype)) {
            return false;
        }
        iph = ip.wrap(buf, iphOff);
        if (mtype == NatType.SNAT) {
            iph.rewriteSrc(target.src);
        } else {
            iph.rewriteDst(target.dst);
        }
        return true;
    }

    /** {@code l4proto_manip_pkt}: dispatched on the target tuple's protocol. */
    private boolean l4ManipPkt(ByteBuf buf, Ipv4 iph, int hdroff, int end, Tuple target, NatType mtype) {
        int oldIp = mtype == NatType.SNAT ? iph.src() : iph.dst();
        int newIp = mtype == NatType.SNAT ? target.src : target.dst;
        switch (target.protocol) {
            case IpProtocol.TCP -> {
                // An ICMP-quoted header may hold only the first 8 bytes: then the checksum cannot
                // be updated.
                int hdrsize = end - hdroff >= Tcp.MIN_HEADER_LENGTH ? Tcp.MIN_HEADER_LENGTH : 8;
                if (end - hdroff < hdrsize) {
                    return false;
                }
                Tcp th = tcp.wrap(buf, hdroff);
                int oldPort;
                int newPort;
                if (mtype == NatType.SNAT) {
                    oldPort = th.srcPort();
                    newPort = target.srcPort;
                    th.srcPort(newPort);
                } else {
                    oldPort = th.dstPort();
                    newPort = target.dstPort;
                    th.dstPort(newPort);
                }
                if (hdrsize < Tcp.MIN_HEADER_LENGTH) {
                    return true;
                }
                int check = Checksums.update32(th.checksum(), oldIp, newIp);
                th.checksum(Checksums.update16(check, oldPort, newPort));
                return true;
            }
            case IpProtocol.UDP -> {
                if (end - hdroff < Udp.HEADER_LENGTH) {
                    return false;
                }
                Udp uh = udp.wrap(buf, hdroff);
                int oldPort;
                int newPort;
                if (mtype == NatType.SNAT) {
                    oldPort = uh.srcPort();
                    newPort = target.srcPort;
                } else {
                    oldPort = uh.dstPort();
                    newPort = target.dstPort;
                }
                if (uh.checksum() != 0) {
                    int check = Checksums.update32(uh.checksum(), oldIp, newIp);
                    check = Checksums.update16(check, oldPort, newPort);
                    uh.checksum(check == 0 ? 0xffff : check); // CSUM_MANGLED_0
                }
                if (mtype == NatType.SNAT) {
                    uh.srcPort(newPort);
                } else {
                    uh.dstPort(newPort);
                }
                return true;
            }
            case IpProtocol.ICMP -> {
                if (end - hdroff < Icmp4.HEADER_LENGTH) {
                    return false;
                }
                Icmp4 h = icmp.wrap(buf, hdroff);
                if (!IcmpTracker.isQuery(h.type()) && Tuple.invertedIcmpType(h.type()) < 0) {
                    return true; // errors and others carry no id
                }
                int oldId = h.id();
                h.checksum(Checksums.update16(h.checksum(), oldId, target.srcPort));
                h.id(target.srcPort);
                return true;
            }
            case IpProtocol.SCTP -> {
                int hdrsize = end - hdroff >= Sctp.HEADER_LENGTH ? Sctp.HEADER_LENGTH : 8;
                if (end - hdroff < hdrsize) {
                    return false;
                }
                Sctp sh = sctp.wrap(buf, hdroff);
                if (mtype == NatType.SNAT) {
                    sh.srcPort(target.srcPort);
                } else {
                    sh.dstPort(target.dstPort);
                }
                if (hdrsize < Sctp.HEADER_LENGTH) {
                    return true;
                }
                sh.updateChecksum(end - hdroff, crc); // CRC32c cannot be updated incrementally
                return true;
            }
            default -> {
                return true;
            }
        }
    }

    /**
     * {@code nf_nat_icmp_reply_translation}: an ICMP error RELATED to a NATed connection. The
     * quoted packet belongs to the other direction, so it gets the opposite manip from the tuple
     * of that direction; the ICMP checksum is recomputed in full; then the outer header is
     * rewritten like a packet of this direction.
     */
    private boolean icmpReplyTranslation(ConntrackEntry ct, int ctinfo, Hook hook, ByteBuf buf, int ipOffset,
                                         int end) {
        Ipv4 iph = ip.wrap(buf, ipOffset);
        int icmpOff = ipOffset + iph.headerLength();
        if (end - icmpOff < Icmp4.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH) {
            return false;
        }
        Icmp4 h = icmp.wrap(buf, icmpOff);
        if (!h.verifyChecksum(end - icmpOff)) {
            return false; // nf_ip_checksum
        }
        if (h.type() == Icmp4.REDIRECT) {
            // Redirects are only translated for connections without NAT.
            if ((ct.status & ConntrackEntry.IPS_NAT_DONE_MASK) != ConntrackEntry.IPS_NAT_DONE_MASK) {
                return false;
            }
            if ((ct.status & ConntrackEntry.IPS_NAT_MASK) != 0) {
                return false;
            }
        }
        NatType manip = NatType.forHook(hook);
        int dir = ctinfo >= PacketConntrack.IP_CT_IS_REPLY ? ConntrackEntry.REPLY : ConntrackEntry.ORIGINAL;
        int statusbit = manip == NatType.SNAT ? ConntrackEntry.IPS_SRC_NAT : ConntrackEntry.IPS_DST_NAT;
        if (dir == ConntrackEntry.REPLY) {
            statusbit ^= ConntrackEntry.IPS_NAT_MASK;
        }
        if ((ct.status & statusbit) == 0) {
            return true;
        }
        NatType opposite = manip == NatType.SNAT ? NatType.DNAT : NatType.SNAT;
        if (!manipPkt(buf, icmpOff + Icmp4.HEADER_LENGTH, end, ct.tuple(1 - dir), opposite)) {
            return false;
        }
        h = icmp.wrap(buf, icmpOff);
        h.checksum(0);
        h.checksum(Checksums.internetChecksum(buf, icmpOff, end - icmpOff));
        // Change the outer header to look like the reply to an incoming packet.
        ct.tuple(1 - dir).invertInto(target);
        target.protocol = IpProtocol.ICMP;
        return manipPkt(buf, ipOffset, end, target, manip);
    }
}
