package dev.podlab.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.cluster.yaml.TopologyLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cluster → evaluator adapter: what it takes from a built cluster, and what it skips. */
class ClusterPoliciesTest {
    private static Cluster e2e() {
        return Cluster.build(TopologyLoader.load(List.of(Path.of("topologies/clusters/netpol-e2e.yaml"))));
    }

    @Test
    void takesPodsWithCurrentLabelsNodesWithAllTheirAddressesAndNamespaceLabels() {
        Cluster cluster = e2e();
        cluster.labelPod("x/c", "pod", "b");
        ClusterPolicies state = ClusterPolicies.of(cluster);
        assertThat(state.pods()).hasSize(9);
        PolicyEvaluator.Pod xc = state.pod("x/c");
        assertThat(xc.labels()).containsEntry("pod", "b");
        assertThat(xc.node()).isEqualTo("node3");
        assertThat(xc.ip()).isEqualTo(cluster.pod("x/c").ip());
        assertThat(xc.ports()).hasSize(6);
        PolicyEvaluator.Node node1 = state.nodes().get(0);
        assertThat(node1.name()).isEqualTo("node1");
        assertThat(node1.addresses()).extracting(Cidr::formatAddress)
                .contains("192.168.1.11", "10.244.0.0"); // eth0 and flannel.1 (canal has no cni0)
        assertThat(state.namespaces()).extracting(ns -> ns.labels().get("ns")).containsExactly("x", "y", "z");
        assertThat(state.policies()).isEmpty();
        assertThat(state.warnings()).isEmpty();
    }

    @Test
    void anInvalidPolicyIsSkippedWithAWarningAsTheApiServerWouldRefuseIt() {
        Cluster cluster = e2e();
        cluster.applyNetworkPolicy(Specs.spec("x", "bad", "podSelector: {}\ningress: [{from: [{}]}]"));
        cluster.applyNetworkPolicy(Specs.spec("x", "deny", "podSelector: {}\npolicyTypes: [Ingress]"));
        ClusterPolicies state = ClusterPolicies.of(cluster);
        assertThat(state.policies()).extracting(NetworkPolicy::name).containsExactly("deny");
        assertThat(state.warnings()).containsExactly("np.yaml:3: NetworkPolicy x/bad is invalid: spec.ingress[0].from[0]:"
                + " Required value: must specify a peer (skipped, as the API server would refuse it)");
        PolicyEvaluator.Explanation e = state.explain("y/a", "x/b", 0, "tcp");
        assertThat(e.port()).as("the server's first TCP port").isEqualTo(80);
        assertThat(e.allowed()).isFalse();
        assertThat(state.describe(e)).contains("selected by x/deny: denied: isolated, and the selecting policy has no"
                + " ingress rules");
    }

    @Test
    void endpointsArePodsByNameOrByIpAndOtherwiseAddresses() {
        Cluster cluster = e2e();
        ClusterPolicies state = ClusterPolicies.of(cluster);
        String ip = dev.podlab.packet.Ipv4Address.toString(cluster.pod("y/b").ip());
        assertThat(state.endpoint(ip, "--to").pod().qualifiedName()).isEqualTo("y/b");
        assertThat(state.endpoint("y/b", "--to").address()).isEqualTo(cluster.pod("y/b").ip());
        assertThat(state.endpoint("8.8.8.8", "--to").isPod()).isFalse();
        assertThatThrownBy(() -> state.endpoint("nope", "--to")).isInstanceOf(TopologyException.class)
                .hasMessageStartingWith("--to: \"nope\" is neither a pod");
        assertThatThrownBy(() -> ClusterPolicies.protocol("icmp", "--proto")).hasMessage(
                "--proto: Unsupported value: \"icmp\": supported values: \"tcp\", \"udp\", \"sctp\"");
    }
}
