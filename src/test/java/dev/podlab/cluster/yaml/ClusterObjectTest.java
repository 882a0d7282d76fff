package dev.podlab.cluster.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.model.ClusterSpec;
import dev.podlab.cluster.model.NodeSpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.Topology;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Cluster object, exactly as the issue writes it, and its defaults. */
class ClusterObjectTest {
    static final String DEMO = """
            apiVersion: podlab.dev/v1alpha1
            kind: Cluster
            metadata: {name: demo}
            spec:
              underlay: {mtu: 1500}
              nodes:
              - {name: node1, address: 192.168.1.11/24}
              - {name: node2, address: 192.168.1.12/24}
              - {name: node3, address: 192.168.2.13/24}   # another subnet: reached through a router
              cni:
                flannel:
                  Network: 10.244.0.0/16
                  SubnetLen: 24
                  Backend: {Type: vxlan}                  # or host-gw; DirectRouting: true; VNI; Port
            """;

    @Test
    void loadsTheIssueFormAsWritten() {
        Topology t = TopologyLoader.loadString(DEMO, "cluster.yaml");
        ClusterSpec c = t.cluster();
        assertThat(c.name()).isEqualTo("demo");
        assertThat(c.underlayMtu()).isEqualTo(1500);
        assertThat(c.seed()).isEqualTo(1L);
        assertThat(c.source()).isEqualTo(new Source("cluster.yaml", 1));
        // 192.168.1.11 = 0xc0a8010b, 192.168.1.12 = 0xc0a8010c, 192.168.2.13 = 0xc0a8020d
        assertThat(c.nodes()).containsExactly(
                new NodeSpec("node1", 0xc0a8010b, 24, new Source("cluster.yaml", 7)),
                new NodeSpec("node2", 0xc0a8010c, 24, new Source("cluster.yaml", 8)),
                new NodeSpec("node3", 0xc0a8020d, 24, new Source("cluster.yaml", 9)));
        assertThat(c.cni()).isEqualTo("flannel");
        assertThat(c.cniConfig()).isEqualTo(Map.of(
                "Network", "10.244.0.0/16",
                "SubnetLen", 24,
                "Backend", Map.of("Type", "vxlan")));
        assertThat(c.cniConfig().keySet()).containsExactly("Network", "SubnetLen", "Backend");
        assertThat(t.pods()).isEmpty();
        assertThat(t.namespaces()).isEmpty();
        assertThat(t.warnings()).isEmpty();
    }

    @Test
    void defaultsAndCniValueTypes() {
        Topology t = TopologyLoader.loadString("""
                # a comment-only document first, then an empty one: both skipped
                ---
                ---
                apiVersion: podlab.dev/v1alpha1
                kind: Cluster
                metadata:
                  name: lab
                spec:
                  seed: 42
                  nodes:
                  - name: n1
                    address: 10.0.0.2/16
                  cni:
                    flannel:
                      Backend:
                        Type: vxlan
                        DirectRouting: true
                        VNI: 4096
                        Port: 8472
                      Extra: [1, two, 3.5, null]
                """, "lab.yaml");
        ClusterSpec c = t.cluster();
        assertThat(c.underlayMtu()).isEqualTo(1500);
        assertThat(c.seed()).isEqualTo(42L);
        assertThat(c.source()).isEqualTo(new Source("lab.yaml", 4));
        assertThat(c.nodes()).containsExactly(new NodeSpec("n1", 0x0a000002, 16, new Source("lab.yaml", 11)));
        assertThat(c.cniConfig().get("Backend")).isEqualTo(
                Map.of("Type", "vxlan", "DirectRouting", true, "VNI", 4096, "Port", 8472));
        assertThat(c.cniConfig().get("Extra")).isEqualTo(java.util.Arrays.asList(1, "two", 3.5, null));
    }

    @Test
    void emptyCniConfigIsAnEmptyMap() {
        Topology t = TopologyLoader.loadString("""
                apiVersion: podlab.dev/v1alpha1
                kind: Cluster
                metadata: {name: lab}
                spec:
                  nodes: [{name: n1, address: 10.0.0.2/24}]
                  cni: {flannel: }
                """, "lab.yaml");
        assertThat(t.cluster().cni()).isEqualTo("flannel");
        assertThat(t.cluster().cniConfig()).isEmpty();
    }
}
