package dev.podlab.cli;

import dev.podlab.capture.PcapngWriter;
import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.NodeViews;
import dev.podlab.cluster.Probe;
import dev.podlab.cluster.RecordingSink;
import dev.podlab.cluster.lab.Lab;
import dev.podlab.cluster.lab.LabRunner;
import dev.podlab.cluster.model.Topology;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.cluster.yaml.TopologyLoader;
import dev.podlab.packet.Packet;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.JsonWriter;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.Tracer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The commands that build a cluster from topology files: probe, show, lab. */
final class ClusterCommands {
    private ClusterCommands() {}

    /** Loads and builds; on a bad file, one line on stderr and exit status 2. */
    static Cluster build(List<Path> files, RecordingSink sink) {
        Topology topology = TopologyLoader.load(files);
        Simulator sim = new Simulator(topology.cluster().seed());
        return Cluster.build(topology, sim, new Tracer(sim, sink));
    }

    @Command(name = "probe", sortOptions = false,
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
                for (String w : cluster.warnings()) {
                    err.println("podlab probe: warning: " + w);
                }
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

    @Command(name = "show", description = {"Print a node's or a pod's state as ip, bridge, iptables-save, conntrack do.", "",
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

    @Command(name = "lab", description = {"Run a lab: a topology plus steps, with expectations checked.", "",
            "Steps: note, probe (with an expected verdict), show, apply, delete, label.",
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
