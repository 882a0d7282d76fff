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
