package dev.podlab.net;

import dev.podlab.packet.Arp;
import dev.podlab.packet.Checksums;
import dev.podlab.packet.EtherType;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Frames;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpIdent;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.MacAddress;
import dev.podlab.packet.Packet;
import dev.podlab.packet.Sctp;
import dev.podlab.packet.SctpChunk;
import dev.podlab.packet.SctpInit;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.Udp;
import dev.podlab.trace.DropReason;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import java.util.zip.CRC32C;

/**
 * The IPv4 stack of one namespace, one method per kernel stage and in the kernel's order:
 *
 * <pre>
 *  receive ─ ARP ─ arpRcv (arp_process: answer, proxy ARP, neighbour update)
 *     └─ IPv4 ─ ipRcv (ip_rcv_core checks) ─ NF PREROUTING ─ ipRcvFinish (rp_filter, route input)
 *                 ├─ local ─ ipLocalDeliver (defrag) ─ NF INPUT ─ ICMP / UDP / TCP / SCTP demux
 *                 ├─ forward ─ ipForward (TTL, MTU/DF) ─ NF FORWARD ─ ipOutput
 *                 └─ error ─ ipError (net/host unreachable, prohibited; blackhole: silent)
 *  send (ip_local_out) ─ route output ─ NF OUTPUT ─ (re-route after DNAT) ─ ipOutput
 *  ipOutput ─ NF POSTROUTING ─ ipFinishOutput (fragment) ─ neighOutput (ARP resolve) ─ dev xmit
 * </pre>
 *
 * Every decision leaves a trace event naming the step and, for drops, the kernel's drop reason.
 * Netfilter is reached through {@link NetfilterHooks}; without rules every hook accepts.
 *
 * <p>Not modelled: ICMP rate limiting ({@code icmp_ratelimit}/{@code icmp_msgs_per_sec}: a lab
 * sends far fewer errors than the limits), IP options processing beyond copying, multicast
 * routing, policy routing rules.
 */
public final class Ipv4Stack implements NeighbourTable.Listener {
    /** {@link #bridgeReroute} result: route the frame through the IP stack. */
    static final long REROUTE_TO_STACK = -1;
    /** {@link #bridgeReroute} result: no route to the new destination. */
    static final long REROUTE_FAILED = -2;

    /** Neighbour states whose link-layer address is valid ({@code NUD_VALID}). */
    private static final int NUD_HAS_LLADDR = NeighbourTable.NUD_PERMANENT | NeighbourTable.NUD_NOARP
            | NeighbourTable.NUD_REACHABLE | NeighbourTable.NUD_PROBE | NeighbourTable.NUD_STALE
            | NeighbourTable.NUD_DELAY;

    private static final int PACKET_HOST = 0;
    private static final int PACKET_BROADCAST = 1;
    private static final int PACKET_MULTICAST = 2;
    private static final int PACKET_OTHERHOST = 3;

    /** {@code net.ipv4.ipfrag_time}: an incomplete datagram is given up after 30 s. */
    private static final long IPFRAG_TIME_NS = 30_000_000_000L;

    private final NetNamespace ns;
    private final Network net;
    private IpIdent ipIdent;
    private final Reassembly reassembly;
    private final CRC32C crc = new CRC32C();

    private final Ethernet eth = new Ethernet();
    private final Arp arp = new Arp();
    private final Ipv4 ip = new Ipv4();
    private final Ipv4 inner = new Ipv4();
    private final Icmp4 icmp = new Icmp4();
    private final Udp udp = new Udp();
    private final Tcp tcp = new Tcp();
    private final Sctp sctp = new Sctp();
    private final SctpChunk chunk = new SctpChunk();
    private final Ipv4Spec replySpec = new Ipv4Spec();

    Ipv4Stack(NetNamespace ns) {
        this.ns = ns;
        this.net = ns.network();
        this.reassembly = new Reassembly(this);
    }

    NetNamespace netns() {
        return ns;
    }

    /** The namespace's IP ID generator for datagrams not sent by a connected socket. */
    public IpIdent ipIdent() {
        if (ipIdent == null) {
            // Made on first use: most pod namespaces of a large cluster never send a datagram.
            ipIdent = new IpIdent(net.sim().random().stream("net/" + ns.qualifiedName() + "/ipid").nextLong());
        }
        return ipIdent;
    }

    // =============================================================================================
    // Receive: netif_receive_skb → protocol handlers

    /** A frame received on {@code dev} (not a bridge port). Takes ownership. */
    void receive(NetDevice dev, Packet p) {
        l2(dev, p, false);
    }

    /** A frame a bridge passed up on its own device, from port {@code port}. */
    void receiveOnBridge(Bridge bridge, NetDevice port, Packet p, boolean prerouted) {
        l2(bridge, p, prerouted);
    }

    private void l2(NetDevice dev, Packet p, boolean prerouted) {
        int off = p.start();
        if (dev.linkType() != LinkType.ETHERNET) {
            // An IP tunnel device: the packet starts at its IPv4 header.
            ipRcv(dev, p, off, PACKET_HOST, prerouted);
            return;
        }
        if (p.length() < Ethernet.HEADER_LENGTH) {
            drop(dev, p, Step.DEV_RX, DropReason.PKT_TOO_SMALL, "runt frame");
            return;
        }
        eth.wrap(p.buf(), off);
        int type = eth.etherType();
        long dstMac = eth.dst();
        switch (type) {
            case EtherType.ARP -> arpRcv(dev, p, off + Ethernet.HEADER_LENGTH, dstMac);
            case EtherType.IPV4 -> {
                int pktType;
                if (dstMac == dev.mac()) {
                    pktType = PACKET_HOST;
                } else if (dstMac == MacAddress.BROADCAST) {
                    pktType = PACKET_BROADCAST;
                } else if (MacAddress.isMulticast(dstMac)) {
                    pktType = PACKET_MULTICAST;
                } else {
                    pktType = dev.noArp() ? PACKET_HOST : PACKET_OTHERHOST;
                }
                ipRcv(dev, p, off + Ethernet.HEADER_LENGTH, pktType, prerouted);
            }
            default -> drop(dev, p, Step.DEV_RX, DropReason.UNHANDLED_PROTO,
                    "ethertype 0x" + Integer.toHexString(type) + " has no handler");
        }
    }

    // =============================================================================================
    // ARP: arp_rcv → arp_process

    private void arpRcv(NetDevice dev, Packet p, int off, long dstMac) {
        long now = net.sim().now();
        if (p.start() + p.length() - off < Arp.ETHERNET_IPV4_LENGTH || dev.noArp()) {
            drop(dev, p, Step.NEIGH_LOOKUP, DropReason.PKT_TOO_SMALL, "short ARP");
            return;
        }
        arp.wrap(p.buf(), off);
        if (!arp.isEthernetIpv4()) {
            drop(dev, p, Step.NEIGH_LOOKUP, DropReason.UNHANDLED_PROTO, "ARP not Ethernet/IPv4");
            return;
        }
        int op = arp.op();
        int sip = arp.spa();
        int tip = arp.tpa();
        long sha = arp.sha();
        if (op == Arp.OP_REQUEST) {
            boolean forUs = ns.isLocalAddress(tip);
            boolean proxy = false;
            if (!forUs && ns.sysctl().proxyArp(dev.name())) {
                // arp_process with proxy_arp: answer when the target is routed out another device
                // (arp_fwd_proxy: IN_DEV_PROXY_ARP and the route's device differs).
                Route r = ns.routes().lookup(tip);
                proxy = r != null && r.type() == RouteType.UNICAST && r.dev() != null
                        && r.dev().ifindex() != dev.ifindex();
            }
            ns.arp().onArpRequest(dev.ref(), sip, sha, forUs, now);
            if (sip != 0 && (forUs || proxy)) {
                trace(dev, Step.NEIGH_LOOKUP, Verdict.CONSUME, "ARP who-has " + Ipv4Address.toString(tip) + " tell "
                        + Ipv4Address.toString(sip) + ": reply" + (proxy ? " (proxy ARP)" : ""));
                ByteBuf reply = net.frames().arpReply(dev.mac(), tip, sha, sip);
                Packet out = packet(reply, p.id());
                dev.xmit(out);
            } else {
                trace(dev, Step.NEIGH_LOOKUP, Verdict.CONSUME, "ARP who-has " + Ipv4Address.toString(tip)
                        + ": not ours");
            }
        } else if (op == Arp.OP_REPLY) {
            ns.arp().onArpReply(dev.ref(), sip, sha, dstMac == dev.mac(), now);
            trace(dev, Step.NEIGH_LOOKUP, Verdict.CONSUME, "ARP reply " + Ipv4Address.toString(sip) + " is-at "
                    + MacAddress.toString(sha));
            ns.scheduleNeighbourTimer();
        }
        p.release();
    }

    // =============================================================================================
    // IPv4 receive: ip_rcv → ip_rcv_finish

    private void ipRcv(NetDevice dev, Packet p, int off, int pktType, boolean prerouted) {
        ByteBuf b = p.buf();
        int avail = p.start() + p.length() - off;
        if (avail < Ipv4.MIN_HEADER_LENGTH) {
            drop(dev, p, Step.DEV_RX, DropReason.PKT_TOO_SMALL, "shorter than an IPv4 header");
            return;
        }
        ip.wrap(b, off);
        int hl = ip.headerLength();
        if (ip.version() != 4 || hl < Ipv4.MIN_HEADER_LENGTH || avail < hl) {
            drop(dev, p, Step.DEV_RX, DropReason.IP_INHDR, "bad IPv4 version or header length");
            return;
        }
        if (!ip.verifyChecksum()) {
            drop(dev, p, Step.DEV_RX, DropReason.IP_CSUM, "bad IPv4 header checksum");
            return;
        }
        int total = ip.totalLength();
        if (total < hl || total > avail) {
            drop(dev, p, Step.DEV_RX, DropReason.IP_INHDR, "IPv4 total length " + total + " beyond the "
                    + avail + " bytes received");
            return;
        }
        // pskb_trim_rcsum: Ethernet padding after the datagram goes.
        b.writerIndex(off + total);
        if (pktType == PACKET_OTHERHOST) {
            drop(dev, p, Step.DEV_RX, DropReason.OTHERHOST, "frame addressed to another host's MAC");
            return;
        }
        if (ip.isFragment() && ns.defragBeforeConntrack()) {
            // nf_defrag_ipv4 (priority -400): conntrack sees whole datagrams.
            p = reassembly.add(dev, p, off);
            if (p == null) {
                return;
            }
            off = p.start() + (dev.linkType() == LinkType.ETHERNET ? Ethernet.HEADER_LENGTH : 0);
        }
        if (!prerouted) {
            int v = ns.netfilter().run(Hook.PREROUTING, p, off, dev, null, null, null);
            if (v != NetfilterHooks.NF_ACCEPT) {
                verdictDrop(dev, p, v, Step.NF_PREROUTING);
                return;
            }
        }
        ipRcvFinish(dev, p, off, pktType);
    }

    private void ipRcvFinish(NetDevice dev, Packet p, int off, int pktType) {
        ip.wrap(p.buf(), off);
        int src = ip.src();
        int dst = ip.dst();
        // Martians (ip_route_input_slow): multicast or limited broadcast sources, zero nets.
        if (Ipv4Address.isMulticast(src) || src == 0xffffffff) {
            drop(dev, p, Step.ROUTE_LOOKUP, DropReason.IP_INVALID_SOURCE, "martian source " + Ipv4Address.toString(src));
            return;
        }
        int rp = ns.sysctl().rpFilter(dev.name());
        if (rp != 0 && src != 0 && !rpFilterPass(dev, src, rp)) {
            drop(dev, p, Step.ROUTE_LOOKUP, DropReason.IP_RPFILTER, "rp_filter " + (rp == 1 ? "strict" : "loose")
                    + ": no route back to " + Ipv4Address.toString(src) + " via " + dev.name());
            return;
        }
        if (dst == 0xffffffff || pktType == PACKET_BROADCAST || ns.isLocalAddress(dst) || ns.isBroadcastAddress(dst)) {
            if (tracing()) {
                trace(dev, Step.ROUTE_LOOKUP, Verdict.DELIVER, "local " + Ipv4Address.toString(dst));
            }
            ipLocalDeliver(dev, p, off);
            return;
        }
        if (pktType == PACKET_MULTICAST || Ipv4Address.isMulticast(dst)) {
            drop(dev, p, Step.ROUTE_LOOKUP, DropReason.IP_INVALID_DEST, "multicast routing is not emulated");
            return;
        }
        Route r = ns.routes().lookup(dst);
        if (r == null) {
            ipError(dev, p, off, DropReason.IP_INNOROUTES, Icmp4.NET_UNREACH, "no route to " + Ipv4Address.toString(dst));
            return;
        }
        if (tracing()) {
            trace(dev, Step.ROUTE_LOOKUP, Verdict.PASS, Ipv4Address.toString(dst) + ": " + r.toString().trim());
        }
        switch (r.type()) {
            case BLACKHOLE -> drop(dev, p, Step.ROUTE_LOOKUP, DropReason.BLACKHOLE, "blackhole route " + r);
            case UNREACHABLE -> ipError(dev, p, off, DropReason.IP_INNOROUTES, Icmp4.HOST_UNREACH, "unreachable route");
            case PROHIBIT -> ipError(dev, p, off, DropReason.IP_INNOROUTES, Icmp4.PKT_FILTERED, "prohibit route");
            case LOCAL, BROADCAST -> ipLocalDeliver(dev, p, off);
            default -> {
                if (!ns.sysctl().ipForward) {
                    // ip_route_input_slow without IN_DEV_FORWARD: EHOSTUNREACH, and ip_error sends
                    // nothing when the device does not forward.
                    drop(dev, p, Step.ROUTE_LOOKUP, DropReason.IP_INADDRERRORS,
                            "not for this host and net.ipv4.ip_forward=0");
                    return;
                }
                ipForward(dev, p, off, r);
            }
        }
    }

    /** fib_validate_source: strict mode wants the reverse route on the same device, loose any route. */
    private boolean rpFilterPass(NetDevice dev, int src, int mode) {
        Route back = ns.routes().lookup(src);
        if (back == null || back.type() != RouteType.UNICAST && back.type() != RouteType.LOCAL) {
            return false;
        }
        return mode == 2 || back.dev() != null && back.dev().ifindex() == dev.ifindex();
    }

    /** ip_error: the ICMP a route error deserves (none for blackhole), then drop. */
    private void ipError(NetDevice dev, Packet p, int off, DropReason reason, int code, String detail) {
        if (!ns.sysctl().ipForward) {
            drop(dev, p, Step.ROUTE_LOOKUP, DropReason.IP_INADDRERRORS, detail + " (forwarding off: no ICMP)");
            return;
        }
        boolean sent = icmpSend(dev, p, off, Icmp4.DEST_UNREACH, code, 0, false);
        String icmp = Icmp4.describe(Icmp4.DEST_UNREACH, code);
        drop(dev, p, Step.ROUTE_LOOKUP, reason, detail + (sent ? ": ICMP " + icmp + " sent"
                : ": no ICMP " + icmp + " (no route back to the source)"));
    }

    // =============================================================================================
    // Forwarding: ip_forward → ip_forward_finish

    private void ipForward(NetDevice in, Packet p, int off, Route r) {
        ip.wrap(p.buf(), off);
        if (ip.ttl() <= 1) {
            icmpSend(in, p, off, Icmp4.TIME_EXCEEDED, Icmp4.EXC_TTL, 0, false);
            drop(in, p, Step.IP_FORWARD, DropReason.IP_INHDR, "TTL " + ip.ttl() + " exceeded in transit: ICMP time exceeded sent");
            return;
        }
        NetDevice out = ns.device(r.dev().ifindex());
        int nexthop = r.hasGateway() ? r.gateway() : ip.dst();
        int mtu = out.mtu();
        int size = p.fragMaxSize() > 0 ? p.fragMaxSize() : ip.totalLength();
        if (size > mtu && ip.dontFragment()) {
            // ip_exceeds_mtu → icmp_send(ICMP_FRAG_NEEDED) with the next hop's MTU.
            icmpSend(in, p, off, Icmp4.DEST_UNREACH, Icmp4.FRAG_NEEDED, mtu, false);
            drop(in, p, Step.IP_FORWARD, DropReason.PKT_TOO_BIG, "packet of " + size + " bytes, DF set, "
                    + out.name() + " MTU " + mtu + ": ICMP fragmentation needed (mtu " + mtu + ") sent");
            return;
        }
        ip.decrementTtl();
        int v = ns.netfilter().run(Hook.FORWARD, p, off, in, out, null, null);
        if (v != NetfilterHooks.NF_ACCEPT) {
            verdictDrop(in, p, v, Step.NF_FORWARD);
            return;
        }
        if (tracing()) {
            trace(in, Step.IP_FORWARD, Verdict.FORWARD, "to " + Ipv4Address.toString(nexthop) + " dev " + out.name()
                    + ", TTL now " + ip.wrap(p.buf(), off).ttl());
        }
        ipOutput(out, p, off, nexthop);
    }

    // =============================================================================================
    // Output: ip_local_out / ip_output / ip_finish_output / neigh_output

    /**
     * Sends a packet built by a local socket or tunnel ({@code ip_local_out}): {@code p.start()} is
     * at an Ethernet header whose MACs are filled in here, the IPv4 header follows. A zero source
     * address is replaced by the route's preferred source.
     */
    public void send(Packet p) {
        int off = p.start() + Ethernet.HEADER_LENGTH;
        ip.wrap(p.buf(), off);
        int dst = ip.dst();
        NetDevice out = outputDevice(dst);
        int nexthop = outputNexthop;
        if (out == null) {
            drop(ns.loopback(), p, Step.ROUTE_LOOKUP, DropReason.IP_OUTNOROUTES, "no route to " + Ipv4Address.toString(dst)
                    + " (connect: Network is unreachable)");
            return;
        }
        if (ip.src() == 0) {
            ip.rewriteSrc(sourceAddress(dst));
            fixTransportChecksum(p.buf(), off);
        }
        int v = ns.netfilter().run(Hook.OUTPUT, p, off, null, out, null, null);
        if (v != NetfilterHooks.NF_ACCEPT) {
            verdictDrop(out, p, v, Step.NF_OUTPUT);
            return;
        }
        int newDst = ip.wrap(p.buf(), off).dst();
        if (newDst != dst) {
            // ip_route_me_harder: DNAT in OUTPUT changed the destination.
            out = outputDevice(newDst);
            nexthop = outputNexthop;
            if (out == null) {
                drop(ns.loopback(), p, Step.ROUTE_LOOKUP, DropReason.IP_OUTNOROUTES, "no route after DNAT");
                return;
            }
        }
        ipOutput(out, p, off, nexthop);
    }

    /** The next hop found by the last {@link #outputDevice} call (its gateway, else the destination). */
    private int outputNexthop;

    /** The device a locally generated packet to {@code dst} leaves by (lo for local addresses), or null. */
    private NetDevice outputDevice(int dst) {
        outputNexthop = dst;
        if (ns.isLocalAddress(dst)) {
            return ns.loopback();
        }
        Route r = ns.routes().lookup(dst);
        if (r != null && r.hasGateway()) {
            outputNexthop = r.gateway();
        }
        if (r == null || r.type() != RouteType.UNICAST || r.dev() == null) {
            if (r != null && (r.type() == RouteType.LOCAL || r.type() == RouteType.BROADCAST)) {
                return ns.loopback();
            }
            return null;
        }
        return ns.device(r.dev().ifindex());
    }

    /** The source address a socket gets for {@code dst} (the route's {@code src}, else the device's primary). */
    public int sourceAddress(int dst) {
        if (ns.isLocalAddress(dst)) {
            return dst;
        }
        Route r = ns.routes().lookup(dst);
        if (r == null || r.dev() == null) {
            return 0;
        }
        if (r.prefSrc() != 0) {
            return r.prefSrc();
        }
        return ns.routes().selectSourceAddress(r.dev(), r.hasGateway() ? r.gateway() : dst, RouteScope.UNIVERSE);
    }

    /** True when {@code dst} can be routed from this namespace. */
    public boolean hasRoute(int dst) {
        return outputDevice(dst) != null;
    }

    /** The MTU of the route to {@code dst}, or 0 without one. */
    public int routeMtu(int dst) {
        NetDevice d = outputDevice(dst);
        return d == null ? 0 : d.mtu();
    }

    /** ip_output: POSTROUTING, then ip_finish_output. */
    private void ipOutput(NetDevice out, Packet p, int off, int nexthop) {
        int v = ns.netfilter().run(Hook.POSTROUTING, p, off, null, out, null, null);
        if (v != NetfilterHooks.NF_ACCEPT) {
            verdictDrop(out, p, v, Step.NF_POSTROUTING);
            return;
        }
        ipFinishOutput(out, p, off, nexthop);
    }

    /** ip_finish_output: fragment what exceeds the MTU (DF packets never get here too big), then neighbour output. */
    private void ipFinishOutput(NetDevice out, Packet p, int off, int nexthop) {
        ip.wrap(p.buf(), off);
        int mtu = out.mtu();
        int limit = p.fragMaxSize() > 0 ? Math.min(mtu, p.fragMaxSize()) : mtu;
        if (ip.totalLength() > mtu || (p.fragMaxSize() > 0 && ip.totalLength() > limit)) {
            if (ip.dontFragment() && p.fragMaxSize() == 0) {
                // A local packet with DF larger than the route MTU: EMSGSIZE to the sender.
                drop(out, p, Step.IP_OUTPUT, DropReason.PKT_TOO_BIG, "packet of " + ip.totalLength()
                        + " bytes with DF exceeds " + out.name() + " MTU " + mtu + " (sendmsg: Message too long)");
                return;
            }
            fragment(out, p, off, limit, nexthop);
            return;
        }
        neighOutput(out, p, off, nexthop);
    }

    /** ip_finish_output2 → neigh_output: the next hop's MAC, resolved by ARP when needed. */
    private void neighOutput(NetDevice out, Packet p, int off, int nexthop) {
        if (out.linkType() != LinkType.ETHERNET) {
            // IP tunnel devices carry the bare IPv4 packet.
            p.buf().readerIndex(off);
            out.xmit(p);
            return;
        }
        if (out instanceof Loopback) {
            eth.wrap(p.buf(), p.start()).src(0).dst(0).etherType(EtherType.IPV4);
            out.xmit(p);
            return;
        }
        int dst = ip.wrap(p.buf(), off).dst();
        eth.wrap(p.buf(), p.start()).src(out.mac()).etherType(EtherType.IPV4);
        if (ns.isBroadcastAddress(dst) || dst == 0xffffffff) {
            eth.dst(MacAddress.BROADCAST);
            out.xmit(p);
            return;
        }
        if (tracing()) {
            NeighbourTable.Neighbour n = ns.arp().get(out.ref(), nexthop);
            trace(out, Step.NEIGH_LOOKUP, Verdict.PASS, Ipv4Address.toString(nexthop) + " dev " + out.name() + ": "
                    + (n == null ? "no entry, resolving" : NeighbourTable.stateName(n.state())
                    + ((n.state() & NUD_HAS_LLADDR) != 0 ? " lladdr " + MacAddress.toString(n.lladdr()) : "")));
        }
        ns.arp().output(out.ref(), nexthop, p, p.buf().capacity() + 256, net.sim().now());
        ns.scheduleNeighbourTimer();
    }

    // NeighbourTable.Listener: the neighbour layer's actions on the outside world.

    @Override
    public void solicit(DeviceRef devRef, int ip, long targetMac, long nowNs) {
        NetDevice dev = ns.device(devRef.ifindex());
        int src = ns.routes().selectSourceAddress(devRef, ip, RouteScope.LINK);
        ByteBuf req = targetMac == NeighbourTable.BROADCAST
                ? net.frames().arpRequest(dev.mac(), src, ip)
                : net.frames().arpProbeUnicast(dev.mac(), src, targetMac, ip);
        trace(dev, Step.NEIGH_LOOKUP, Verdict.TRANSMIT, "ARP who-has " + Ipv4Address.toString(ip) + " tell "
                + Ipv4Address.toString(src) + (targetMac == NeighbourTable.BROADCAST ? " (broadcast)" : " (unicast probe)"));
        dev.xmit(packet(req, 0));
    }

    @Override
    public void transmit(DeviceRef devRef, int ip, long lladdr, Object packet, long nowNs) {
        Packet p = (Packet) packet;
        NetDevice dev = ns.device(devRef.ifindex());
        eth.wrap(p.buf(), p.start()).dst(lladdr);
        dev.xmit(p);
    }

    @Override
    public void drop(DeviceRef devRef, int ip, Object packet, NeighbourTable.DropReason reason, long nowNs) {
        NetDevice dev = ns.device(devRef.ifindex());
        Packet p = (Packet) packet;
        DropReason why = reason == NeighbourTable.DropReason.NEIGH_QUEUEFULL ? DropReason.NEIGH_QUEUEFULL
                : DropReason.NEIGH_FAILED;
        int off = p.start() + Ethernet.HEADER_LENGTH;
        if (why == DropReason.NEIGH_FAILED) {
            // ipv4_link_failure (from neigh_invalidate): host unreachable back to the sender.
            icmpSend(dev, p, off, Icmp4.DEST_UNREACH, Icmp4.HOST_UNREACH, 0, true);
        }
        dev.countTxDrop();
        this.drop(dev, p, Step.NEIGH_LOOKUP, why, "no ARP answer from " + Ipv4Address.toString(ip) + " on " + dev.name());
    }

    /**
     * ip_fragment / ip_do_fragment: pieces of at most {@code mtu} bytes, payload a multiple of 8,
     * the header copied (options kept only when their copied flag is set — here all options are
     * dropped from non-first fragments, as none of podlab's senders use copied options).
     */
    private void fragment(NetDevice out, Packet p, int off, int mtu, int nexthop) {
        ByteBuf b = p.buf();
        ip.wrap(b, off);
        int hl = ip.headerLength();
        int total = ip.totalLength();
        int payload = total - hl;
        int chunk = ((mtu - Ipv4.MIN_HEADER_LENGTH) / 8) * 8;
        int firstChunk = ((mtu - hl) / 8) * 8;
        if (chunk <= 0 || firstChunk <= 0) {
            drop(out, p, Step.IP_OUTPUT, DropReason.PKT_TOO_BIG, "MTU " + mtu + " too small to fragment");
            return;
        }
        int baseOffset = ip.fragmentOffset();
        boolean lastHadMf = ip.moreFragments();
        trace(out, Step.IP_FRAGMENT, Verdict.PASS, total + " bytes into fragments of at most " + mtu);
        for (int done = 0; done < payload; ) {
            boolean first = done == 0;
            int h = first ? hl : Ipv4.MIN_HEADER_LENGTH;
            int len = Math.min(first ? firstChunk : chunk, payload - done);
            boolean more = done + len < payload || lastHadMf;
            ByteBuf f = net.alloc().heapBuffer(Frames.DEFAULT_HEADROOM + Ethernet.HEADER_LENGTH + h + len);
            f.writerIndex(Frames.DEFAULT_HEADROOM);
            f.readerIndex(Frames.DEFAULT_HEADROOM);
            f.writeBytes(b, p.start(), Ethernet.HEADER_LENGTH);
            f.writeBytes(b, off, Ipv4.MIN_HEADER_LENGTH);
            if (first && hl > Ipv4.MIN_HEADER_LENGTH) {
                f.writeBytes(b, off + Ipv4.MIN_HEADER_LENGTH, hl - Ipv4.MIN_HEADER_LENGTH);
            }
            f.writeBytes(b, off + hl + done, len);
            int foff = Frames.DEFAULT_HEADROOM + Ethernet.HEADER_LENGTH;
            Ipv4 fh = inner.wrap(f, foff);
            fh.versionIhl(4, h / 4).totalLength(h + len)
                    .flagsFragment((ip.flagsFragment() & Ipv4.FLAG_DF) | (more ? Ipv4.FLAG_MF : 0)
                            | ((baseOffset + done) / 8))
                    .checksum(0).updateChecksum();
            Packet fp = new Packet(f, LinkType.ETHERNET);
            fp.copyMetadata(p).fragMaxSize(0);
            fp.originalLength(f.readableBytes());
            neighOutput(out, fp, foff, nexthop);
            done += len;
        }
        p.release();
    }

    // =============================================================================================
    // Local delivery: ip_local_deliver → transport demux

    private void ipLocalDeliver(NetDevice dev, Packet p, int off) {
        ip.wrap(p.buf(), off);
        if (ip.isFragment()) {
            p = reassembly.add(dev, p, off);
            if (p == null) {
                return;
            }
            off = p.start() + (dev.linkType() == LinkType.ETHERNET ? Ethernet.HEADER_LENGTH : 0);
            ip.wrap(p.buf(), off);
        }
        int v = ns.netfilter().run(Hook.INPUT, p, off, dev, null, null, null);
        if (v != NetfilterHooks.NF_ACCEPT) {
            verdictDrop(dev, p, v, Step.NF_INPUT);
            return;
        }
        ip.wrap(p.buf(), off);
        int l4 = off + ip.headerLength();
        int l4len = ip.totalLength() - ip.headerLength();
        switch (ip.protocol()) {
            case IpProtocol.ICMP -> icmpRcv(dev, p, off, l4, l4len);
            case IpProtocol.UDP -> udpRcv(dev, p, off, l4, l4len);
            case IpProtocol.TCP -> tcpRcv(dev, p, off, l4, l4len);
            case IpProtocol.SCTP -> sctpRcv(dev, p, off, l4, l4len);
            default -> {
                icmpSend(dev, p, off, Icmp4.DEST_UNREACH, Icmp4.PROT_UNREACH, 0, true);
                drop(dev, p, Step.LOCAL_DELIVER, DropReason.IP_NOPROTO, "no handler for IP protocol " + ip.protocol()
                        + ": ICMP protocol unreachable sent");
            }
        }
    }

    private void icmpRcv(NetDevice dev, Packet p, int off, int l4, int len) {
        ByteBuf b = p.buf();
        if (len < Icmp4.HEADER_LENGTH) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.PKT_TOO_SMALL, "short ICMP");
            return;
        }
        if (Checksums.internetChecksum(b, l4, len) != 0) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.ICMP_CSUM, "bad ICMP checksum");
            return;
        }
        icmp.wrap(b, l4);
        int type = icmp.type();
        if (type == Icmp4.ECHO) {
            if (ns.sysctl().icmpEchoIgnoreAll) {
                drop(dev, p, Step.LOCAL_DELIVER, DropReason.NOT_SPECIFIED, "icmp_echo_ignore_all=1");
                return;
            }
            ip.wrap(b, off);
            int request = ip.dst();
            if (tracing()) {
                trace(dev, Step.LOCAL_DELIVER, Verdict.CONSUME, "ICMP echo request id " + icmp.id() + " seq "
                        + icmp.sequence() + ": reply");
            }
            // icmp_echo → icmp_reply: source is the address the request was sent to.
            ByteBuf reply = net.frames().icmpEchoReplyTo(b, off, 0, 0,
                    ipIdent().hashed(request, ip.src(), IpProtocol.ICMP));
            Packet out = packet(reply, p.id());
            p.release();
            send(out);
            return;
        }
        if (type == Icmp4.ECHO_REPLY) {
            TransportHandler h = ns.icmpEchoHandler(icmp.id());
            if (h == null) {
                drop(dev, p, Step.LOCAL_DELIVER, DropReason.NO_SOCKET, "echo reply id " + icmp.id() + " with no ping socket");
                return;
            }
            if (tracing()) {
                trace(dev, Step.LOCAL_DELIVER, Verdict.DELIVER, "ICMP echo reply id " + icmp.id() + " seq "
                        + icmp.sequence());
            }
            h.receive(ns, p, off, l4);
            return;
        }
        if (type == Icmp4.DEST_UNREACH || type == Icmp4.TIME_EXCEEDED) {
            icmpErrorRcv(dev, p, off, l4, len, type);
            return;
        }
        trace(dev, Step.LOCAL_DELIVER, Verdict.CONSUME, "ICMP type " + type + " ignored");
        p.release();
    }

    /** icmp_unreach → the quoted flow's socket error handler ({@code udp_err}, {@code tcp_v4_err}). */
    private void icmpErrorRcv(NetDevice dev, Packet p, int off, int l4, int len, int type) {
        ByteBuf b = p.buf();
        int code = icmp.code();
        int info = type == Icmp4.DEST_UNREACH && code == Icmp4.FRAG_NEEDED ? icmp.nextHopMtu() : 0;
        int q = l4 + Icmp4.HEADER_LENGTH;
        if (len < Icmp4.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + 8) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.PKT_TOO_SMALL, "ICMP error quoting too little");
            return;
        }
        inner.wrap(b, q);
        int qhl = inner.headerLength();
        int proto = inner.protocol();
        int reporter = ip.wrap(b, off).src();
        TransportHandler h = null;
        int qp = q + qhl;
        if (proto == IpProtocol.ICMP) {
            h = ns.icmpEchoHandler(b.getUnsignedShort(qp + Icmp4.ID_OFFSET));
        } else if (proto == IpProtocol.UDP || proto == IpProtocol.TCP || proto == IpProtocol.SCTP) {
            h = ns.sockets().lookup(proto, inner.src(), b.getUnsignedShort(qp), inner.dst(), b.getUnsignedShort(qp + 2));
        }
        trace(dev, Step.LOCAL_DELIVER, h == null ? Verdict.CONSUME : Verdict.DELIVER, "ICMP " + Icmp4.describe(type, code)
                + " from " + Ipv4Address.toString(reporter) + " about "
                + Ipv4Address.toString(inner.dst()) + (h == null ? ": no socket" : ": to the socket"));
        if (h != null) {
            h.icmpError(ns, type, code, info, reporter);
        }
        p.release();
    }

    private void udpRcv(NetDevice dev, Packet p, int off, int l4, int len) {
        ByteBuf b = p.buf();
        if (len < Udp.HEADER_LENGTH) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.PKT_TOO_SMALL, "short UDP");
            return;
        }
        udp.wrap(b, l4);
        ip.wrap(b, off);
        if (udp.length() < Udp.HEADER_LENGTH || udp.length() > len) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.PKT_TOO_SMALL, "bad UDP length");
            return;
        }
        if (udp.checksum() != 0 && !p.csumUnnecessary() && !udp.verifyChecksum(ip.src(), ip.dst(), udp.length())) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.UDP_CSUM, "bad UDP checksum");
            return;
        }
        int dport = udp.dstPort();
        TransportHandler h = ns.sockets().lookup(IpProtocol.UDP, ip.dst(), dport, ip.src(), udp.srcPort());
        if (h == null) {
            boolean broadcast = ns.isBroadcastAddress(ip.dst()) || ip.dst() == 0xffffffff;
            if (!broadcast) {
                icmpSend(dev, p, off, Icmp4.DEST_UNREACH, Icmp4.PORT_UNREACH, 0, true);
            }
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.NO_SOCKET, "UDP port " + dport + " closed"
                    + (broadcast ? "" : ": ICMP port unreachable sent"));
            return;
        }
        if (tracing()) {
            trace(dev, Step.LOCAL_DELIVER, Verdict.DELIVER, "UDP " + Ipv4Address.toString(ip.src()) + ":" + udp.srcPort()
                    + " > port " + dport);
        }
        h.receive(ns, p, off, l4);
    }

    private void tcpRcv(NetDevice dev, Packet p, int off, int l4, int len) {
        ByteBuf b = p.buf();
        if (len < Tcp.MIN_HEADER_LENGTH) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.PKT_TOO_SMALL, "short TCP");
            return;
        }
        tcp.wrap(b, l4);
        ip.wrap(b, off);
        if (tcp.dataOffset() < 5 || tcp.headerLength() > len) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.PKT_TOO_SMALL, "bad TCP data offset");
            return;
        }
        if (!p.csumUnnecessary() && !tcp.verifyChecksum(ip.src(), ip.dst(), len)) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.TCP_CSUM, "bad TCP checksum");
            return;
        }
        TransportHandler h = ns.sockets().lookup(IpProtocol.TCP, ip.dst(), tcp.dstPort(), ip.src(), tcp.srcPort());
        if (h == null) {
            // tcp_v4_rcv → no_tcp_socket → tcp_v4_send_reset (never in answer to a RST).
            if (!tcp.rst()) {
                trace(dev, Step.LOCAL_DELIVER, Verdict.CONSUME, "TCP port " + tcp.dstPort() + " closed: RST sent");
                ByteBuf rst = net.frames().tcpResetFor(b, off, 0, 0);
                Packet out = packet(rst, p.id());
                p.release();
                send(out);
            } else {
                drop(dev, p, Step.LOCAL_DELIVER, DropReason.NO_SOCKET, "RST for a closed port");
            }
            return;
        }
        if (tracing()) {
            trace(dev, Step.LOCAL_DELIVER, Verdict.DELIVER, "TCP " + Ipv4Address.toString(ip.src()) + ":" + tcp.srcPort()
                    + " > port " + tcp.dstPort());
        }
        h.receive(ns, p, off, l4);
    }

    private void sctpRcv(NetDevice dev, Packet p, int off, int l4, int len) {
        ByteBuf b = p.buf();
        if (len < Sctp.HEADER_LENGTH + SctpChunk.HEADER_LENGTH) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.PKT_TOO_SMALL, "short SCTP");
            return;
        }
        sctp.wrap(b, l4);
        ip.wrap(b, off);
        if (!sctp.verifyChecksum(len, crc)) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.NOT_SPECIFIED, "bad SCTP CRC32c");
            return;
        }
        TransportHandler h = ns.sockets().lookup(IpProtocol.SCTP, ip.dst(), sctp.dstPort(), ip.src(), sctp.srcPort());
        if (h != null) {
            if (tracing()) {
                trace(dev, Step.LOCAL_DELIVER, Verdict.DELIVER, "SCTP to port " + sctp.dstPort());
            }
            h.receive(ns, p, off, l4);
            return;
        }
        // Out of the blue (RFC 9260 8.4, sctp_sf_ootb / sctp_sf_tabort_8_4_8): answer with an ABORT
        // (tag and T bit below) — except for an ABORT or SHUTDOWN COMPLETE, which are silently
        // discarded.
        chunk.wrap(b, sctp.chunksOffset());
        int type = chunk.type();
        if (type == SctpChunk.ABORT || type == SctpChunk.SHUTDOWN_COMPLETE) {
            drop(dev, p, Step.LOCAL_DELIVER, DropReason.NO_SOCKET, "out-of-the-blue SCTP ABORT discarded");
            return;
        }
        int src = ip.src();
        int dst = ip.dst();
        // sctp_ootb_pkt_new / sctp_make_abort: an INIT has no tag to reflect yet, so the ABORT
        // carries the INIT's initiate tag with T clear (the receiver in COOKIE-WAIT accepts only
        // that, sctp_vtag_verify_either); anything else gets its own tag reflected with T set.
        boolean init = type == SctpChunk.INIT && chunk.length() >= SctpInit.FIXED_LENGTH;
        int tag = init ? b.getInt(chunk.offset() + SctpInit.INITIATE_TAG_OFFSET) : sctp.verificationTag();
        Packet out = packet(net.frames().sctpAbort(replySpec.reset().addresses(dst, src).id(0), sctp.dstPort(),
                sctp.srcPort(), tag, !init), p.id());
        trace(dev, Step.LOCAL_DELIVER, Verdict.CONSUME, "SCTP port " + sctp.dstPort() + " closed: ABORT sent");
        p.release();
        send(out);
    }

    // =============================================================================================
    // ICMP errors: icmp_send (__icmp_send)

    /**
     * Sends an ICMP error about the packet at {@code off}, with the rules of {@code __icmp_send}:
     * never about an ICMP error, a non-first fragment, or a packet to or from a broadcast or
     * multicast address. The source is the offending packet's destination when that was one of
     * ours, else the address of the route back ({@code icmp_errors_use_inbound_ifaddr=0}).
     *
     * @return whether an error was sent (false also when there is no route back to the source)
     */
    public boolean icmpSend(NetDevice dev, Packet offending, int off, int type, int code, int info, boolean wasLocal) {
        ByteBuf b = offending.buf();
        ip.wrap(b, off);
        int src = ip.src();
        int dst = ip.dst();
        if (ip.fragmentOffset() != 0 || src == 0 || Ipv4Address.isMulticast(src) || src == 0xffffffff
                || Ipv4Address.isMulticast(dst) || dst == 0xffffffff || ns.isBroadcastAddress(dst)) {
            return false;
        }
        if (ip.protocol() == IpProtocol.ICMP && ip.totalLength() >= ip.headerLength() + 1) {
            int t = b.getUnsignedByte(off + ip.headerLength());
            if (Icmp4.isError(t)) {
                return false;
            }
        }
        int saddr = wasLocal || ns.isLocalAddress(dst) ? dst : sourceAddress(src);
        int mtu = routeMtu(src);
        if (mtu == 0) {
            return false; // no route back to the source: nothing can be sent
        }
        ByteBuf err = net.frames().icmpError(0, 0, saddr, ipIdent().hashed(saddr, src, IpProtocol.ICMP), type, code, info,
                b, off, ip.totalLength(), mtu);
        if (err == null) {
            return false;
        }
        send(packet(err, offending.id()));
        return true;
    }

    // =============================================================================================
    // br_netfilter re-route after DNAT

    /**
     * br_nf_pre_routing_finish: where does a bridged frame go after PREROUTING rewrote its
     * destination? When the route to the new destination leaves by the same bridge, the new
     * destination's MAC (from the neighbour table) so the frame is switched again; otherwise
     * {@link #REROUTE_TO_STACK}.
     */
    long bridgeReroute(Bridge bridge, int newDst) {
        if (ns.isLocalAddress(newDst)) {
            return REROUTE_TO_STACK;
        }
        Route r = ns.routes().lookup(newDst);
        if (r == null || r.dev() == null) {
            return REROUTE_FAILED;
        }
        if (r.dev().ifindex() != bridge.ifindex() || r.hasGateway()) {
            return REROUTE_TO_STACK;
        }
        NeighbourTable.Neighbour n = ns.arp().get(bridge.ref(), newDst);
        if (n == null || n.lladdr() == 0) {
            return REROUTE_TO_STACK;
        }
        return n.lladdr();
    }

    // =============================================================================================
    // helpers

    /** Wraps a buffer made by the builders as a packet of this network, keeping the trace id. */
    Packet packet(ByteBuf buf, long id) {
        Packet p = new Packet(buf, LinkType.ETHERNET);
        p.id(id != 0 ? id : net.nextPacketId());
        p.timestampNs(net.sim().now());
        return p;
    }

    /** A copy of a packet (bytes and metadata) with the same headroom: {@code skb_copy} for flooding. */
    Packet copy(Packet p) {
        ByteBuf src = p.buf();
        ByteBuf c = net.alloc().heapBuffer(src.capacity());
        c.writerIndex(src.writerIndex());
        c.setBytes(0, src, 0, src.writerIndex());
        c.readerIndex(src.readerIndex());
        return new Packet(c, p.linkType()).copyMetadata(p);
    }

    /** Recomputes the TCP/UDP checksum after the source address was filled in. */
    private void fixTransportChecksum(ByteBuf b, int off) {
        ip.wrap(b, off).updateChecksum();
        int l4 = off + ip.headerLength();
        int len = ip.totalLength() - ip.headerLength();
        switch (ip.protocol()) {
            case IpProtocol.TCP -> tcp.wrap(b, l4).updateChecksum(ip.src(), ip.dst(), len);
            case IpProtocol.UDP -> {
                udp.wrap(b, l4);
                if (udp.checksum() != 0) {
                    udp.updateChecksum(ip.src(), ip.dst(), udp.length());
                }
            }
            default -> { }
        }
    }

    private boolean tracing() {
        return net.tracer().enabled();
    }

    private void trace(NetDevice dev, Step step, Verdict verdict, String detail) {
        if (net.tracer().enabled()) {
            ns.trace(dev, step, verdict, null, detail);
        }
    }

    void drop(NetDevice dev, Packet p, Step step, DropReason reason, String detail) {
        ns.trace(dev, step, Verdict.DROP, reason, detail);
        p.release();
    }

    private void verdictDrop(NetDevice dev, Packet p, int verdict, Step step) {
        if (verdict == NetfilterHooks.NF_DROP) {
            drop(dev, p, step, DropReason.NETFILTER_DROP, "dropped by netfilter at " + step.name());
        }
        // NF_STOLEN: the hook owns it.
    }

    /** Delivers a reassembled datagram or times out fragments; see {@link Reassembly}. */
    long fragTimeoutNs() {
        return IPFRAG_TIME_NS;
    }
}
