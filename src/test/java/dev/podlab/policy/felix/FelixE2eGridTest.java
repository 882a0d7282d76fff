package dev.podlab.policy.felix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.Matrix;
import dev.podlab.cluster.model.Topology;
import dev.podlab.cluster.yaml.LoadedObjects;
import dev.podlab.cluster.yaml.TopologyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiPredicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Policies of the Kubernetes netpol e2e suite ({@code test/e2e/network/netpol/network_policy.go})
 * on its layout (namespaces x, y, z labelled {@code ns}; pods a, b, c labelled {@code pod}), the
 * grid obtained by real probes through the canal datapath, compared with the reachability the
 * suite expects. The expectation is written here as the suite writes it — which peers may reach
 * which — not taken from podlab. One deviation from a real run, by design: a pod probing itself
 * (the diagonal) never leaves its namespace, so it always connects.
 *
 * <p>Both engines are run: Felix's chains walked rule by rule and the indexed classifier.
 */
class FelixE2eGridTest {
    private static final Path E2E = Path.of("topologies/clusters/netpol-e2e.yaml");
    private static final List<String> PODS = List.of("x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c");

    private static Cluster cluster(String engine, String policies) throws Exception {
        String yaml = Files.readString(E2E);
        if (engine.equals("indexed")) {
            yaml = yaml.replace("  cni:\n", "  networkPolicy: {engine: indexed}\n  cni:\n");
        }
        Topology t = TopologyLoader.loadString(yaml, E2E.toString());
        Cluster c = Cluster.build(t);
        LoadedObjects objs = TopologyLoader.objects(policies, "policy.yaml", c.namespaces().keySet());
        assertThat(objs.refused()).isEmpty();
        objs.networkPolicies().forEach(c::applyNetworkPolicy);
        return c;
    }

    /** Runs the grid and compares every cell with {@code expected(client, server)}. */
    private static void check(String engine, String policies, String port, BiPredicate<String, String> expected)
            throws Exception {
        Cluster c = cluster(engine, policies);
        Matrix observed = Matrix.run(c, PODS, Matrix.Port.parse(port), 1_000_000_000L);
        Boolean[][] want = new Boolean[PODS.size()][PODS.size()];
        for (int i = 0; i < PODS.size(); i++) {
            for (int j = 0; j < PODS.size(); j++) {
                want[i][j] = i == j || expected.test(PODS.get(i), PODS.get(j));
            }
        }
        Matrix wanted = new Matrix(observed.port(), PODS, want);
        assertThat(wanted.differences(observed)).as("%s %s:%nexpected%n%s%nobserved%n%s", engine, port,
                wanted.format(), observed.format()).isEmpty();
    }

    private static String ns(String pod) {
        return pod.substring(0, 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "indexed"})
    void defaultDenyIngress(String engine) throws Exception {
        // "should support a 'default-deny-ingress' policy": nothing reaches x.
        check(engine, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny-ingress, namespace: x}
                spec:
                  podSelector: {}
                  policyTypes: [Ingress]
                """, "TCP/80", (from, to) -> !ns(to).equals("x"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "indexed"})
    void defaultDenyEgress(String engine) throws Exception {
        // "should enforce policy to allow ingress traffic ... default-deny-all egress": x reaches nothing.
        check(engine, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny-egress, namespace: x}
                spec:
                  podSelector: {}
                  policyTypes: [Egress]
                """, "TCP/80", (from, to) -> !ns(from).equals("x"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "indexed"})
    void namespaceSelectorWithMatchExpressions(String engine) throws Exception {
        // "should enforce policy based on NamespaceSelector with MatchExpressions": x/a only from ns y.
        check(engine, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-ns-y-match-selector, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector:
                        matchExpressions: [{key: ns, operator: In, values: ["y"]}]
                """, "TCP/80", (from, to) -> !to.equals("x/a") || ns(from).equals("y"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "indexed"})
    void podSelectorAndNamespaceSelectorInOnePeerAreAnded(String engine) throws Exception {
        // "should enforce policy based on PodSelector and NamespaceSelector": only y/b, not y/*, not */b.
        check(engine, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-ns-y-pod-b, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {ns: "y"}}
                      podSelector: {matchLabels: {pod: b}}
                """, "TCP/80", (from, to) -> !to.equals("x/a") || from.equals("y/b"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "indexed"})
    void separatePeersAreOred(String engine) throws Exception {
        // "should enforce policy based on Multiple PodSelectors and NamespaceSelectors" (OR form):
        // x/a from namespace y, or from pods b of its own namespace.
        check(engine, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-ns-y-or-pod-b, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {ns: "y"}}
                    - podSelector: {matchLabels: {pod: b}}
                """, "TCP/80", (from, to) -> !to.equals("x/a") || ns(from).equals("y") || from.equals("x/b"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "indexed"})
    void portSpecificRulesOnEachPort(String engine) throws Exception {
        // "should enforce policy based on Ports": x/a accepts port 81 from ns y; 80 from nobody.
        String policy = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-81-from-y, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]
                    ports: [{port: 81, protocol: TCP}]
                """;
        check(engine, policy, "TCP/80", (from, to) -> !to.equals("x/a"));
        check(engine, policy, "TCP/81", (from, to) -> !to.equals("x/a") || ns(from).equals("y"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "indexed"})
    void namedPortAndUdp(String engine) throws Exception {
        // "should allow ingress access from namespace on one named port": serve-81-udp on every pod of x.
        String policy = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-named-81-udp, namespace: x}
                spec:
                  podSelector: {}
                  ingress:
                  - ports: [{port: serve-81-udp, protocol: UDP}]
                """;
        check(engine, policy, "UDP/81", (from, to) -> true);
        check(engine, policy, "UDP/80", (from, to) -> !ns(to).equals("x"));
        check(engine, policy, "TCP/81", (from, to) -> !ns(to).equals("x"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "indexed"})
    void egressAllowListToOneNamespace(String engine) throws Exception {
        // x/a may only talk to pods in z; replies of its connections come back through conntrack.
        check(engine, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: egress-to-z, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress:
                  - to: [{namespaceSelector: {matchLabels: {ns: z}}}]
                """, "TCP/80", (from, to) -> !from.equals("x/a") || ns(to).equals("z"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "indexed"})
    void podSelectorPeerOnlySeesThePolicysNamespace(String engine) throws Exception {
        // "should enforce policy to allow traffic only from a pod in a different namespace based on
        // PodSelector and NamespaceSelector" counterpart: podSelector alone is x's b only.
        check(engine, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-pod-b, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from: [{podSelector: {matchLabels: {pod: b}}}]
                """, "TCP/80", (from, to) -> !to.equals("x/a") || from.equals("x/b"));
        // An allow-all rule ({} from) next to it makes x/a open again (union of policies).
        check(engine, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-pod-b, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from: [{podSelector: {matchLabels: {pod: b}}}]
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-all, namespace: x}
                spec:
                  podSelector: {}
                  ingress: [{}]
                """, "TCP/80", (from, to) -> true);
    }
}
