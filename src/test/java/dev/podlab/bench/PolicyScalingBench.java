package dev.podlab.bench;

import dev.podlab.policy.bench.PolicyScaling;
import dev.podlab.policy.bench.PolicyWorkload;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * NetworkPolicy rule-set scaling on one node of a 10,000-pod cluster ({@link PolicyWorkload}:
 * 100 pods per node and per namespace), the first packet of a connection to a pod of node 0:
 * <ul>
 *   <li>{@code iptables}: Felix's filter-table chains walked by the emulated {@code ipt_do_table};</li>
 *   <li>{@code indexedChains}: the same chains with the policy section one {@code -m bpf} rule
 *       calling {@link dev.podlab.policy.PolicyIndex} ({@code engine: indexed});</li>
 *   <li>{@code indexed}: the index alone.</li>
 * </ul>
 * Each call classifies the next of 1,024 generated queries (allowed and denied mixed), so the
 * figure is a mean over them. {@code shape}: {@code APPS} (realistic multi-team policies) or
 * {@code ONE_APP} (every policy selects the same pods: the worst case for a rule-by-rule walk).
 * {@code port}: {@code all} for the whole mix, or one destination port (80, 443, 8080, 5432, 53,
 * 9999) to time only the queries for it: the paths through the index differ by port (none of a
 * pod's rules, a selector set probed, an ipBlock trie walked).
 *
 * <p>Run: {@code mvn -q -Pbench test-compile exec:exec -Dbench.args="PolicyScalingBench -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyScalingBench {
    @Param({"10", "100", "1000", "10000"})
    int policies;

    @Param({"APPS", "ONE_APP"})
    String shape;

    @Param({"all"})
    String port;

    private PolicyScaling.Setup setup;
    /**
     * One port's queries, repeated to fill 1,024 slots; null for all of them, taken in order
     * without this indirection (as the figures of earlier rounds were measured).
     */
    private int[] queries;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        PolicyWorkload w = PolicyWorkload.generate(policies, 10_000, PolicyWorkload.Shape.valueOf(shape), 1);
        setup = new PolicyScaling.Setup(w);
        if (port.equals("all")) {
            return;
        }
        int p = Integer.parseInt(port);
        int[] some = IntStream.range(0, w.queries().size()).filter(i -> w.queries().get(i).port() == p).toArray();
        if (some.length == 0) {
            throw new IllegalArgumentException("no query for port " + port);
        }
        queries = new int[1024];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = some[i % some.length];
        }
    }

    private int query() {
        next = (next + 1) & 1023;
        return queries == null ? next : queries[next];
    }

    @Benchmark
    public boolean iptables() {
        return setup.iptables(query());
    }

    @Benchmark
    public boolean indexedChains() {
        return setup.indexedChains(query());
    }

    @Benchmark
    public boolean indexed() {
        return setup.indexed(query());
    }
}
