package dev.podlab.bench;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.model.NetworkPolicySpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.policy.NetworkPolicies;
import dev.podlab.policy.PolicyEvaluator;
import dev.podlab.policy.PolicyEvaluator.Pod;
import dev.podlab.policy.PolicyIndex;
import dev.podlab.policy.Protocol;
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
 * The ipBlock walk of the index on the two egress allow lists most clusters write: a pod's
 * egress to the Service range ({@code 10.96.0.0/12}) and to "the internet" ({@code 0.0.0.0/0}
 * except the private ranges), asked for 1,024 destinations of which a quarter are outside the
 * private ranges and the rest pod addresses in {@code 10.244.0.0/16}: the addresses a pod's
 * connections go to, walked against a prefix they mostly leave after a few bits.
 *
 * <p>Run: {@code mvn -q -Pbench test-compile exec:exec -Dbench.args="IpBlockWalkBench -f 2 -wi 3 -i 5 -w 1s -r 1s"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IpBlockWalkBench {
    @Param({"service-range", "internet"})
    String blocks;

    private PolicyIndex index;
    private int client;
    private final int[] destinations = new int[1024];
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        List<PolicyEvaluator.Node> nodes = List.of(new PolicyEvaluator.Node("n1", List.of(192 << 24 | 168 << 16 | 1)));
        index = new PolicyIndex(nodes);
        index.upsertNamespace(new NamespaceSpec("ns", Map.of(), Source.NONE));
        client = 10 << 24 | 244 << 16 | 1 << 8 | 10;
        index.upsertPod(new Pod("ns", "client", Map.of("app", "client"), client, "n1",
                List.of(new ContainerPort("http", 80, "TCP"))));
        String to = blocks.equals("internet")
                ? "{cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}"
                : "{cidr: 10.96.0.0/12}";
        String spec = "podSelector: {matchLabels: {app: client}}\npolicyTypes: [Egress]\negress:\n- to:\n  - ipBlock: " + to + "\n";
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) new Yaml().load(spec);
        index.upsertPolicy(NetworkPolicies.parse(new NetworkPolicySpec("ns", "egress", m, Source.NONE)));
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < destinations.length; i++) {
            destinations[i] = i % 4 == 0 ? (r.nextInt(100) + 1) << 24 | r.nextInt(1 << 24)
                    : 10 << 24 | 244 << 16 | r.nextInt(1 << 16);
        }
    }

    @Benchmark
    public boolean egressAllowed() {
        next = (next + 1) & 1023;
        return index.egressAllowed(client, destinations[next], Protocol.TCP.number(), 443);
    }
}
