package dev.podlab.cli;

import dev.podlab.policy.bench.PolicyScaling;
import dev.podlab.policy.bench.PolicyWorkload;
import dev.podlab.policy.bench.ScalingPlot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code podlab bench}: measurements a user can run on their own machine. */
@Command(name = "bench", mixinStandardHelpOptions = true, version = Main.VERSION, description = "Measure how podlab's engines scale.",
        subcommands = {BenchCommand.Policy.class})
final class BenchCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "policy", mixinStandardHelpOptions = true, version = Main.VERSION, sortOptions = false, description = {
            "NetworkPolicy rule-set scaling on one node: the cost of classifying a connection's first packet by",
            "Felix's iptables chains (walked rule by rule), by the indexed engine behind a -m bpf rule, and by the",
            "index alone, for growing numbers of policies; plus index build, Felix rule load and pod relabel times.",
            "Prints a table and writes a PNG plot. Timings are a quick wall-clock loop (about --time-ms per",
            "classifier and size, after a warm-up); the JMH benchmark PolicyScalingBench gives the careful figures."})
    static final class Policy implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--policies", split = ",", paramLabel = "N,...", description = "policy counts (default 10,100,1000,10000)")
        List<Integer> policies = new ArrayList<>(List.of(10, 100, 1000, 10000));

        @Option(names = "--pods", paramLabel = "N", description = "pods in the cluster (default 10000; 100 per node)")
        int pods = 10000;

        @Option(names = "--shape", paramLabel = "apps|one-app|both", description = "workload shape (default both)")
        String shape = "both";

        @Option(names = "--plot", paramLabel = "FILE.png", description = "where the plot goes (default policy-scaling.png)")
        Path plot = Path.of("policy-scaling.png");

        @Option(names = "--time-ms", paramLabel = "MS", description = "measuring time per classifier and size (default 300)")
        long timeMs = 300;

        @Option(names = "--seed", description = "workload seed (default 1)")
        long seed = 1;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<PolicyWorkload.Shape> shapes = switch (shape) {
                case "apps" -> List.of(PolicyWorkload.Shape.APPS);
                case "one-app" -> List.of(PolicyWorkload.Shape.ONE_APP);
                case "both" -> List.of(PolicyWorkload.Shape.APPS, PolicyWorkload.Shape.ONE_APP);
                default -> null;
            };
            if (shapes == null) {
                err.println("podlab bench policy: --shape: Unsupported value: \"" + shape
                        + "\": supported values: \"apps\", \"one-app\", \"both\"");
                return 2;
            }
            for (int n : policies) {
                if (n < 1 || n > 100_000) {
                    err.println("podlab bench policy: --policies: Invalid value: " + n + ": must be between 1 and 100000");
                    return 2;
                }
            }
            if (pods < PolicyWorkload.PODS_PER_NAMESPACE || pods > 100_000) {
                err.println("podlab bench policy: --pods: Invalid value: " + pods + ": must be between "
                        + PolicyWorkload.PODS_PER_NAMESPACE + " and 100000");
                return 2;
            }
            out.printf("%-8s %8s %6s %13s %15s %9s %12s %12s %11s %10s %10s%n", "shape", "policies", "pods",
                    "iptables ns", "bpf+index ns", "index ns", "index build", "felix load", "relabel", "index heap",
                    "node rules");
            out.flush();
            List<PolicyScaling.Row> rows = PolicyScaling.run(shapes, policies, pods, seed, timeMs, r -> {
                out.printf("%-8s %8d %6d %13.1f %15.1f %9.1f %9.1f ms %9.1f ms %8.2f µs %6.1f MiB %10d%n", r.shape(),
                        r.policies(), r.pods(), r.iptablesNs(), r.indexedChainsNs(), r.indexedNs(), r.indexBuildMs(),
                        r.felixLoadMs(), r.relabelUs(), r.indexBytes() / 1048576.0, r.nodeRules());
                out.flush();
            });
            for (PolicyWorkload.Shape s : shapes) {
                String name = s.name().toLowerCase().replace('_', '-');
                List<PolicyScaling.Row> mine = rows.stream().filter(r -> r.shape().equals(name)).toList();
                PolicyScaling.Row first = mine.get(0);
                PolicyScaling.Row last = mine.get(mine.size() - 1);
                if (mine.size() > 1) {
                    out.printf("%s: from %,d to %,d policies the index costs %.2fx, the iptables chains %.1fx%n", name,
                            first.policies(), last.policies(), last.indexedNs() / first.indexedNs(),
                            last.iptablesNs() / first.iptablesNs());
                }
            }
            ScalingPlot.write(rows, plot);
            out.println("plot: " + plot);
            return 0;
        }
    }
}
