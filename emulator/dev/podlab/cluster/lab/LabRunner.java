package dev.podlab.cluster.lab;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.Matrix;
import dev.podlab.cluster.NodeViews;
import dev.podlab.cluster.Probe;
import dev.podlab.cluster.RecordingSink;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.model.NetworkPolicySpec;
import dev.podlab.cluster.model.PodSpec;
import dev.podlab.cluster.model.ServiceSpec;
import dev.podlab.cluster.model.Topology;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.cluster.yaml.LoadedObjects;
import dev.podlab.cluster.yaml.TopologyLoader;
import dev.podlab.policy.ClusterPolicies;
import dev.podlab.policy.PolicyEvaluator;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.Tracer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link Lab}: loads its topology, builds the cluster, then performs the steps in order,
 * printing each with its outcome. An expectation that does not hold is printed as FAIL and
 * counted; the run goes on, so a learner sees every step.
 */
public final class LabRunner {
    private final PrintWriter out;
    private final boolean color;
    private final boolean showHops;

    /**
     * @param color    ANSI colours (when writing to a terminal)
     * @param showHops print every probe's hop-by-hop path, not only failing ones
     */
    public LabRunner(PrintWriter out, boolean color, boolean showHops) {
        this.out = out;
        this.color = color;
        this.showHops = showHops;
    }

    /** Runs the lab; returns the number of failed expectations. */
    public int run(Lab lab) {
        List<Path> files = new ArrayList<>();
        for (String f : lab.topology()) {
            files.add(lab.file().getParent() == null ? Path.of(f) : lab.file().getParent().resolve(f));
        }
        Topology topology = TopologyLoader.load(files);
        Simulator sim = new Simulator(topology.cluster().seed());
        RecordingSink recorder = new RecordingSink();
        Cluster cluster = Cluster.build(topology, sim, new Tracer(sim, recorder));
        heading(lab.title() != null ? lab.title() : lab.name());
        for (String w : cluster.warnings()) {
            out.println(paint("33", "warning: ") + w);
        }
        out.println("cluster " + topology.cluster().name() + ": " + cluster.nodes().size() + " nodes, "
                + cluster.pods().size() + " pods, " + cluster.services().size() + " services ("
                + topology.cluster().cni() + ")");
        int failures = 0;
        int n = 0;
        for (Lab.Step step : lab.steps()) {
            n++;
            int warned = cluster.warnings().size();
            try {
                failures += step(cluster, recorder, step, n);
                // What the cluster said while the step ran (a policy its CNI does not enforce).
                for (String w : cluster.warnings().subList(warned, cluster.warnings().size())) {
                    out.println("       " + paint("33", "warning: ") + w);
                }
            } catch (TopologyException | IllegalArgumentException | IllegalStateException e) {
                if (step.expectError() != null && e.getMessage() != null && e.getMessage().contains(step.expectError())) {
                    out.println(prefix(n) + step.summary() + "\n       " + paint("36", "error (expected): ") + e.getMessage());
                    out.println("       " + paint("32", "PASS"));
                } else {
                    out.println(prefix(n) + step.summary() + "\n       " + paint("31", "error: ") + e.getMessage());
                    failures++;
                }
            }
        }
        out.println();
        out.println(failures == 0 ? paint("32", "lab passed") + ": " + lab.steps().size() + " steps"
                : paint("31", "lab failed") + ": " + failures + " of " + lab.steps().size() + " steps did not go as expected");
        out.flush();
        return failures;
    }

    private int step(Cluster cluster, RecordingSink recorder, Lab.Step step, int n) {
        switch (step.kind()) {
            case "note" -> {
                out.println();
                for (String line : step.text().strip().split("\n")) {
                    out.println("  " + paint("2", "│ ") + line);
                }
                out.println();
                return 0;
            }
            case "probe" -> {
                Probe.Result r = Probe.run(cluster, step.probe(), recorder);
                boolean ok = step.expect() == null || step.expect().equals(r.verdict());
                out.println(prefix(n) + "probe " + step.probe().from() + " -> " + r.target() + " " + r.protocol()
                        + (r.protocol().equals("icmp") ? "" : "/" + r.port()) + ": " + paint(ok ? "32" : "31", r.verdict())
                        + (step.expect() == null ? "" : ok ? "  " + paint("32", "PASS") : "  " + paint("31", "FAIL")
                        + " (expected " + step.expect() + ")"));
                out.println("       " + r.reason());
                if (showHops || step.hops() || !ok) {
                    hops(r.hops());
                }
                return ok ? 0 : 1;
            }
            case "matrix" -> {
                Lab.MatrixStep m = step.matrix();
                Matrix expected = m.expected();
                List<String> pods = !m.pods().isEmpty() ? m.pods() : expected != null ? expected.pods() : Matrix.allPods(cluster);
                Matrix observed = Matrix.run(cluster, pods, m.port(), m.timeoutNs());
                List<Matrix.Difference> diffs = expected == null ? List.of() : expected.differences(observed);
                out.println(prefix(n) + "matrix " + m.port() + ", " + pods.size() + " pods" + (expected == null ? ""
                        : diffs.isEmpty() ? "  " + paint("32", "PASS") : "  " + paint("31", "FAIL") + " (" + diffs.size()
                        + " of " + pods.size() * pods.size() + " cells differ)"));
                if (diffs.isEmpty()) {
                    grid(observed);
                    return 0;
                }
                out.println("       expected:");
                grid(expected);
                out.println("       observed:");
                grid(observed);
                out.println("       differences:");
                for (Matrix.Difference d : diffs) {
                    out.println("         " + paint("31", d.toString()));
                }
                return 1;
            }
            case "explain" -> {
                Lab.ExplainStep x = step.explain();
                ClusterPolicies state = ClusterPolicies.of(cluster);
                for (String w : state.warnings()) {
                    out.println("       " + paint("33", "warning: ") + w);
                }
                PolicyEvaluator.Explanation e = state.explain(x.from(), x.to(), x.port(), x.proto());
                String text = state.describe(e);
                String verdict = e.allowed() ? "allowed" : "denied";
                boolean ok = (step.expect() == null || step.expect().equals(verdict))
                        && (step.expectContains() == null || text.contains(step.expectContains()));
                boolean checked = step.expect() != null || step.expectContains() != null;
                out.println(prefix(n) + "explain " + x.from() + " -> " + x.to() + " " + e.protocol() + "/" + e.port() + ": "
                        + verdict + (!checked ? "" : ok ? "  " + paint("32", "PASS") : "  " + paint("31", "FAIL")
                        + (step.expect() != null ? " (expected " + step.expect() + ")" : "")
                        + (step.expectContains() != null ? " (expected to contain \"" + step.expectContains() + "\")" : "")));
                // the first line (the verdict) is the step's line above
                for (String line : text.substring(text.indexOf('\n') + 1).split("\n")) {
                    out.println("     " + line);
                }
                return ok ? 0 : 1;
            }
            case "show" -> {
                String text = NodeViews.show(cluster, step.target(), step.view());
                out.println(prefix(n) + "show " + step.target() + " " + step.view());
                for (String line : text.split("\n")) {
                    out.println("       " + line);
                }
                if (step.expectContains() != null) {
                    boolean ok = text.contains(step.expectContains());
                    out.println("       " + (ok ? paint("32", "PASS") : paint("31", "FAIL") + " (expected to contain \""
                            + step.expectContains() + "\")"));
                    return ok ? 0 : 1;
                }
                return 0;
            }
            case "apply" -> {
                // Padded to its place in the lab file, so every error names a line of the lab file.
                LoadedObjects objs = TopologyLoader.objects("\n".repeat(Math.max(0, step.source().line() - 1))
                        + step.text(), step.source().file(), cluster.namespaces().keySet());
                for (NamespaceSpec ns : objs.namespaces()) {
                    cluster.applyNamespace(ns);
                }
                for (PodSpec p : objs.pods()) {
                    cluster.addPod(p);
                }
                for (NetworkPolicySpec p : objs.networkPolicies()) {
                    cluster.applyNetworkPolicy(p);
                }
                for (ServiceSpec s : objs.services()) {
                    cluster.applyService(s);
                }
                cluster.syncServices();
                out.println(prefix(n) + "apply: " + describe(objs));
                for (String w : objs.warnings()) {
                    out.println("       " + paint("33", "warning: ") + w);
                }
                if (!objs.refused().isEmpty()) {
                    // kubectl apply -f: the valid objects are in; the first refusal is the step's error.
                    throw new IllegalArgumentException(objs.refused().get(0));
                }
                return expectNoError(step, n);
            }
            case "delete" -> {
                String[] nsName = step.name().split("/", 2);
                boolean deleted = switch (step.objectKind()) {
                    case "Pod" -> cluster.deletePod(step.name());
                    case "Service" -> cluster.deleteService(step.name());
                    case "NetworkPolicy" -> cluster.deleteNetworkPolicy(nsName[0], nsName[1]);
                    default -> throw new IllegalArgumentException("delete: kind \"" + step.objectKind()
                            + "\" is not one of Pod, Service, NetworkPolicy");
                };
                if (!deleted) {
                    throw new IllegalArgumentException(step.objectKind().toLowerCase() + "s \"" + step.name() + "\" not found");
                }
                out.println(prefix(n) + "delete " + step.objectKind() + " " + step.name());
                return 0;
            }
            case "label" -> {
                for (Map.Entry<String, String> e : step.labels().entrySet()) {
                    if (step.labelPod() != null) {
                        if (cluster.pod(step.labelPod()) == null) {
                            throw new IllegalArgumentException("pods \"" + step.labelPod() + "\" not found");
                        }
                        cluster.labelPod(step.labelPod(), e.getKey(), e.getValue());
                    } else {
                        if (!cluster.namespaces().containsKey(step.labelNamespace())) {
                            throw new IllegalArgumentException("namespaces \"" + step.labelNamespace() + "\" not found");
                        }
                        cluster.labelNamespace(step.labelNamespace(), e.getKey(), e.getValue());
                    }
                }
                out.println(prefix(n) + "label " + (step.labelPod() != null ? "pod " + step.labelPod()
                        : "namespace " + step.labelNamespace()) + " " + step.labels());
                return 0;
            }
            default -> throw new IllegalArgumentException("unknown step kind " + step.kind());
        }
    }

    private int expectNoError(Lab.Step step, int n) {
        if (step.expectError() != null) {
            out.println("       " + paint("31", "FAIL") + " (expected the error \"" + step.expectError() + "\")");
            return 1;
        }
        return 0;
    }

    private static String describe(LoadedObjects objs) {
        List<String> parts = new ArrayList<>();
        objs.namespaces().forEach(ns -> parts.add("namespace/" + ns.name()));
        objs.pods().forEach(p -> parts.add("pod/" + p.qualifiedName()));
        objs.services().forEach(s -> parts.add("service/" + s.qualifiedName()));
        objs.networkPolicies().forEach(p -> parts.add("networkpolicy/" + p.namespace() + "/" + p.name()));
        return parts.isEmpty() ? "nothing" : String.join(", ", parts);
    }

    private void hops(List<TraceEvent> hops) {
        for (TraceEvent e : hops) {
            out.println("         " + paint("2", TraceEvent.formatSeconds(e.timeNs())) + "  "
                    + e.node() + (e.netns().isEmpty() ? "" : "/" + e.netns()) + (e.device().isEmpty() ? "" : " " + e.device())
                    + "  " + e.step().name() + "  " + (e.verdict() == dev.podlab.trace.Verdict.DROP
                    ? paint("31", "DROP " + e.reason().kernelName().replace("SKB_DROP_REASON_", "")) + " " : "")
                    + (e.detail() == null ? "" : e.detail()));
        }
    }

    private void grid(Matrix m) {
        for (String line : m.format().split("\n")) {
            out.println("         " + line);
        }
    }

    private void heading(String title) {
        out.println(paint("1", "== " + title + " =="));
    }

    private String prefix(int n) {
        return paint("1", String.format("%4d ", n)) + " ";
    }

    private String paint(String code, String text) {
        return color ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
    }
}
