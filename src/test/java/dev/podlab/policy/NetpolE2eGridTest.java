package dev.podlab.policy;

import static dev.podlab.policy.Protocol.TCP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.policy.PolicyEvaluator.Node;
import dev.podlab.policy.PolicyEvaluator.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The layout of Kubernetes' network policy e2e suite (test/e2e/network/netpol/network_policy.go):
 * namespaces x, y, z labelled {@code ns=<name>}, pods a, b, c in each labelled {@code pod=<name>},
 * each serving TCP 80 and 81. For a few of its policies the 9×9 truth table from the evaluator is
 * compared with the reachability the upstream test states ({@code NewReachability(allPods, true)}
 * then its {@code Expect...} calls). The expected grids are written by hand from those
 * descriptions, in the suite's own printout convention: rows are clients, columns servers,
 * {@code .} reachable, {@code X} not.
 */
class NetpolE2eGridTest {
    private static final List<String> NAMESPACES = List.of("x", "y", "z");
    private static final List<String> PODS = List.of("a", "b", "c");

    private final List<Pod> pods = new ArrayList<>();
    private final List<NamespaceSpec> namespaces = new ArrayList<>();

    NetpolE2eGridTest() {
        for (int n = 0; n < NAMESPACES.size(); n++) {
            String ns = NAMESPACES.get(n);
            namespaces.add(new NamespaceSpec(ns, Map.of("ns", ns, PolicyEvaluator.NAMESPACE_NAME_LABEL, ns), Source.NONE));
            for (int p = 0; p < PODS.size(); p++) {
                String name = PODS.get(p);
                int ip = 10 << 24 | 244 << 16 | (n + 1) << 8 | (p + 10);
                pods.add(new Pod(ns, name, Map.of("pod", name), ip, "n" + (p % 2 + 1),
                        List.of(new ContainerPort("serve-80-tcp", 80, "TCP"), new ContainerPort("serve-81-tcp", 81, "TCP"))));
            }
        }
    }

    private String grid(List<NetworkPolicy> policies, int port) {
        PolicyEvaluator e = new PolicyEvaluator(namespaces, pods, List.of(new Node("n1", List.of(0xc0a8010b)),
                new Node("n2", List.of(0xc0a8010c))), policies);
        StringBuilder sb = new StringBuilder("-");
        pods.forEach(p -> sb.append(' ').append(p.qualifiedName()));
        for (Pod from : pods) {
            sb.append('\n').append(from.qualifiedName());
            for (Pod to : pods) {
                sb.append("   ").append(e.allowed(from, to, TCP, port) ? '.' : 'X');
            }
        }
        return sb.toString();
    }

    private static NetworkPolicy x(String name, String spec) {
        return Specs.policy("x", name, spec);
    }

    @Test
    void defaultDenyIngress() {
        // "should support a 'default-deny-ingress' policy": podSelector {}, policyTypes [Ingress] in x;
        // ExpectPeer(all, x/*, false), AllowLoopback. Both ports.
        List<NetworkPolicy> p = List.of(x("deny-ingress", "podSelector: {}\npolicyTypes: [Ingress]"));
        String want = """
                - x/a x/b x/c y/a y/b y/c z/a z/b z/c
                x/a   .   X   X   .   .   .   .   .   .
                x/b   X   .   X   .   .   .   .   .   .
                x/c   X   X   .   .   .   .   .   .   .
                y/a   X   X   X   .   .   .   .   .   .
                y/b   X   X   X   .   .   .   .   .   .
                y/c   X   X   X   .   .   .   .   .   .
                z/a   X   X   X   .   .   .   .   .   .
                z/b   X   X   X   .   .   .   .   .   .
                z/c   X   X   X   .   .   .   .   .   .""";
        assertThat(grid(p, 80)).isEqualTo(want);
        assertThat(grid(p, 81)).isEqualTo(want);
    }

    @Test
    void defaultDenyAll() {
        // "should support a 'default-deny-all' policy": podSelector {}, ingress [], egress [],
        // policyTypes [Ingress, Egress] in x; ExpectPeer(all, x/*, false), ExpectPeer(x/*, all,
        // false), AllowLoopback.
        List<NetworkPolicy> p = List.of(x("deny-all", "podSelector: {}\ningress: []\negress: []\n"
                + "policyTypes: [Ingress, Egress]"));
        assertThat(grid(p, 80)).isEqualTo("""
                - x/a x/b x/c y/a y/b y/c z/a z/b z/c
                x/a   .   X   X   X   X   X   X   X   X
                x/b   X   .   X   X   X   X   X   X   X
                x/c   X   X   .   X   X   X   X   X   X
                y/a   X   X   X   .   .   .   .   .   .
                y/b   X   X   X   .   .   .   .   .   .
                y/c   X   X   X   .   .   .   .   .   .
                z/a   X   X   X   .   .   .   .   .   .
                z/b   X   X   X   .   .   .   .   .   .
                z/c   X   X   X   .   .   .   .   .   .""");
    }

    @Test
    void allowFromPodsWithinServerNamespaceByPodSelector() {
        // "should enforce policy to allow traffic from pods within server namespace based on
        // PodSelector": x-a-allows-x-b, podSelector pod=a, ingress from podSelector pod=b;
        // ExpectAllIngress(x/a, false), Expect(x/b, x/a, true), AllowLoopback.
        List<NetworkPolicy> p = List.of(x("x-a-allows-x-b", "podSelector: {matchLabels: {pod: a}}\n"
                + "ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]"));
        assertThat(grid(p, 80)).isEqualTo("""
                - x/a x/b x/c y/a y/b y/c z/a z/b z/c
                x/a   .   .   .   .   .   .   .   .   .
                x/b   .   .   .   .   .   .   .   .   .
                x/c   X   .   .   .   .   .   .   .   .
                y/a   X   .   .   .   .   .   .   .   .
                y/b   X   .   .   .   .   .   .   .   .
                y/c   X   .   .   .   .   .   .   .   .
                z/a   X   .   .   .   .   .   .   .   .
                z/b   X   .   .   .   .   .   .   .   .
                z/c   X   .   .   .   .   .   .   .   .""");
    }

    @Test
    void namespaceSelectorWithMatchExpressions() {
        // "should enforce policy based on NamespaceSelector with MatchExpressions": podSelector pod=a,
        // ingress from namespaceSelector {ns In [y]}; x/* and z/* -> x/a denied, AllowLoopback.
        List<NetworkPolicy> p = List.of(x("allow-ns-y-match-selector", "podSelector: {matchLabels: {pod: a}}\n"
                + "ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: In, values: [y]}]}}]}]"));
        assertThat(grid(p, 80)).isEqualTo("""
                - x/a x/b x/c y/a y/b y/c z/a z/b z/c
                x/a   .   .   .   .   .   .   .   .   .
                x/b   X   .   .   .   .   .   .   .   .
                x/c   X   .   .   .   .   .   .   .   .
                y/a   .   .   .   .   .   .   .   .   .
                y/b   .   .   .   .   .   .   .   .   .
                y/c   .   .   .   .   .   .   .   .   .
                z/a   X   .   .   .   .   .   .   .   .
                z/b   X   .   .   .   .   .   .   .   .
                z/c   X   .   .   .   .   .   .   .   .""");
    }

    @Test
    void podSelectorAndNamespaceSelector() {
        // "should enforce policy based on PodSelector and NamespaceSelector": one peer with
        // namespaceSelector {ns NotIn [x]} AND podSelector pod=b; only y/b and z/b reach x/a.
        List<NetworkPolicy> p = List.of(x("allow-ns-y-z-pod-b", "podSelector: {matchLabels: {pod: a}}\n"
                + "ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]},"
                + " podSelector: {matchLabels: {pod: b}}}]}]"));
        assertThat(grid(p, 80)).isEqualTo("""
                - x/a x/b x/c y/a y/b y/c z/a z/b z/c
                x/a   .   .   .   .   .   .   .   .   .
                x/b   X   .   .   .   .   .   .   .   .
                x/c   X   .   .   .   .   .   .   .   .
                y/a   X   .   .   .   .   .   .   .   .
                y/b   .   .   .   .   .   .   .   .   .
                y/c   X   .   .   .   .   .   .   .   .
                z/a   X   .   .   .   .   .   .   .   .
                z/b   .   .   .   .   .   .   .   .   .
                z/c   X   .   .   .   .   .   .   .   .""");
    }

    @Test
    void podSelectorOrNamespaceSelector() {
        // "should enforce policy based on PodSelector or NamespaceSelector": two peers,
        // namespaceSelector {ns NotIn [x]} OR podSelector pod=b (in x): all of y and z, and x/b.
        List<NetworkPolicy> p = List.of(x("allow-ns-y-z-or-pod-b", "podSelector: {matchLabels: {pod: a}}\n"
                + "ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}},"
                + " {podSelector: {matchLabels: {pod: b}}}]}]"));
        assertThat(grid(p, 80)).isEqualTo("""
                - x/a x/b x/c y/a y/b y/c z/a z/b z/c
                x/a   .   .   .   .   .   .   .   .   .
                x/b   .   .   .   .   .   .   .   .   .
                x/c   X   .   .   .   .   .   .   .   .
                y/a   .   .   .   .   .   .   .   .   .
                y/b   .   .   .   .   .   .   .   .   .
                y/c   .   .   .   .   .   .   .   .   .
                z/a   .   .   .   .   .   .   .   .   .
                z/b   .   .   .   .   .   .   .   .   .
                z/c   .   .   .   .   .   .   .   .   .""");
    }

    @Test
    void egressOnlyOnPort80FromX() {
        // Not an upstream case: the egress side on the same layout, expected grid reasoned from the
        // API semantics. x's pods may only open connections on TCP 80: rows x/* reach everything on
        // 80 and nothing on 81 but themselves (loopback).
        List<NetworkPolicy> p = List.of(x("egress-80", "podSelector: {}\npolicyTypes: [Egress]\n"
                + "egress: [{ports: [{port: 80}]}]"));
        assertThat(grid(p, 80)).doesNotContain("X");
        assertThat(grid(p, 81)).isEqualTo("""
                - x/a x/b x/c y/a y/b y/c z/a z/b z/c
                x/a   .   X   X   X   X   X   X   X   X
                x/b   X   .   X   X   X   X   X   X   X
                x/c   X   X   .   X   X   X   X   X   X
                y/a   .   .   .   .   .   .   .   .   .
                y/b   .   .   .   .   .   .   .   .   .
                y/c   .   .   .   .   .   .   .   .   .
                z/a   .   .   .   .   .   .   .   .   .
                z/b   .   .   .   .   .   .   .   .   .
                z/c   .   .   .   .   .   .   .   .   .""");
    }
}
