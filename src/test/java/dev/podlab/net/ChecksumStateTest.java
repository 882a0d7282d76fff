package dev.podlab.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.bench.ClusterScale;
import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/**
 * The checksum state a packet carries ({@code Packet#csumUnnecessary}, the kernel's
 * {@code skb_csum_unnecessary}) decides where a UDP checksum is verified, as in Linux: a
 * datagram a pod's socket sent (CHECKSUM_PARTIAL) is trusted on its own host, including by the
 * node's conntrack and by a socket in another pod on the same node; a datagram that crossed the
 * wire (the emulated NIC has no receive offload) or came out of a VXLAN tunnel is verified again.
 * A datagram with a wrong checksum shows which: it is delivered where nothing verifies it and
 * dropped where something does.
 */
class ChecksumStateTest {
    private final Cluster cluster = Cluster.build(ClusterScale.topology(2, 2));
    private int delivered;

    private void send(String from, String to, boolean fromSocket) {
        ClusterPod a = cluster.pod(from);
        ClusterPod b = cluster.pod(to);
        b.netns().sockets().unbind(IpProtocol.UDP, 0, 5001);
        b.netns().sockets().bind(IpProtocol.UDP, 0, 5001, new TransportHandler() {
            @Override
            public void receive(NetNamespace ns, Packet p, int ipOffset, int l4Offset) {
                delivered++;
            }
        });
        Ipv4Spec spec = new Ipv4Spec().addresses(a.ip(), b.ip()).df(false).id(7);
        ByteBuf frame = cluster.network().frames().udp(spec, 40000, 5001, Unpooled.wrappedBuffer(new byte[22]));
        int udpChecksum = frame.readerIndex() + 14 + 20 + 6;
        frame.setShort(udpChecksum, frame.getUnsignedShort(udpChecksum) ^ 0x00ff); // wrong, not zero
        a.netns().stack().send(new Packet(frame, LinkType.ETHERNET).csumUnnecessary(fromSocket));
        cluster.sim().runUntil(cluster.sim().now() + 100_000_000L);
    }

    @Test
    void aSocketsDatagramIsTrustedOnItsOwnHostOnly() {
        send("default/pod-0-0", "default/pod-0-1", true);
        assertThat(delivered).as("same node, from a socket: never verified").isEqualTo(1);
        send("default/pod-0-0", "default/pod-1-0", true);
        assertThat(delivered).as("across the wire and the tunnel: verified, dropped").isEqualTo(1);
    }

    @Test
    void aRawDatagramIsVerifiedOnItsOwnHostToo() {
        send("default/pod-0-0", "default/pod-0-1", false);
        assertThat(delivered).isZero();
    }
}
