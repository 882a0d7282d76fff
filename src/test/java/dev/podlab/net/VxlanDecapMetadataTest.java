package dev.podlab.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.bench.ClusterScale;
import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * What a decapsulated packet keeps of the VXLAN datagram that carried it. {@code vxlan_rcv}
 * strips the headers with {@code __iptunnel_pull_header(..., xnet)}, whose
 * {@code skb_scrub_packet} drops the conntrack reference and {@code nf_trace} always, and the mark
 * only when the tunnel crosses namespaces ({@code xnet}, false for flannel.1, whose socket is in
 * the node's own namespace): a mark the outer datagram got on the receiving node is the inner
 * packet's mark in FORWARD.
 */
class VxlanDecapMetadataTest {
    @Test
    void theInnerPacketKeepsTheMarkOfTheDatagramThatCarriedIt() {
        Cluster cluster = Cluster.build(ClusterScale.topology(3, 2));
        cluster.node("node2").netfilter().iptables().restore("""
                *mangle
                :PREROUTING ACCEPT [0:0]
                :INPUT ACCEPT [0:0]
                :FORWARD ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                :POSTROUTING ACCEPT [0:0]
                -A INPUT -p udp -m udp --dport 8472 -j MARK --set-xmark 0x77/0xffffffff
                -A FORWARD -m mark --mark 0x77
                -A FORWARD -m mark --mark 0x0
                COMMIT
                """);
        ClusterPod a = cluster.pod("default/pod-0-0");
        ClusterPod b = cluster.pod("default/pod-1-0");
        long[] delivered = new long[1];
        b.netns().sockets().bind(IpProtocol.UDP, 0, 5001, new TransportHandler() {
            @Override
            public void receive(NetNamespace ns, Packet p, int ipOffset, int l4Offset) {
                delivered[0]++;
            }
        });
        for (int i = 0; i < 2; i++) {
            Ipv4Spec spec = new Ipv4Spec().addresses(a.ip(), b.ip()).df(false).id(i);
            a.netns().stack().send(new Packet(cluster.network().frames().udp(spec, 40000, 5001,
                    Unpooled.wrappedBuffer(new byte[22])), LinkType.ETHERNET));
            cluster.sim().runUntil(cluster.sim().now() + 1_000_000L);
        }
        assertThat(delivered[0]).isEqualTo(2);
        String save = cluster.node("node2").netfilter().iptables().save("1.8.9 (legacy)", "-", true);
        // 50-byte inner datagrams (20 IP + 8 UDP + 22 payload): both carried the outer mark.
        assertThat(Arrays.stream(save.split("\n")).filter(l -> l.contains("-A FORWARD -m mark")))
                .containsExactly("[2:100] -A FORWARD -m mark --mark 0x77", "[0:0] -A FORWARD -m mark --mark 0x0");
    }
}
