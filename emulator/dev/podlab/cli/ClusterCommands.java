package dev.podlab.cli;

import dev.podlab.capture.PcapngWriter;
import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.Matrix;
import dev.podlab.cluster.NodeViews;
import dev.podlab.cluster.Probe;
import dev.podlab.cluster.RecordingSink;
import dev.podlab.cluster.lab.Lab;
import dev.podlab.cluster.lab.LabRunner;
import dev.podlab.cluster.model.Topology;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.cluster.yaml.TopologyLoader;
import dev.podlab.packet.Packet;
import dev.podlab.policy.ClusterPolicies;
import dev.podlab.policy.PolicyEvaluator;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.JsonWriter;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.Tracer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The commands that build a cluster from topology files: probe, matrix, explain, show, lab. */
final class ClusterCommands {
    private ClusterCommands() {}

    /** Prints each warning as {@code podlab COMMAND: warning: ...} on the error stream. */
    static void printWarnings(PrintWriter err, String command, List<String> warnings) {
        for (String w : warnings) {
            err.println("podlab " + command + ": warning: " + w);
        }
    }

    /** Loads and builds; on a bad file, one line on stderr and exit status 2. */
    static Cluster build(List<Path> files, RecordingSink sink) {
        Topology topology = TopologyLoader.load(files);
        Simulator sim = new Simulator(topology.cluster().seed());
        return Cluster.build(topology, sim, new Tracer(sim, sink));
    }

    @Command(name = "probe", mixinStandardHelpOptions = true, version = Main.VERSION, sortOptions = false,
            description = {"Probe from a pod through the cluster: verdict, reason, hop-by-hop path.", "",
                    "A real connection attempt (TCP connect, UDP request, SCTP association or ping) from the",
                    "client pod's namespace; the verdict is connected, refused, timed out, unreachable,",
                    "prohibited or dropped. Exit status 0 when connected, 1 otherwise, 2 for bad input."})
    static final class ProbeCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TOPOLOGY", arity = "1..*", description = "cluster and Kubernetes YAML files")
        List<Path> files;

        @Option(names = "--from", required = true, paramLabel = "NS/POD", description = "the client pod")
        String from;

        @Option(names = "--to", required = true, paramLabel = "TARGET",
                description = "NS/POD, NS/SERVICE, SERVICE.NS or an IPv4 address")
        String to;

        @Option(names = "--port", description = "destination port (default: the target's first port)")
        int port;

        @Option(names = "--proto", defaultValue = "tcp", description = "tcp, udp, sctp or icmp (default tcp)")
        String proto;

        @Option(names = "--timeout", defaultValue = "1s", description = "give up after this long, like wget --timeout (default 1s)")
        String timeout;

        @Option(names = "--pcap", paramLabel = "FILE", description = "write every device the packets crossed to a pcapng file")
        Path pcap;

        @Option(names = "--json", description = "print {\"verdict\", \"reason\", \"hops\": [...]} as JSON")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            PcapngWriter writer = null;
            try {
                RecordingSink sink = new RecordingSink();
                Cluster cluster = build(files, sink);
                printWarnings(err, "probe", cluster.warnings());
                if (pcap != null) {
                    PcapngWriter w = PcapngWriter.create(pcap);
                    writer = w;
                    cluster.network().capture((dev, timeNs, p) -> write(w, dev.netns().qualifiedName() + "/" + dev.name(),
                            dev.linkType(), timeNs, p));
                }
                long timeoutNs;
                try {
                    timeoutNs = Lab.parseDuration(timeout);
                } catch (IllegalArgumentException e) {
                    err.println("podlab probe: --timeout: " + e.getMessage());
                    return 2;
                }
                Probe.Result r = Probe.run(cluster, new Probe.Request(from, to, port, proto, timeoutNs), sink);
                if (json) {
                    StringBuilder sb = new StringBuilder();
                    JsonWriter w = new JsonWriter(sb).beginObject().name("verdict").value(r.verdict())
                            .name("reason").value(r.reason()).name("hops").beginArray();
                    for (TraceEvent e : r.hops()) {
                        w.beginObject().name("t_ns").value(e.timeNs()).name("node").value(e.node())
                                .name("netns").value(e.netns()).name("device").value(e.device())
                                .name("step").value(e.step().name()).name("verdict").value(e.verdict().name().toLowerCase())
                                .name("detail").value(e.detail() == null ? "" : e.detail());
                        if (e.reason() != null) {
                            w.name("drop_reason").value(e.reason().kernelName());
                        }
                        w.endObject();
                    }
                    w.endArray().endObject();
                    out.println(sb);
                } else {
                    out.println(r.verdict() + ": " + r.reason());
                    out.println("probe " + from + " -> " + r.target() + " " + r.protocol()
                            + (r.protocol().equals("icmp") ? "" : "/" + r.port()));
                    for (TraceEvent e : r.hops()) {
                        out.println("  " + TraceEvent.formatSeconds(e.timeNs()) + "  " + e.node()
                                + (e.netns().isEmpty() ? "" : "/" + e.netns()) + (e.device().isEmpty() ? "" : " " + e.device())
                                + "  " + e.step().name() + "  " + (e.reason() != null ? "DROP "
                                + e.reason().kernelName().replace("SKB_DROP_REASON_", "") + " " : "")
                                + (e.detail() == null ? "" : e.detail()));
                    }
                }
                return r.success() ? 0 : 1;
            } catch (TopologyException e) {
                err.println("podlab probe: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                err.println("podlab probe: " + e.getMessage());
                return 2;
            } finally {
                if (writer != null) {
                    try {
                        writer.close();
                    } catch (IOException e) {
                        err.println("podlab probe: " + pcap + ": " + e.getMessage());
                    }
                }
            }
        }

        private static void write(PcapngWriter w, String device, int linkType, long timeNs, Packet p) {
            try {
                int id = w.interfaceId(device);
                if (id < 0) {
                    id = w.addInterface(device, linkType);
                }
                w.writePacket(id, timeNs, p.buf(), p.start(), p.length(), p.length());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Command(name = "matrix", mixinStandardHelpOptions = true, version = Main.VERSION, sortOptions = false,
            description = {"Probe every pod from every pod: the truth table, as the Kubernetes netpol e2e tests print it.", "",
                    "Each cell is a real connection attempt (like probe) from the row's pod to the column's pod IP",
                    "on --port: '.' connected, 'X' not (refused, timed out, dropped...). Pods in name order, or",
                    "--pods. --expect compares with a table in the same form (or the --json form) and prints",
                    "the differing cells. Exit status 0, 1 when --expect differs, 2 for bad input."})
    static final class MatrixCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TOPOLOGY", arity = "1..*", description = "cluster and Kubernetes YAML files")
        List<Path> files;

        @Option(names = "--port", defaultValue = "TCP/80", paramLabel = "PROTO/PORT",
                description = "protocol (TCP, UDP, SCTP) and port to probe (default TCP/80)")
        String port;

        @Option(names = "--pods", split = ",", paramLabel = "NS/POD", description = "these pods only, in this order")
        List<String> pods;

        @Option(names = "--timeout", defaultValue = "1s", description = "each probe gives up after this long (default 1s)")
        String timeout;

        @Option(names = "--json", description = "print {\"port\", \"pods\", \"allowed\": [[...], ...]} (rows clients)")
        boolean json;

        @Option(names = "--expect", paramLabel = "FILE", description = "compare with this table; differences exit 1")
        Path expect;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                Matrix.Port p;
                long timeoutNs;
                try {
                    p = Matrix.Port.parse(port);
                } catch (IllegalArgumentException e) {
                    err.println("podlab matrix: --port: " + e.getMessage());
                    return 2;
                }
                try {
                    timeoutNs = Lab.parseDuration(timeout);
                } catch (IllegalArgumentException e) {
                    err.println("podlab matrix: --timeout: " + e.getMessage());
                    return 2;
                }
                Matrix expected = null;
                if (expect != null) {
                    String text;
                    try {
                        text = Files.readString(expect, StandardCharsets.UTF_8);
                    } catch (NoSuchFileException e) {
                        err.println("podlab matrix: --expect: " + expect + ": no such file");
                        return 2;
                    } catch (IOException e) {
                        err.println("podlab matrix: --expect: " + expect + ": " + e.getMessage());
                        return 2;
                    }
                    expected = Matrix.parse(text, expect.toString());
                }
                Cluster cluster = build(files, new RecordingSink());
                printWarnings(err, "matrix", cluster.warnings());
                List<String> names = pods != null && !pods.isEmpty() ? pods
                        : expected != null ? expected.pods() : Matrix.allPods(cluster);
                Matrix.checkPods(cluster, names, pods != null && !pods.isEmpty() ? "--pods" : expected != null
                        ? "--expect: " + expect : "matrix");
                if (expected != null && !expected.pods().equals(names)) {
                    err.println("podlab matrix: --expect: " + expect + ": the table names the pods " + expected.pods()
                            + ", --pods " + names);
                    return 2;
                }
                Matrix observed = Matrix.run(cluster, names, p, timeoutNs);
                out.println(json ? observed.toJson() : observed.format());
                if (expected == null) {
                    return 0;
                }
                List<Matrix.Difference> diffs = expected.differences(observed);
                PrintWriter report = json ? err : out;
                if (diffs.isEmpty()) {
                    if (!json) {
                        out.println("as expected (" + expect + ")");
                    }
                    return 0;
                }
                report.println(diffs.size() + " of " + names.size() * names.size() + " cells differ from " + expect + ":");
                for (Matrix.Difference d : diffs) {
                    report.println(d);
                }
                return 1;
            } catch (TopologyException e) {
                out.flush();
                err.println("podlab matrix: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true, version = Main.VERSION, sortOptions = false,
            description = {"Explain the NetworkPolicy verdict on a connection, rule by rule.", "",
                    "For each side, the policies selecting the pod and the rule that allows the connection, or",
                    "why none does.",
                    "Egress is judged at the source, ingress at the destination, by the reference evaluator on",
                    "the cluster's policies, pods, labels and node addresses (not by a probe).",
                    "Exit status 0 when allowed, 1 when denied, 2 for bad input."})
    static final class ExplainCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TOPOLOGY", arity = "1..*", description = "cluster and Kubernetes YAML files")
        List<Path> files;

        @Option(names = "--from", required = true, paramLabel = "NS/POD|IP", description = "the client: a pod or an address")
        String from;

        @Option(names = "--to", required = true, paramLabel = "NS/POD|IP", description = "the server: a pod or an address")
        String to;

        @Option(names = "--port", paramLabel = "N", description = "destination port (default: the server pod's first port, else 80)")
        String port;

        @Option(names = "--proto", defaultValue = "tcp", description = "tcp, udp or sctp (default tcp)")
        String proto;

        @Option(names = "--json", description = "one JSON object: allowed, from, to, protocol, port, egress, ingress")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                Cluster cluster = build(files, new RecordingSink());
                printWarnings(err, "explain", cluster.warnings());
                ClusterPolicies state = ClusterPolicies.of(cluster);
                printWarnings(err, "explain", state.warnings());
                int n = 0;
                if (port != null) {
                    n = port.matches("\\d{1,5}") ? Integer.parseInt(port) : -1;
                    if (n < 1 || n > 65535) {
                        err.println("podlab explain: --port: Invalid value: \"" + port
                                + "\": must be between 1 and 65535, inclusive");
                        return 2;
                    }
                }
                PolicyEvaluator.Explanation e = state.explain(from, to, n, proto);
                out.println(json ? state.json(e) : state.describe(e));
                return e.allowed() ? 0 : 1;
            } catch (TopologyException e) {
                err.println("podlab explain: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, version = Main.VERSION, description = {"Print a node's or a pod's state as ip, bridge, iptables-save, conntrack do.", "",
            "VIEW: routes, neigh, fdb, links, addr, bridge, iptables, ipsets, conntrack, counters"})
    static final class ShowCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ARGS", arity = "3..*", description = "TOPOLOGY... NODE|NS/POD VIEW")
        List<String> args;

        @Override
        public Integer call() {
            try {
                List<Path> files = args.subList(0, args.size() - 2).stream().map(Path::of).toList();
                Cluster cluster = build(files, new RecordingSink());
                String text = NodeViews.show(cluster, args.get(args.size() - 2), args.get(args.size() - 1));
                spec.commandLine().getOut().print(text);
                return 0;
            } catch (TopologyException e) {
                spec.commandLine().getErr().println("podlab show: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "lab", mixinStandardHelpOptions = true, version = Main.VERSION, description = {"Run a lab: a topology plus steps, with expectations checked.", "",
            "Steps: note, probe (with an expected verdict), matrix (with an expected truth table), explain,",
            "show, apply, delete, label.",
            "Exit status 1 when an expectation fails, 2 for a bad lab or topology file."})
    static final class LabCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "LABFILE", description = "the lab YAML file")
        Path file;

        @Option(names = "--hops", description = "print every probe's path, not only failing ones")
        boolean hops;

        @Option(names = "--color", description = "colour: auto (when a terminal), always, never", defaultValue = "auto")
        String color;

        @Override
        public Integer call() {
            try {
                Lab lab = Lab.load(file);
                boolean c = color.equals("always") || (color.equals("auto") && System.console() != null
                        && System.getenv("NO_COLOR") == null);
                int failures = new LabRunner(spec.commandLine().getOut(), c, hops).run(lab);
                return failures == 0 ? 0 : 1;
            } catch (TopologyException e) {
                spec.commandLine().getOut().flush();
                spec.commandLine().getErr().println("podlab lab: " + e.getMessage());
                return 2;
            }
        }
    }
}
