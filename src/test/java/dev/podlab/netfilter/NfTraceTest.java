package dev.podlab.netfilter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.bench.ClusterScale;
import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.Tracer;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code -j TRACE} marks the packet ({@code skb->nf_trace}), and the kernel then logs every rule
 * and policy the packet meets in every table of every hook it crosses (iptables-extensions(8),
 * TRACE), until {@code skb_scrub_packet} clears the mark where the packet leaves the namespace by
 * a veth or a tunnel. A cross-node datagram traced at node1's PREROUTING is therefore logged in
 * node1's FORWARD and POSTROUTING too, and nowhere after node1: not for the VXLAN datagram that
 * carries it, not on node2, not in the destination pod.
 */
class NfTraceTest {
    @Test
    void aTracedPacketIsLoggedAtEveryHookOfItsNodeAndNowhereElse() {
        Simulator sim = new Simulator(7);
        List<TraceEvent> events = new ArrayList<>();
        Cluster cluster = Cluster.build(ClusterScale.topology(3, 2), sim, new Tracer(sim, events::add));
        cluster.node("node1").netfilter().iptables().restore("""
                *raw
                :PREROUTING ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                -A PREROUTING -p udp -m udp --dport 5001 -j TRACE
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
        // Three datagrams: the first creates the connection, the later ones are ESTABLISHED
        // (whose untraced runs the flow memo would replay).
        for (int i = 0; i < 3; i++) {
            Ipv4Spec spec = new Ipv4Spec().addresses(a.ip(), b.ip()).df(false).id(i);
            a.netns().stack().send(new Packet(cluster.network().frames().udp(spec, 40000, 5001,
                    Unpooled.wrappedBuffer(new byte[22])), LinkType.ETHERNET).csumUnnecessary(true));
            sim.runUntil(sim.now() + 1_000_000L);
        }
        assertThat(delivered[0]).isEqualTo(3);

        List<String> traced = new ArrayList<>();
        for (TraceEvent e : events) {
            if (e.detail() != null && e.detail().startsWith("TRACE: ")) {
                traced.add(e.node() + " " + e.netns() + " " + e.detail().substring(0, e.detail().indexOf(' ', 7)));
            }
        }
        // Each datagram: raw PREROUTING after the TRACE rule, then filter FORWARD (kube-proxy's and
        // flannel's chains down to flannel's ACCEPT) and the POSTROUTING tables.
        assertThat(traced).filteredOn(l -> l.contains("raw:PREROUTING:policy")).hasSize(3);
        assertThat(traced).filteredOn(l -> l.contains("filter:FORWARD:rule:")).hasSizeGreaterThanOrEqualTo(3);
        assertThat(traced).filteredOn(l -> l.contains("filter:FLANNEL-FWD:rule:1")).hasSize(3);
        // nat POSTROUTING is walked for the connection's first packet only (later ones follow
        // its binding), as conntrack's nat hook does.
        assertThat(traced).filteredOn(l -> l.contains("nat:POSTROUTING:")).isNotEmpty();
        // All on node1's own namespace: nothing for the VXLAN datagram (scrubbed at encapsulation),
        // on node2, or in the pods (scrubbed at the veth).
        assertThat(traced).allMatch(l -> l.startsWith("node1 "), "only node1 logs");
        assertThat(traced).noneMatch(l -> l.contains(":OUTPUT:") || l.contains(":INPUT:"));
    }
}
