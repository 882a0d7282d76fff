package dev.podlab.sim;

import java.util.Objects;

/**
 * A reusable one-shot timer: arm it, re-arm it (which moves the expiry), cancel it, all without
 * allocating. This is the idiom of the kernel's {@code timer_list} ({@code mod_timer},
 * {@code del_timer}) and suits protocol timers that are re-armed far more often than they fire:
 * neighbour reachability, conntrack timeouts, TCP retransmission, FDB ageing.
 */
public final class Timer {
    private static final EventHandler EXPIRE = (arg, unused) -> ((Timer) arg).expire();

    private final Simulator sim;
    private final Runnable action;
    private long token = Simulator.NO_EVENT;
    private long expiryNs = Long.MAX_VALUE;

    /** A timer of {@code sim} that runs {@code action} when it expires. */
    public Timer(Simulator sim, Runnable action) {
        this.sim = Objects.requireNonNull(sim, "sim");
        this.action = Objects.requireNonNull(action, "action");
    }

    /** Arms the timer to expire {@code delayNs} from now, replacing any pending expiry. */
    public void schedule(long delayNs) {
        cancel();
        token = sim.schedule(delayNs, EXPIRE, this, 0L);
        expiryNs = sim.now() + delayNs;
    }

    /** Arms the timer to expire at {@code timeNs}, replacing any pending expiry. */
    public void scheduleAt(long timeNs) {
        cancel();
        token = sim.scheduleAt(timeNs, EXPIRE, this, 0L);
        expiryNs = timeNs;
    }

    /**
     * Disarms the timer.
     *
     * @return {@code true} if it was pending
     */
    public boolean cancel() {
        boolean wasPending = sim.cancel(token);
        token = Simulator.NO_EVENT;
        expiryNs = Long.MAX_VALUE;
        return wasPending;
    }

    /** Whether the timer is armed and has not expired yet. */
    public boolean isPending() {
        return sim.isPending(token);
    }

    /** When the timer will expire, or {@link Long#MAX_VALUE} if it is not armed. */
    public long expiryNs() {
        return isPending() ? expiryNs : Long.MAX_VALUE;
    }

    private void expire() {
        token = Simulator.NO_EVENT;
        expiryNs = Long.MAX_VALUE;
        action.run();
    }
}
