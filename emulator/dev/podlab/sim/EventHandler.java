package dev.podlab.sim;

/**
 * The target of a scheduled event on the allocation-free path of {@link Simulator}.
 *
 * <p>A hot component implements this once (a device, a link direction, a protocol timer) and
 * schedules itself with the per-event state passed in {@code arg} and {@code arg2}, so that no
 * lambda or closure is created per event. {@code arg2} is a plain {@code long} so counters,
 * sequence numbers or small tags need no boxing.
 */
@FunctionalInterface
public interface EventHandler {
    /**
     * Runs the event. The simulator's clock already reads the event's time.
     *
     * @param arg the object given when the event was scheduled (may be {@code null})
     * @param arg2 the long given when the event was scheduled
     */
    void handle(Object arg, long arg2);
}
