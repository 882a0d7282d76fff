package dev.podlab.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@link Scenario} in the real kernel: {@code ip netns exec} of every command and probe. */
final class KernelWorld {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    /** A probe's own timeout is 1 s; the process gets a few seconds more (python's start-up). */
    private static final Duration PROBE_PROCESS_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(10);
    /** The TCP server exits by itself after this long, should cleanup ever fail to kill it. */
    private static final int SERVER_LIFETIME_SECONDS = 60;

    private final KernelNetns netns;
    private final Path probeScript;
    private final StringBuilder log = new StringBuilder();

    KernelWorld(KernelNetns netns, Path workDir) {
        this.netns = netns;
        try {
            this.probeScript = Files.writeString(workDir.resolve("probe.py"), Scenario.PROBE_PY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Snapshot run() {
        for (String ns : Scenario.NAMESPACES) {
            check(netns.add(ns));
        }
        for (Scenario.Command c : Scenario.SETUP) {
            KernelNetns.Result r = netns.exec(c.ns(), COMMAND_TIMEOUT, netns.argv(c.line()));
            log(r);
            if (!r.ok() && !c.kernelOptional()) {
                throw new IllegalStateException("setup command failed in the kernel:\n" + r.describe());
            }
        }
        String ready = netns.startBackground("c", List.of("python3", probeScript.toString(), "serve-tcp",
                String.valueOf(Scenario.SERVER_PORT), String.valueOf(SERVER_LIFETIME_SECONDS)), Duration.ofSeconds(5));
        log.append("server: ").append(ready).append('\n');
        if (!ready.equals("LISTENING")) {
            throw new IllegalStateException("the TCP server in c did not start: " + ready);
        }
        long start = System.nanoTime();
        List<String> outcomes = new ArrayList<>();
        for (Scenario.Probe p : Scenario.TRAFFIC) {
            outcomes.add(probe(p));
        }
        long traffic = System.nanoTime() - start;
        Map<String, String> routes = new TreeMap<>();
        for (String ns : Scenario.NAMESPACES) {
            routes.put(ns, show(ns, List.of("ip", "route")));
        }
        Map<String, String> neighAfter = neighbours();
        String conntrack = show(List.of("conntrack", "-L"));
        String save = show(List.of("iptables-save", "-c"));
        Map<String, String> neighSettled = neighAfter;
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (PodlabWorld.unsettled(neighSettled) && System.nanoTime() < deadline) {
            KernelNetns.sleep(250);
            neighSettled = neighbours();
        }
        return new Snapshot(outcomes, routes, neighAfter, neighSettled, conntrack, save, traffic, log.toString());
    }

    private String probe(Scenario.Probe p) {
        List<String> argv = switch (p.kind()) {
            case PING -> List.of("ping", "-n", "-c", "1", "-W", "1", "-M", "do", "-s", String.valueOf(p.arg()), p.dst());
            case TCP -> List.of("python3", probeScript.toString(), "tcp", p.dst(), String.valueOf(p.arg()), "1");
            case UDP -> List.of("python3", probeScript.toString(), "udp", p.dst(), String.valueOf(p.arg()), "1");
        };
        KernelNetns.Result r = netns.exec(p.ns(), PROBE_PROCESS_TIMEOUT, argv);
        log(r);
        if (r.exit() == -1) {
            return "PROCESS TIMED OUT";
        }
        return p.kind() == Scenario.Kind.PING ? Outcomes.kernelPing(r.stdout()) : r.stdout().strip();
    }

    private Map<String, String> neighbours() {
        Map<String, String> out = new TreeMap<>();
        for (String ns : Scenario.NAMESPACES) {
            out.put(ns, show(ns, List.of("ip", "-4", "neigh")));
        }
        return out;
    }

    private String show(List<String> argv) {
        return show(Scenario.ROUTER, argv);
    }

    private String show(String ns, List<String> argv) {
        KernelNetns.Result r = netns.exec(ns, COMMAND_TIMEOUT, argv);
        check(r);
        return r.stdout();
    }

    private void check(KernelNetns.Result r) {
        log(r);
        if (!r.ok()) {
            throw new IllegalStateException("command failed in the kernel:\n" + r.describe());
        }
    }

    private void log(KernelNetns.Result r) {
        log.append(r.describe()).append('\n');
    }

}
