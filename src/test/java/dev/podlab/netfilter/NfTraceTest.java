package dev.podlab.netfilter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.bench.ClusterScale;
import dev.podlab.cluster.Cluster;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.Tracer;
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
        // Three datagrams of one flow: the first creates the connection, the later ones find it
        // (and their untraced hook runs are the kind the flow memo would replay).
        assertThat(ClusterScale.sendFlows(cluster, 1, 3, 40000)).isEqualTo(3);

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
