package dev.podlab.trace;

import dev.podlab.sim.Simulator;
import java.util.Objects;

/**
 * What components call to record trace events. Events are stamped with the simulator's current
 * virtual time and passed to the sink in the order they are emitted.
 *
 * <p>When tracing is off the cost is one field read and a branch: {@link #event} returns at once.
 * Callers whose detail text must be built guard the building with {@link #enabled()}, so that a
 * run without tracing builds no strings and allocates nothing:
 *
 * <pre>{@code
 * if (tracer.enabled()) {
 *     tracer.drop(node, ns, dev, Step.ROUTE_LOOKUP, DropReason.IP_INNOROUTES, "no route to " + dst);
 * }
 * }</pre>
 */
public final class Tracer {
    private static final Tracer OFF = new Tracer();

    private final boolean enabled;
    private final Simulator sim;
    private final TraceSink sink;

    private Tracer() {
        this.enabled = false;
        this.sim = null;
        this.sink = null;
    }

    /** A tracer writing events of {@code sim} to {@code sink}. */
    public Tracer(Simulator sim, TraceSink sink) {
        this.enabled = true;
        this.sim = Objects.requireNonNull(sim, "sim");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /** The tracer that records nothing. */
    public static Tracer off() {
        return OFF;
    }

    /** Whether events are recorded; guard any work done only to build an event with it. */
    public boolean enabled() {
        return enabled;
    }

    /** Records an event at the current virtual time. {@code reason} is {@code null} unless {@code verdict} is DROP. */
    public void event(String node, String netns, String device, Step step, Verdict verdict, DropReason reason,
            String detail) {
        if (!enabled) {
            return;
        }
        sink.accept(new TraceEvent(sim.now(), node, netns, device, step, verdict, reason, detail));
    }

    /** Records a non-drop event. */
    public void event(String node, String netns, String device, Step step, Verdict verdict, String detail) {
        if (!enabled) {
            return;
        }
        sink.accept(new TraceEvent(sim.now(), node, netns, device, step, verdict, null, detail));
    }

    /** Records a drop. */
    public void drop(String node, String netns, String device, Step step, DropReason reason, String detail) {
        if (!enabled) {
            return;
        }
        sink.accept(new TraceEvent(sim.now(), node, netns, device, step, Verdict.DROP, reason, detail));
    }

    /** Flushes the sink. */
    public void flush() {
        if (enabled) {
            sink.flush();
        }
    }
}
