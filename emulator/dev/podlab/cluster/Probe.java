package dev.podlab.cluster;

import dev.podlab.apps.Outcome;
import dev.podlab.apps.Ping;
import dev.podlab.apps.SctpClient;
import dev.podlab.apps.TcpClient;
import dev.podlab.apps.UdpClient;
import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.ServicePortSpec;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.trace.DropReason;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A connectivity probe: a real connection attempt from a pod's namespace (a TCP connect like
 * {@code wget --timeout}, a UDP request like {@code nc -u}, an SCTP association, or a ping),
 * run through the emulated cluster until the application knows its outcome. The result carries
 * the verdict as the user would name it, the reason, and every trace event of the attempt.
 */
public final class Probe {
    /** What the user asked for. {@code port} 0: the target's first (container or Service) port. */
    public record Request(String from, String to, int port, String protocol, long timeoutNs) {}

    /** The probe's verdict, reason, resolved target and hop-by-hop trace. */
    public record Result(String verdict, String reason, String target, int address, int port, String protocol,
            List<TraceEvent> hops) {
        public boolean success() {
            return verdict.equals("connected");
        }
    }

    private Probe() {}

    /**
     * Runs a probe. The cluster must have been built with a {@link RecordingSink} tracer for the
     * hops to be recorded (the CLI does); otherwise the hop list is empty.
     */
    public static Result run(Cluster cluster, Request req, RecordingSink recorder) {
        ClusterPod from = cluster.pod(req.from());
        if (from == null) {
            throw new TopologyException(null, "probe --from: pod \"" + req.from() + "\" not found (write NAMESPACE/POD)");
        }
        Target t = resolve(cluster, req);
        if (recorder != null) {
            recorder.start();
        }
        long start = cluster.sim().now();
        long deadline = start + req.timeoutNs() + 1_000_000_000L;
        String proto = t.protocol;
        Outcome outcome = null;
        Ping ping = null;
        switch (proto) {
            case "icmp" -> ping = new Ping(from.netns(), t.address, 1 + (int) (start % 60000), 1, 1_000_000_000L);
            case "udp" -> {
                UdpClient c = new UdpClient(from.netns(), t.address, t.port, "podlab probe\n".getBytes(), req.timeoutNs());
                outcome = runUntil(cluster, deadline, c::outcome);
            }
            case "sctp" -> {
                SctpClient c = new SctpClient(from.netns(), t.address, t.port, req.timeoutNs());
                outcome = runUntil(cluster, deadline, c::outcome);
            }
            default -> {
                TcpClient c = new TcpClient(from.netns(), t.address, t.port, req.timeoutNs(), null);
                outcome = runUntil(cluster, deadline, c::outcome);
            }
        }
        String verdict;
        String reason;
        if (ping != null) {
            Ping p = ping;
            runUntil(cluster, start + req.timeoutNs(), () -> p.results().isEmpty() ? null : p.results().get(0));
            if (p.replies() > 0) {
                verdict = "connected";
                reason = "echo reply from " + Ipv4Address.toString(p.results().get(0).from());
            } else if (!p.results().isEmpty()) {
                Ping.Result r = p.results().get(0);
                verdict = r.icmpType() == Icmp4.DEST_UNREACH && (r.icmpCode() == Icmp4.NET_ANO
                        || r.icmpCode() == Icmp4.HOST_ANO || r.icmpCode() == Icmp4.PKT_FILTERED) ? "prohibited"
                        : "unreachable";
                reason = "ICMP " + Icmp4.describe(r.icmpType(), r.icmpCode()) + " from " + Ipv4Address.toString(r.from());
            } else {
                verdict = "timed out";
                reason = "no echo reply within " + seconds(req.timeoutNs());
            }
        } else if (outcome == null) {
            verdict = "timed out";
            reason = "no outcome within " + seconds(req.timeoutNs());
        } else {
            verdict = switch (outcome.verdict()) {
                case CONNECTED, ANSWERED -> "connected";
                case REFUSED -> "refused";
                case UNREACHABLE -> "unreachable";
                case PROHIBITED -> "prohibited";
                case TIMED_OUT -> "timed out";
            };
            reason = outcome.reason() != null ? outcome.reason() : outcome.toString();
        }
        List<TraceEvent> hops = recorder == null ? List.of() : recorder.stop();
        if (verdict.equals("timed out")) {
            // A silent loss: name the drop that caused it (the first one of the attempt).
            for (TraceEvent e : hops) {
                if (e.verdict() == Verdict.DROP && e.reason() != DropReason.LINK_LOSS) {
                    verdict = "dropped";
                    reason = e.reason().kernelName().replace("SKB_DROP_REASON_", "") + " at " + where(e)
                            + (e.detail() == null ? "" : ": " + e.detail());
                    PolicyEnforcer enforcer = cluster.policyEnforcer();
                    String why = enforcer == null ? null
                            : enforcer.explainDrop(cluster, e, from.ip(), t.address, protocolNumber(proto), t.port);
                    if (why != null) {
                        reason += " (" + why + ")";
                    }
                    break;
                }
            }
        }
        return new Result(verdict, reason, t.description, t.address, t.port, proto, hops);
    }

    private static int protocolNumber(String proto) {
        return switch (proto) {
            case "udp" -> IpProtocol.UDP;
            case "sctp" -> IpProtocol.SCTP;
            case "icmp" -> IpProtocol.ICMP;
            default -> IpProtocol.TCP;
        };
    }

    private static String where(TraceEvent e) {
        return e.node() + (e.netns().isEmpty() ? "" : "/" + e.netns()) + (e.device().isEmpty() ? "" : " " + e.device())
                + " " + e.step().name();
    }

    private static <T> T runUntil(Cluster cluster, long deadline, java.util.function.Supplier<T> done) {
        // Bounded: each step advances virtual time; the deadline ends it.
        while (done.get() == null && cluster.sim().now() < deadline && cluster.sim().nextEventTimeNs() <= deadline) {
            cluster.sim().step();
        }
        if (done.get() == null && cluster.sim().now() < deadline) {
            cluster.sim().runUntil(deadline);
        }
        return done.get();
    }

    private record Target(int address, int port, String protocol, String description) {}

    /** NS/POD, NS/SERVICE, SERVICE.NS[.svc[.cluster.local]] or an IPv4 address. */
    static Target resolve(Cluster cluster, Request req) {
        String proto = req.protocol() == null ? "tcp" : req.protocol().toLowerCase(Locale.ROOT);
        if (!List.of("tcp", "udp", "sctp", "icmp").contains(proto)) {
            throw new TopologyException(null, "probe --proto: Unsupported value: \"" + req.protocol()
                    + "\": supported values: \"tcp\", \"udp\", \"sctp\", \"icmp\"");
        }
        String to = req.to();
        ClusterPod pod = cluster.pod(to);
        if (pod != null) {
            int port = req.port();
            if (port == 0 && !proto.equals("icmp")) {
                port = pod.spec().ports().stream().filter(p -> p.protocol().equalsIgnoreCase(proto))
                        .mapToInt(ContainerPort::port).findFirst().orElse(80);
            }
            return new Target(pod.ip(), port, proto, "pod " + pod.name() + " (" + Ipv4Address.toString(pod.ip()) + ")");
        }
        ClusterService svc = cluster.service(to);
        if (svc == null && to.contains(".") && !Character.isDigit(to.charAt(0))) {
            String[] parts = to.split("\\.");
            svc = cluster.service(parts[1] + "/" + parts[0]);
        }
        if (svc != null) {
            int port = req.port();
            if (port == 0 && !proto.equals("icmp")) {
                port = svc.spec().ports().stream().filter(p -> p.protocol().equalsIgnoreCase(proto))
                        .mapToInt(ServicePortSpec::port).findFirst().orElse(80);
            }
            return new Target(svc.clusterIp(), port, proto, "service " + svc.name() + " ("
                    + Ipv4Address.toString(svc.clusterIp()) + ")");
        }
        if (to.matches("\\d+\\.\\d+\\.\\d+\\.\\d+")) {
            return new Target(Ipv4Address.parse(to), req.port() == 0 ? 80 : req.port(), proto, to);
        }
        List<String> known = new ArrayList<>();
        for (ClusterPod p : cluster.pods()) {
            known.add(p.name());
        }
        throw new TopologyException(null, "probe --to: \"" + to + "\" is neither a pod, a service nor an IPv4 address"
                + " (pods: " + String.join(", ", known.subList(0, Math.min(5, known.size())))
                + (known.size() > 5 ? ", ..." : "") + ")");
    }

    private static String seconds(long ns) {
        return (ns / 1_000_000_000L) + "s";
    }
}
