package dev.podlab.net;

import dev.podlab.packet.EtherType;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Frames;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.MacAddress;
import dev.podlab.packet.Packet;
import dev.podlab.packet.Udp;
import dev.podlab.packet.UdpTunnel;
import dev.podlab.packet.Vxlan;
import dev.podlab.packet.VxlanSpec;
import dev.podlab.trace.DropReason;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;

/**
 * A Linux VXLAN device (drivers/net/vxlan/vxlan_core.c), as {@code ip link add flannel.1 type
 * vxlan id 1 local 192.168.1.11 dev eth0 nolearning} creates it: MTU of the lower device minus
 * 50, destination port 8472 unless given, source port from the inner flow's hash, outer TTL 64,
 * DF clear, UDP checksum computed, learning off.
 *
 * <p>Transmit ({@code vxlan_xmit}): the inner frame's destination MAC is looked up in the
 * device's FDB ({@code bridge fdb ... dst IP self}) for the remote VTEP's underlay address; no
 * entry means the frame is dropped (flannel installs no default entry). The outer headers are
 * pushed into the frame's headroom and the packet is sent as a local UDP datagram
 * ({@code udp_tunnel_xmit_skb} → {@code ip_local_out}), so it crosses OUTPUT and POSTROUTING and
 * is routed to the lower device like any host packet. Receive ({@code vxlan_rcv}): the UDP socket
 * on the port hands the datagram here; the header must have the I flag and the device's VNI; the
 * inner frame is then received on this device.
 */
public final class VxlanDevice extends NetDevice implements TransportHandler {
    private final int vni;
    private final int port;
    private final int local;
    private final VxlanFdb fdb;
    private final VxlanSpec spec = new VxlanSpec();
    private final Ethernet eth = new Ethernet();
    private final Ipv4 ip = new Ipv4();
    private final Ipv4 outer = new Ipv4();
    private final Udp udp = new Udp();
    private final Vxlan vxlan = new Vxlan();

    /**
     * Creates the device and binds its UDP socket.
     *
     * @param local the underlay source address ({@code local})
     * @param lower the underlay device, whose MTU minus 50 becomes this device's
     */
    public VxlanDevice(NetNamespace netns, String name, long mac, int vni, int port, int local, NetDevice lower) {
        super(netns, name, mac, (lower == null ? 1500 : lower.mtu()) - Vxlan.IPV4_OVERHEAD);
        this.vni = vni;
        this.port = port;
        this.local = local;
        this.fdb = new VxlanFdb(ref());
        netns.sockets().bind(IpProtocol.UDP, 0, port, this);
    }

    @Override
    public String kind() {
        return "vxlan";
    }

    public int vni() {
        return vni;
    }

    public int port() {
        return port;
    }

    public int local() {
        return local;
    }

    /** The device's FDB: inner MAC to remote VTEP address ({@code bridge fdb show dev DEV}). */
    public VxlanFdb fdb() {
        return fdb;
    }

    @Override
    protected void transmit(Packet p) {
        ByteBuf b = p.buf();
        int off = p.start();
        eth.wrap(b, off);
        long dstMac = eth.dst();
        int remote = fdb.lookupDst(dstMac);
        if (remote == 0) {
            countTxDrop();
            netns().trace(this, Step.FDB_LOOKUP, Verdict.DROP, DropReason.NO_TX_TARGET, "no FDB entry for "
                    + MacAddress.toString(dstMac) + " on " + name());
            p.release();
            return;
        }
        boolean tracing = netns().network().tracer().enabled();
        if (tracing) {
            netns().trace(this, Step.FDB_LOOKUP, Verdict.PASS, null, MacAddress.toString(dstMac) + " dst "
                    + Ipv4Address.toString(remote) + " self permanent");
        }
        if (off < Vxlan.IPV4_OVERHEAD) {
            // skb_cow_head: not enough headroom for the outer headers.
            ByteBuf c = netns().network().alloc().heapBuffer(Frames.DEFAULT_HEADROOM + p.length());
            c.writerIndex(Frames.DEFAULT_HEADROOM).readerIndex(Frames.DEFAULT_HEADROOM);
            c.writeBytes(b, off, p.length());
            b.release();
            p.wrapKeepingMetadata(c);
            b = c;
            off = c.readerIndex();
        }
        int sport = UdpTunnel.sourcePort(innerFlowHash(b, off), 0, 0);
        spec.macs(0, 0).addresses(local, remote).vni(vni).dstPort(port).srcPort(sport)
                .id(netns().stack().ipIdent().hashed(local, remote, IpProtocol.UDP));
        netns().network().frames().vxlanEncap(b, spec, p.csumUnnecessary());
        // iptunnel_xmit → skb_scrub_packet (xnet false: the socket is in the device's namespace):
        // the outer datagram is a new packet for conntrack and is not traced.
        p.scrub(false);
        if (tracing) {
            netns().trace(this, Step.ENCAP, Verdict.PASS, null, "VXLAN VNI " + vni + " " + Ipv4Address.toString(local)
                    + " > " + Ipv4Address.toString(remote) + " udp sport " + sport + " dport " + port);
        }
        netns().stack().send(p);
    }

    /** The inner flow's symmetric hash (addresses, protocol, ports), as skb_get_hash would see it. */
    private int innerFlowHash(ByteBuf b, int off) {
        if (eth.wrap(b, off).etherType() != EtherType.IPV4) {
            return UdpTunnel.flowHash(0, 0, 0, 0, 0, 0);
        }
        int ipOff = off + Ethernet.HEADER_LENGTH;
        ip.wrap(b, ipOff);
        int proto = ip.protocol();
        int sport = 0;
        int dport = 0;
        if ((proto == IpProtocol.TCP || proto == IpProtocol.UDP || proto == IpProtocol.SCTP) && !ip.isFragment()) {
            int l4 = ipOff + ip.headerLength();
            sport = b.getUnsignedShort(l4);
            dport = b.getUnsignedShort(l4 + 2);
        }
        return UdpTunnel.flowHash(ip.src(), ip.dst(), proto, sport, dport, 0);
    }

    /** vxlan_rcv: the UDP socket delivered a datagram for this device's port. */
    @Override
    public void receive(NetNamespace ns, Packet p, int ipOffset, int l4Offset) {
        ByteBuf b = p.buf();
        int vx = l4Offset + Udp.HEADER_LENGTH;
        int end = ipOffset + outer.wrap(b, ipOffset).totalLength();
        if (end - vx < Vxlan.HEADER_LENGTH + Ethernet.HEADER_LENGTH) {
            countRxDrop();
            ns.trace(this, Step.DECAP, Verdict.DROP, DropReason.PKT_TOO_SMALL, "VXLAN datagram too short");
            p.release();
            return;
        }
        vxlan.wrap(b, vx);
        if (!vxlan.iFlag()) {
            countRxDrop();
            ns.trace(this, Step.DECAP, Verdict.DROP, DropReason.VXLAN_INVALID_HDR, "VXLAN I flag clear");
            p.release();
            return;
        }
        if (vxlan.vni() != vni) {
            countRxDrop();
            ns.trace(this, Step.DECAP, Verdict.DROP, DropReason.VXLAN_VNI_NOT_FOUND, "VNI " + vxlan.vni()
                    + " is not " + name() + "'s " + vni);
            p.release();
            return;
        }
        int innerOff = vx + Vxlan.HEADER_LENGTH;
        if (ns.network().tracer().enabled()) {
            ns.trace(this, Step.DECAP, Verdict.PASS, null, "VXLAN VNI " + vni + " from "
                    + Ipv4Address.toString(outer.src()));
        }
        b.readerIndex(innerOff);
        b.writerIndex(end);
        // __iptunnel_pull_header → skb_scrub_packet(skb, xnet): xnet is false (the VXLAN socket
        // lives in the device's own namespace), so the inner packet keeps the mark the outer
        // datagram had.
        p.scrub(false);
        p.fragMaxSize(0);
        p.csumUnnecessary(false); // the inner checksum is yet to be verified
        receive(p);
    }
}
