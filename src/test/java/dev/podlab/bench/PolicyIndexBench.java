package dev.podlab.bench;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.model.NetworkPolicySpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.policy.NetworkPolicies;
import dev.podlab.policy.NetworkPolicy;
import dev.podlab.policy.PolicyEvaluator;
import dev.podlab.policy.PolicyEvaluator.Pod;
import dev.podlab.policy.PolicyIndex;
import dev.podlab.policy.Protocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.yaml.snakeyaml.Yaml;

/**
 * NetworkPolicy verdicts as policies grow: 100 namespaces of 10 pods ({@code app=a0..a9}),
 * {@code policies} policies spread over them, each selecting one app and allowing TCP 80-90 from
 * a namespace-and-pod selector peer and an ipBlock with an except.
 * <ul>
 *   <li>{@code indexAllowed}: {@link PolicyIndex#allowed} for a connection between two selected
 *       pods (allocation-free: check with {@code -prof gc});</li>
 *   <li>{@code evaluatorAllowed}: the reference {@link PolicyEvaluator}, linear in the policies;</li>
 *   <li>{@code relabelPod}: one pod's labels flip back and forth: the incremental update.</li>
 * </ul>
 *
 * <p>Run: {@code mvn -q -Pbench test-compile exec:exec -Dbench.args="PolicyIndexBench -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyIndexBench {
    private static final int NAMESPACES = 100;
    private static final int PODS_PER_NAMESPACE = 10;

    @Param({"10", "1000", "10000"})
    int policies;

    private PolicyIndex index;
    private PolicyEvaluator evaluator;
    private Pod client;
    private Pod server;
    private Pod flipping;
    private Pod flipped;
    private boolean flip;

    private static int ip(int namespace, int pod) {
        return 10 << 24 | 244 << 16 | namespace << 8 | (pod + 10);
    }

    @Setup(Level.Trial)
    public void setUp() {
        List<PolicyEvaluator.Node> nodes = List.of(new PolicyEvaluator.Node("n1", List.of(192 << 24 | 168 << 16 | 1)));
        List<NamespaceSpec> namespaces = new ArrayList<>();
        List<Pod> pods = new ArrayList<>();
        for (int n = 0; n < NAMESPACES; n++) {
            namespaces.add(new NamespaceSpec("ns" + n, Map.of("team", "t" + n % 10), Source.NONE));
            for (int p = 0; p < PODS_PER_NAMESPACE; p++) {
                pods.add(new Pod("ns" + n, "p" + p, Map.of("app", "a" + p), ip(n, p), "n1",
                        List.of(new ContainerPort("http", 80, "TCP"))));
            }
        }
        List<NetworkPolicy> list = new ArrayList<>();
        for (int i = 0; i < policies; i++) {
            String spec = "podSelector: {matchLabels: {app: a" + i % PODS_PER_NAMESPACE + "}}\n"
                    + "ingress:\n- from:\n  - namespaceSelector: {matchLabels: {team: t" + i % 10 + "}}\n"
                    + "    podSelector: {matchLabels: {app: a" + (i + 1) % PODS_PER_NAMESPACE + "}}\n"
                    + "  - ipBlock: {cidr: 172.16.0.0/12, except: [172.16." + i % 256 + ".0/24]}\n"
                    + "  ports: [{port: 80, endPort: 90}]\n";
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) new Yaml().load(spec);
            list.add(NetworkPolicies.parse(new NetworkPolicySpec("ns" + i % NAMESPACES, "np" + i, m, Source.NONE)));
        }
        index = new PolicyIndex(nodes);
        namespaces.forEach(index::upsertNamespace);
        pods.forEach(index::upsertPod);
        list.forEach(index::upsertPolicy);
        evaluator = new PolicyEvaluator(namespaces, pods, nodes, list);
        // ns0/p0 (app=a0) is selected by np0 (from team=t0 pods with app=a1): ns10/p1 is allowed.
        server = pods.get(0);
        client = pods.get(10 * PODS_PER_NAMESPACE + 1);
        flipping = pods.get(5 * PODS_PER_NAMESPACE + 3);
        flipped = new Pod(flipping.namespace(), flipping.name(), Map.of("app", "a4"), flipping.ip(), flipping.node(),
                flipping.ports());
        if (!index.allowed(client.ip(), server.ip(), Protocol.TCP.number(), 80)
                || !evaluator.allowed(client, server, Protocol.TCP, 80)) {
            throw new IllegalStateException("the benchmark connection must be allowed");
        }
    }

    @Benchmark
    public boolean indexAllowed() {
        return index.allowed(client.ip(), server.ip(), Protocol.TCP.number(), 80);
    }

    @Benchmark
    public boolean evaluatorAllowed() {
        return evaluator.allowed(client, server, Protocol.TCP, 80);
    }

    @Benchmark
    public int relabelPod() {
        flip = !flip;
        index.upsertPod(flip ? flipped : flipping);
        return index.podCount();
    }
}
