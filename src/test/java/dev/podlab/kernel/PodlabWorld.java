package dev.podlab.kernel;

import dev.podlab.apps.Ping;
import dev.podlab.apps.TcpClient;
import dev.podlab.apps.TcpServer;
import dev.podlab.apps.UdpClient;
import dev.podlab.net.IpCommand;
import dev.podlab.net.NeighbourTable;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.Network;
import dev.podlab.netfilter.Iptables;
import dev.podlab.netfilter.NodeNetfilter;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.ListTraceSink;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.Tracer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** {@link Scenario} in podlab: the same commands, the same probes, in virtual time. */
final class PodlabWorld {
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;
    /** ping -W 1, and the TCP/UDP clients' timeout: the same as the real side's. */
    static final long PROBE_TIMEOUT = SECOND;
    /** The real side starts each process some tens of milliseconds after the previous one ended. */
    private static final long GAP = 50 * MS;

    private final Simulator sim = new Simulator(20_241_122L);
    private final ListTraceSink sink = new ListTraceSink();
    private final Network net = new Network(sim, new Tracer(sim, sink));
    private final Map<String, NetNamespace> namespaces = new HashMap<>();
    private NodeNetfilter routerNetfilter;
    private int nextPingId = 100;

    PodlabWorld() {
        for (String name : Scenario.NAMESPACES) {
            // One node: the router's namespace is its root, the others are its pods, so
            // "netns a" in a command names the namespace a.
            namespaces.put(name, net.namespace(Scenario.ROUTER, name.equals(Scenario.ROUTER) ? null : name));
        }
    }

    Snapshot run() {
        for (Scenario.Command c : Scenario.SETUP) {
            apply(c);
        }
        new TcpServer(ns("c"), Scenario.SERVER_PORT, null, false);
        sim.runUntil(sim.now() + 500 * MS);
        long start = sim.now();
        List<String> outcomes = new ArrayList<>();
        for (Scenario.Probe p : Scenario.TRAFFIC) {
            outcomes.add(probe(p));
            sim.runUntil(sim.now() + GAP);
        }
        long traffic = sim.now() - start;
        NetNamespace r = ns(Scenario.ROUTER);
        Map<String, String> routes = new TreeMap<>();
        for (String name : Scenario.NAMESPACES) {
            routes.put(name, ns(name).routes().show());
        }
        Map<String, String> neighAfter = neighbours();
        String conntrack = routerNetfilter.conntrackList();
        String save = routerNetfilter.iptables().save(Iptables.DEFAULT_VERSION, "now", true);
        long settleDeadline = sim.now() + 10 * SECOND;
        while (unsettled(neighbours()) && sim.now() < settleDeadline) {
            sim.runUntil(sim.now() + 250 * MS);
        }
        return new Snapshot(outcomes, routes, neighAfter, neighbours(), conntrack, save, traffic, trace());
    }

    private Map<String, String> neighbours() {
        Map<String, String> out = new TreeMap<>();
        for (String name : Scenario.NAMESPACES) {
            out.put(name, ns(name).arp().show());
        }
        return out;
    }

    /** True while some namespace has a neighbour in DELAY, PROBE or INCOMPLETE. */
    static boolean unsettled(Map<String, String> neighbours) {
        return neighbours.values().stream().anyMatch(PodlabWorld::unsettled);
    }

    static boolean unsettled(String neigh) {
        return neigh.contains(NeighbourTable.stateName(NeighbourTable.NUD_DELAY))
                || neigh.contains(NeighbourTable.stateName(NeighbourTable.NUD_PROBE))
                || neigh.contains(NeighbourTable.stateName(NeighbourTable.NUD_INCOMPLETE));
    }

    private void apply(Scenario.Command c) {
        NetNamespace ns = ns(c.ns());
        if (c.line().startsWith("iptables ")) {
            if (!c.ns().equals(Scenario.ROUTER)) {
                throw new IllegalStateException("the scenario runs iptables only in the router: " + c);
            }
            if (routerNetfilter == null) {
                routerNetfilter = NodeNetfilter.install(ns);
            }
            routerNetfilter.iptables().execute(c.line().substring("iptables ".length()));
        } else {
            IpCommand.run(ns, c.line());
        }
    }

    private String probe(Scenario.Probe p) {
        NetNamespace from = ns(p.ns());
        int dst = Ipv4Address.parse(p.dst());
        return switch (p.kind()) {
            case PING -> {
                Ping ping = new Ping(from, dst, nextPingId++, 1, SECOND, p.arg());
                long end = sim.now() + PROBE_TIMEOUT;
                runWhile(() -> ping.results().isEmpty(), end);
                yield Outcomes.podlabPing(ping);
            }
            case TCP -> {
                TcpClient client = new TcpClient(from, dst, p.arg(), PROBE_TIMEOUT, null);
                yield awaitSocket(client::outcome);
            }
            case UDP -> {
                UdpClient client = new UdpClient(from, dst, p.arg(), Scenario.UDP_PAYLOAD, PROBE_TIMEOUT);
                yield awaitSocket(client::outcome);
            }
        };
    }

    private String awaitSocket(Supplier<dev.podlab.apps.Outcome> outcome) {
        runWhile(() -> outcome.get() == null, sim.now() + 2 * PROBE_TIMEOUT);
        return Outcomes.podlabSocket(outcome.get());
    }

    /** Runs the simulation in 1 ms steps while {@code condition} holds, up to {@code deadline}. */
    private void runWhile(BooleanSupplier condition, long deadline) {
        while (condition.getAsBoolean() && sim.now() < deadline) {
            sim.runUntil(Math.min(deadline, sim.now() + MS));
        }
    }

    private NetNamespace ns(String name) {
        return namespaces.get(name);
    }

    private String trace() {
        return sink.events().stream().map(TraceEvent::toString).collect(Collectors.joining("\n"));
    }
}
