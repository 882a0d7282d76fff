package dev.podlab.net;

import dev.podlab.sim.Simulator;
import dev.podlab.trace.ListTraceSink;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.Tracer;
import java.util.List;
import java.util.stream.Collectors;

/** A small emulated network for behaviour tests: namespaces set up by ip commands, a trace kept in memory. */
final class TestNet {
    final Simulator sim = new Simulator(42);
    final ListTraceSink sink = new ListTraceSink();
    final Network net = new Network(sim, new Tracer(sim, sink));

    NetNamespace ns(String node, String name) {
        return net.namespace(node, name);
    }

    /** Runs {@code ip ...} lines in a namespace. */
    static void ip(NetNamespace ns, String... lines) {
        for (String l : lines) {
            IpCommand.run(ns, l);
        }
    }

    /**
     * Pods a (10.0.0.2) and b (10.0.0.3) on bridge br0 (10.0.0.1/24) of router r, pod c
     * (10.0.1.2) routed behind r on vethc (10.0.1.1/24), forwarding on; returns {r, a, b, c}.
     */
    NetNamespace[] routerWithBridgeAndSubnet() {
        NetNamespace r = ns("r", null);
        NetNamespace a = ns("r", "a");
        NetNamespace b = ns("r", "b");
        NetNamespace c = ns("r", "c");
        ip(r, "link add br0 type bridge", "link set br0 up", "addr add 10.0.0.1/24 dev br0",
                "link add vetha type veth peer name eth0 netns a", "link set vetha master br0", "link set vetha up",
                "link add vethb type veth peer name eth0 netns b", "link set vethb master br0", "link set vethb up",
                "link add vethc type veth peer name eth0 netns c", "link set vethc up", "addr add 10.0.1.1/24 dev vethc",
                "sysctl -w net.ipv4.ip_forward=1");
        ip(a, "link set eth0 up", "addr add 10.0.0.2/24 dev eth0", "route add default via 10.0.0.1");
        ip(b, "link set eth0 up", "addr add 10.0.0.3/24 dev eth0", "route add default via 10.0.0.1");
        ip(c, "link set eth0 up", "addr add 10.0.1.2/24 dev eth0", "route add default via 10.0.1.1");
        return new NetNamespace[] {r, a, b, c};
    }

    void run(long nanos) {
        sim.runUntil(sim.now() + nanos);
    }

    List<TraceEvent> events() {
        return sink.events();
    }

    String trace() {
        return sink.events().stream().map(TraceEvent::toString).collect(Collectors.joining("\n"));
    }
}
