package dev.podlab.apps;

import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.packet.Udp;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;

/**
 * A UDP echo server ({@code socat UDP-RECVFROM:PORT,fork EXEC:cat} or an inetd echo service) on
 * a port of every address: each datagram goes back to its sender with the same payload, from an
 * unconnected socket ({@code sendto}): the source address is the route's to the sender, DF is set
 * (IP_PMTUDISC_WANT) but ignored for the ID, which is therefore hashed
 * ({@code ip_select_ident_segs}, see {@link dev.podlab.packet.IpIdent}).
 */
public final class UdpEchoServer implements TransportHandler {
    private final NetNamespace ns;
    private final int port;
    private final Ipv4Spec spec = new Ipv4Spec();
    private final Udp udp = new Udp();
    private long echoed;
    private boolean open;

    public UdpEchoServer(NetNamespace ns, int port) {
        this.ns = ns;
        this.port = port;
        ns.sockets().bind(IpProtocol.UDP, 0, port, this);
        open = true;
        trace(Verdict.PASS, "bound to 0.0.0.0:" + port);
    }

    /** Datagrams echoed so far. */
    public long echoed() {
        return echoed;
    }

    public void close() {
        if (open) {
            ns.sockets().unbind(IpProtocol.UDP, 0, port);
            open = false;
        }
    }

    @Override
    public void receive(NetNamespace netns, Packet p, int ipOffset, int l4Offset) {
        ByteBuf b = p.buf();
        udp.wrap(b, l4Offset);
        int peer = b.getInt(ipOffset + Ipv4.SRC_OFFSET);
        int peerPort = udp.srcPort();
        int len = udp.length() - Udp.HEADER_LENGTH;
        ByteBuf payload = b.retainedSlice(l4Offset + Udp.HEADER_LENGTH, len);
        p.release();
        int src = ns.stack().sourceAddress(peer);
        spec.reset().addresses(src, peer).df(true).ttl(ns.sysctl().defaultTtl)
                .id(ns.stack().ipIdent().hashed(src, peer, IpProtocol.UDP));
        ByteBuf frame = ns.network().frames().udp(spec, port, peerPort, payload);
        payload.release();
        echoed++;
        trace(Verdict.TRANSMIT, "echo of " + len + " bytes to " + Ipv4Address.toString(peer) + ":" + peerPort);
        ns.stack().send(new Packet(frame, LinkType.ETHERNET).id(ns.network().nextPacketId())
                .timestampNs(ns.network().sim().now()).csumUnnecessary(true));
    }

    private void trace(Verdict verdict, String detail) {
        if (ns.network().tracer().enabled()) {
            ns.trace(null, Step.of("udp"), verdict, null, "udp-echo:" + port + " " + detail);
        }
    }
}
