package dev.podlab.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.bench.ClusterScale;
import dev.podlab.cluster.Cluster;
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
        assertThat(ClusterScale.sendFlows(cluster, 1, 2, 40000)).isEqualTo(2);
        String save = cluster.node("node2").netfilter().iptables().save("1.8.9 (legacy)", "-", true);
        // 50-byte inner datagrams (20 IP + 8 UDP + 22 payload): both carried the outer mark.
        assertThat(Arrays.stream(save.split("\n")).filter(l -> l.contains("-A FORWARD -m mark")))
                .containsExactly("[2:100] -A FORWARD -m mark --mark 0x77", "[0:0] -A FORWARD -m mark --mark 0x0");
    }
}
