package dev.podlab.sim;

/**
 * An object handle on one scheduled event, returned by the convenience
 * {@link Simulator#schedule(long, Runnable)} path. It wraps the event's token; cancelling is a
 * mark on the event's slot (never a search of the queue), and a handle whose event has already run
 * or been cancelled is inert: the token's generation no longer matches the slot, so it can never
 * cancel a later event that reuses the slot.
 *
 * <p>Hot code should hold the {@code long} token from the allocation-free
 * {@link Simulator#schedule(long, EventHandler, Object, long)} instead, or a reusable {@link Timer}.
 */
public final class EventHandle {
    private final Simulator sim;
    private final long token;
    private final long timeNs;

    EventHandle(Simulator sim, long token, long timeNs) {
        this.sim = sim;
        this.token = token;
        this.timeNs = timeNs;
    }

    /**
     * Cancels the event if it has not run yet.
     *
     * @return {@code true} if the event was pending and will now never run; {@code false} if it
     *     had already run or been cancelled (harmless)
     */
    public boolean cancel() {
        return sim.cancel(token);
    }

    /** Whether the event is still waiting to run (neither run nor cancelled). */
    public boolean isPending() {
        return sim.isPending(token);
    }

    /** The virtual time in nanoseconds at which the event is (or was) due. */
    public long timeNs() {
        return timeNs;
    }

    /** The token of the event, usable with {@link Simulator#cancel(long)}. */
    public long token() {
        return token;
    }
}
