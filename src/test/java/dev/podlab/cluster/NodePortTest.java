package dev.podlab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.model.Topology;
import dev.podlab.cluster.yaml.TopologyLoader;
import dev.podlab.packet.Ipv4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A NodePort Service reached on a node's address, with the node port given or allocated. */
class NodePortTest {
    @Test
    void nodePortIsAllocatedInTheRangeAndReachableOnEveryNode() throws Exception {
        String cluster = Files.readString(Path.of("topologies/clusters/flannel-vxlan-3node.yaml"));
        Topology t = TopologyLoader.loadString(cluster + """
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: default}
                spec:
                  type: NodePort
                  selector: {run: nginx}
                  ports:
                  - port: 80
                """, "cluster.yaml");
        RecordingSink sink = new RecordingSink();
        dev.podlab.sim.Simulator sim = new dev.podlab.sim.Simulator(1);
        Cluster c = Cluster.build(t, sim, new dev.podlab.trace.Tracer(sim, sink));
        int nodePort = c.service("default/web").nodePorts().get(0);
        // kube-apiserver's default --service-node-port-range.
        assertThat(nodePort).isBetween(30000, 32767);
        assertThat(c.nodes().get(1).netfilter().iptables().save("-"))
                .contains("--dport " + nodePort + " -j KUBE-EXT-");
        for (ClusterNode node : c.nodes()) {
            Probe.Result r = Probe.run(c, new Probe.Request("default/busy1", Ipv4Address.toString(node.address()),
                    nodePort, "tcp", 1_000_000_000L), sink);
            assertThat(r.verdict()).as("via %s: %s", node, r.reason()).isEqualTo("connected");
        }

        // Deleting the Service removes its chains from every node, as kube-proxy's sync does:
        // two services' chains before (nginx and web), one after.
        assertThat(chains(c.nodes().get(0), ":KUBE-SVC-")).isEqualTo(2);
        assertThat(c.deleteService("default/web")).isTrue();
        for (ClusterNode node : c.nodes()) {
            assertThat(chains(node, ":KUBE-SVC-")).isEqualTo(1);
            assertThat(node.netfilter().iptables().save("-")).doesNotContain("default/web");
        }
        Probe.Result gone = Probe.run(c, new Probe.Request("default/busy1", Ipv4Address.toString(c.nodes().get(1).address()),
                nodePort, "tcp", 1_000_000_000L), sink);
        assertThat(gone.verdict()).isEqualTo("refused");
    }

    private static long chains(ClusterNode node, String prefix) {
        return node.netfilter().iptables().save("-").lines().filter(l -> l.startsWith(prefix)).count();
    }
}
