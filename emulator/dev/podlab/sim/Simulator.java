package dev.podlab.sim;

import java.util.Arrays;
import java.util.Objects;

/**
 * A discrete-event simulator in virtual time: a clock in nanoseconds and a queue of pending events
 * ordered by (time, scheduling sequence), so events due at the same time run in the order they were
 * scheduled and every run is deterministic.
 *
 * <p>There is no global simulator; every component is handed the one it belongs to.
 *
 * <h2>Scheduling paths</h2>
 * <ul>
 *   <li>{@link #schedule(long, EventHandler, Object, long)} / {@link #scheduleAt(long, EventHandler,
 *       Object, long)}: allocation-free. The caller passes a reusable {@link EventHandler} and the
 *       per-event state; the result is a {@code long} token for {@link #cancel(long)}.
 *   <li>{@link #schedule(long, Runnable)} / {@link #scheduleAt(long, Runnable)}: convenient for
 *       tests and one-off actions; returns an {@link EventHandle} object.
 *   <li>{@link Timer}: a reusable, re-armable timer object (the kernel's {@code timer_list} idiom)
 *       for protocol timers.
 * </ul>
 *
 * <h2>Data structure</h2>
 * A 4-ary min-heap over three parallel primitive arrays (time, sequence, slot), so sifting moves
 * only primitives and touches few cache lines; a 4-ary heap has half the depth of a binary heap for
 * the same size. The handler and its arguments stay put in slot arrays indexed by the slot number;
 * freed slots are recycled through a free stack, so steady-state scheduling allocates nothing.
 *
 * <p>Most events of a packet's path are due at once (a veth, a bridge port, a device queue hand the
 * frame on with no delay), so events scheduled for the current instant skip the heap: they go to a
 * FIFO ring (the <em>now lane</em>). Every entry of the lane is due now and the lane is drained
 * before the clock can move, and an entry scheduled later has a larger sequence, so the lane is
 * already in (time, sequence) order; the loop runs whichever of the lane's head and the heap's top
 * has the smaller key. The order of events is exactly the heap's; only the cost changes (a ring
 * append and a ring pop instead of two sifts over a heap that holds every node's timers).
 *
 * <p>Cancelling marks the slot (its handler is cleared) and never searches the heap, as in ns-3's
 * {@code EventId::Cancel}; the marked entry is discarded when it reaches the top. If cancelled
 * entries come to outnumber live ones the heap is compacted in one linear pass (amortised O(1) per
 * cancel), so code that re-arms timers constantly cannot grow the queue without bound. Because keys
 * are unique, the heap's shape never affects the order in which events run.
 *
 * <h2>Tokens</h2>
 * A token is {@code (generation << 32) | slot}. A slot's generation is bumped each time the slot is
 * freed, so a stale token (for an event that ran or was cancelled) never matches a newer event that
 * reuses the slot. Generations start at 1, so {@link #NO_EVENT} ({@code 0}) is never a valid token.
 *
 * <p>Not thread-safe: one simulator is driven by one thread.
 */
public final class Simulator {
    /** A token value that never names an event; handy as the "no timer armed" value of a field. */
    public static final long NO_EVENT = 0L;

    private static final int INITIAL_CAPACITY = 256;
    /** Compact only above this many queued entries; below it, skipping cancelled ones is cheap. */
    private static final int COMPACT_MIN_SIZE = 1024;

    private static final EventHandler RUN_RUNNABLE = (arg, unused) -> ((Runnable) arg).run();

    // The heap: entry i has key (heapTime[i], heapSeq[i]) and names slot heapSlot[i].
    private long[] heapTime = new long[INITIAL_CAPACITY];
    private long[] heapSeq = new long[INITIAL_CAPACITY];
    private int[] heapSlot = new int[INITIAL_CAPACITY];
    private int size;

    // The now lane: a ring of (sequence, slot) for events due at the current time, in order.
    private long[] laneSeq = new long[INITIAL_CAPACITY];
    private int[] laneSlot = new int[INITIAL_CAPACITY];
    private int laneHead;
    private int laneCount;

    // Slots: what to run. A queued slot with a null handler has been cancelled.
    private EventHandler[] slotHandler = new EventHandler[INITIAL_CAPACITY];
    private Object[] slotArg = new Object[INITIAL_CAPACITY];
    private long[] slotArg2 = new long[INITIAL_CAPACITY];
    private int[] slotGen = new int[INITIAL_CAPACITY];
    private int[] freeSlots = new int[INITIAL_CAPACITY];
    private int freeCount;
    private int slotHighWater;

    private long now;
    private long nextSeq;
    private long executed;
    private int cancelledQueued;
    private boolean running;
    private boolean stopRequested;

    private final RandomStreams random;

    /** A simulator at time 0 whose random streams derive from {@code rootSeed}. */
    public Simulator(long rootSeed) {
        this.random = new RandomStreams(rootSeed);
    }

    /** The current virtual time in nanoseconds. */
    public long now() {
        return now;
    }

    /** The root seed of this simulation's random streams. */
    public long seed() {
        return random.rootSeed();
    }

    /** The named random streams of this simulation (see {@link RandomStreams}). */
    public RandomStreams random() {
        return random;
    }

    // ------------------------------------------------------------------------------------------
    // Scheduling

    /**
     * Schedules {@code handler.handle(arg, arg2)} to run {@code delayNs} after now. Allocates
     * nothing once the queue has grown to its working size.
     *
     * @return the event's token, for {@link #cancel(long)} and {@link #isPending(long)}
     * @throws IllegalArgumentException if {@code delayNs} is negative or the time overflows
     */
    public long schedule(long delayNs, EventHandler handler, Object arg, long arg2) {
        return scheduleAt(timeAfter(delayNs), handler, arg, arg2);
    }

    /**
     * Schedules {@code handler.handle(arg, arg2)} to run at virtual time {@code timeNs}.
     *
     * @return the event's token
     * @throws IllegalArgumentException if {@code timeNs} is before {@link #now()}
     */
    public long scheduleAt(long timeNs, EventHandler handler, Object arg, long arg2) {
        if (timeNs < now) {
            throw new IllegalArgumentException(
                    "cannot schedule in the past: event time " + timeNs + " ns < now " + now + " ns");
        }
        Objects.requireNonNull(handler, "handler");
        int slot = allocateSlot();
        slotHandler[slot] = handler;
        slotArg[slot] = arg;
        slotArg2[slot] = arg2;
        if (timeNs == now) {
            laneAppend(nextSeq++, slot);
        } else {
            push(timeNs, nextSeq++, slot);
        }
        return ((long) slotGen[slot] << 32) | slot;
    }

    /** Schedules {@code action} to run {@code delayNs} after now; convenience path (allocates). */
    public EventHandle schedule(long delayNs, Runnable action) {
        return scheduleAt(timeAfter(delayNs), action);
    }

    /** Schedules {@code action} to run at {@code timeNs}; convenience path (allocates). */
    public EventHandle scheduleAt(long timeNs, Runnable action) {
        Objects.requireNonNull(action, "action");
        long token = scheduleAt(timeNs, RUN_RUNNABLE, action, 0L);
        return new EventHandle(this, token, timeNs);
    }

    /**
     * Cancels a pending event: it will never run. Marks the event's slot; does not search.
     *
     * @return {@code true} if the event was pending; {@code false} if the token is stale (the event
     *     ran or was already cancelled) or {@link #NO_EVENT}, in which case nothing happens
     */
    public boolean cancel(long token) {
        int slot = (int) token;
        if (!isLiveToken(slot, (int) (token >>> 32))) {
            return false;
        }
        slotHandler[slot] = null;
        slotArg[slot] = null; // let the argument be collected now rather than at its due time
        cancelledQueued++;
        if (cancelledQueued > ((size + laneCount) >>> 1) && size + laneCount >= COMPACT_MIN_SIZE) {
            compact();
        }
        return true;
    }

    /** Whether the event named by {@code token} is still waiting to run. */
    public boolean isPending(long token) {
        return isLiveToken((int) token, (int) (token >>> 32));
    }

    private boolean isLiveToken(int slot, int gen) {
        return slot >= 0 && slot < slotHighWater && slotGen[slot] == gen && slotHandler[slot] != null;
    }

    private long timeAfter(long delayNs) {
        if (delayNs < 0) {
            throw new IllegalArgumentException("cannot schedule in the past: delay " + delayNs + " ns < 0");
        }
        long t = now + delayNs;
        if (t < 0) {
            throw new IllegalArgumentException("event time overflows: now " + now + " ns + delay " + delayNs + " ns");
        }
        return t;
    }

    // ------------------------------------------------------------------------------------------
    // Running

    /**
     * Runs events until the queue is empty or {@link #stop()} is called.
     *
     * @return the number of events run
     */
    public long run() {
        return loop(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * Runs every event due at or before {@code timeNs}, then advances the clock to {@code timeNs}
     * (unless stopped earlier), so that a later {@code schedule(delay, ...)} counts from there.
     *
     * @return the number of events run
     * @throws IllegalArgumentException if {@code timeNs} is before now
     */
    public long runUntil(long timeNs) {
        return runUntil(timeNs, Long.MAX_VALUE);
    }

    /**
     * Like {@link #runUntil(long)} but runs at most {@code maxEvents} events; if the bound is hit
     * the clock stays at the last event run.
     */
    public long runUntil(long timeNs, long maxEvents) {
        if (timeNs < now) {
            throw new IllegalArgumentException("runUntil " + timeNs + " ns is before now " + now + " ns");
        }
        return loop(timeNs, maxEvents);
    }

    /**
     * Runs at most {@code maxEvents} events (fewer if the queue empties or {@link #stop()} is
     * called): the bound that keeps a self-rescheduling loop from running forever.
     *
     * @return the number of events run
     */
    public long runEvents(long maxEvents) {
        return loop(Long.MAX_VALUE, maxEvents);
    }

    /**
     * Runs the next pending event, if any.
     *
     * @return {@code true} if an event ran
     */
    public boolean step() {
        return loop(Long.MAX_VALUE, 1) == 1;
    }

    /**
     * Asks the running loop to return once the current event finishes. Events still queued stay
     * queued. Outside a run this does nothing.
     */
    public void stop() {
        if (running) {
            stopRequested = true;
        }
    }

    private long loop(long untilNs, long maxEvents) {
        if (maxEvents < 0) {
            throw new IllegalArgumentException("maxEvents " + maxEvents + " < 0");
        }
        if (running) {
            throw new IllegalStateException("the simulator is already running (re-entrant run)");
        }
        running = true;
        stopRequested = false;
        long count = 0;
        boolean reachedLimit = true; // false when we leave because of the count bound or stop()
        try {
            while (true) {
                long t;
                int slot;
                boolean fromLane;
                if (laneCount > 0) {
                    // The lane's head is due now; a heap entry due now that was scheduled earlier goes first.
                    t = now;
                    fromLane = size == 0 || heapTime[0] != now || heapSeq[0] > laneSeq[laneHead];
                    slot = fromLane ? laneSlot[laneHead] : heapSlot[0];
                } else if (size > 0) {
                    t = heapTime[0];
                    slot = heapSlot[0];
                    fromLane = false;
                } else {
                    break;
                }
                if (t > untilNs) {
                    break;
                }
                EventHandler handler = slotHandler[slot];
                if (handler == null) { // cancelled: discard without counting it
                    removeNext(fromLane);
                    freeSlot(slot);
                    cancelledQueued--;
                    continue;
                }
                if (count == maxEvents || stopRequested) {
                    reachedLimit = false;
                    break;
                }
                removeNext(fromLane);
                Object arg = slotArg[slot];
                long arg2 = slotArg2[slot];
                // Free before running, so the handler can reuse the slot (and its cache line) and a
                // stale token held for this event is already dead while it runs.
                freeSlot(slot);
                now = t;
                executed++;
                count++;
                handler.handle(arg, arg2);
            }
            if (stopRequested) {
                reachedLimit = false;
            }
        } finally {
            running = false;
        }
        if (reachedLimit && untilNs != Long.MAX_VALUE && untilNs > now) {
            now = untilNs;
        }
        return count;
    }

    // ------------------------------------------------------------------------------------------
    // Introspection

    /** The number of events waiting to run (cancelled ones excluded). */
    public int pendingCount() {
        return size + laneCount - cancelledQueued;
    }

    /** The total number of events run by this simulator. */
    public long eventsExecuted() {
        return executed;
    }

    /**
     * The time of the next event that will run, or {@link Long#MAX_VALUE} if none is pending.
     * Discards cancelled entries at the top of the queue as a side effect.
     */
    public long nextEventTimeNs() {
        while (laneCount > 0) {
            int slot = laneSlot[laneHead];
            if (slotHandler[slot] != null) {
                return now;
            }
            laneRemoveHead();
            freeSlot(slot);
            cancelledQueued--;
        }
        while (size > 0) {
            int slot = heapSlot[0];
            if (slotHandler[slot] != null) {
                return heapTime[0];
            }
            removeRoot();
            freeSlot(slot);
            cancelledQueued--;
        }
        return Long.MAX_VALUE;
    }

    // ------------------------------------------------------------------------------------------
    // Slots

    private int allocateSlot() {
        if (freeCount > 0) {
            return freeSlots[--freeCount];
        }
        int slot = slotHighWater;
        if (slot == slotHandler.length) {
            int n = slot << 1;
            slotHandler = Arrays.copyOf(slotHandler, n);
            slotArg = Arrays.copyOf(slotArg, n);
            slotArg2 = Arrays.copyOf(slotArg2, n);
            slotGen = Arrays.copyOf(slotGen, n);
            freeSlots = Arrays.copyOf(freeSlots, n);
        }
        slotGen[slot] = 1;
        slotHighWater = slot + 1;
        return slot;
    }

    private void freeSlot(int slot) {
        slotHandler[slot] = null;
        slotArg[slot] = null;
        int gen = slotGen[slot] + 1;
        slotGen[slot] = gen == 0 ? 1 : gen; // skip 0 on wrap-around so NO_EVENT stays invalid
        freeSlots[freeCount++] = slot;
    }

    // ------------------------------------------------------------------------------------------
    // The now lane

    private void laneAppend(long seq, int slot) {
        int cap = laneSeq.length;
        if (laneCount == cap) {
            long[] seqs = new long[cap << 1];
            int[] slots = new int[cap << 1];
            for (int i = 0; i < laneCount; i++) {
                int j = (laneHead + i) & (cap - 1);
                seqs[i] = laneSeq[j];
                slots[i] = laneSlot[j];
            }
            laneSeq = seqs;
            laneSlot = slots;
            laneHead = 0;
            cap <<= 1;
        }
        int tail = (laneHead + laneCount) & (cap - 1);
        laneSeq[tail] = seq;
        laneSlot[tail] = slot;
        laneCount++;
    }

    private void laneRemoveHead() {
        laneHead = (laneHead + 1) & (laneSeq.length - 1);
        laneCount--;
    }

    private void removeNext(boolean fromLane) {
        if (fromLane) {
            laneRemoveHead();
        } else {
            removeRoot();
        }
    }

    // ------------------------------------------------------------------------------------------
    // 4-ary heap over (heapTime, heapSeq, heapSlot)

    private void push(long t, long seq, int slot) {
        if (size == heapTime.length) {
            int n = size << 1;
            heapTime = Arrays.copyOf(heapTime, n);
            heapSeq = Arrays.copyOf(heapSeq, n);
            heapSlot = Arrays.copyOf(heapSlot, n);
        }
        int i = size++;
        // The new entry's sequence is larger than any queued one, so it moves above a parent only
        // if its time is strictly earlier: ties keep scheduling order without comparing sequences.
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            long pt = heapTime[parent];
            if (pt <= t) {
                break;
            }
            heapTime[i] = pt;
            heapSeq[i] = heapSeq[parent];
            heapSlot[i] = heapSlot[parent];
            i = parent;
        }
        heapTime[i] = t;
        heapSeq[i] = seq;
        heapSlot[i] = slot;
    }

    private void removeRoot() {
        int last = --size;
        if (last > 0) {
            removeRootBottomUp(heapTime[last], heapSeq[last], heapSlot[last], last);
        }
    }

    /**
     * Floyd's bottom-up removal: the entry moved up from the last position almost always belongs
     * near the bottom again, so walk the hole down to a leaf along the smallest children without
     * comparing against it, then sift it up from there — one comparison fewer per level.
     */
    private void removeRootBottomUp(long t, long seq, int slot, int n) {
        long[] time = heapTime;
        long[] seqs = heapSeq;
        int[] slots = heapSlot;
        int i = 0;
        while (true) {
            int c = (i << 2) + 1;
            if (c >= n) {
                break;
            }
            int best = smallestChild(time, seqs, c, n);
            long bt = time[best];
            long bs = seqs[best];
            time[i] = bt;
            seqs[i] = bs;
            slots[i] = slots[best];
            i = best;
        }
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            long pt = time[parent];
            if (pt < t || (pt == t && seqs[parent] < seq)) {
                break;
            }
            time[i] = pt;
            seqs[i] = seqs[parent];
            slots[i] = slots[parent];
            i = parent;
        }
        time[i] = t;
        seqs[i] = seq;
        slots[i] = slot;
    }

    /** Places (t, seq, slot) into the hole at {@code i}, moving smaller children up; n = heap size. */
    private void siftDown(int i, long t, long seq, int slot, int n) {
        long[] time = heapTime;
        long[] seqs = heapSeq;
        while (true) {
            int c = (i << 2) + 1;
            if (c >= n) {
                break;
            }
            int best = smallestChild(time, seqs, c, n);
            long bt = time[best];
            long bs = seqs[best];
            if (bt > t || (bt == t && bs > seq)) {
                break;
            }
            time[i] = bt;
            seqs[i] = bs;
            heapSlot[i] = heapSlot[best];
            i = best;
        }
        time[i] = t;
        seqs[i] = seq;
        heapSlot[i] = slot;
    }

    /** Index of the earliest of the (up to four) children starting at {@code c}; n = heap size. */
    private static int smallestChild(long[] time, long[] seqs, int c, int n) {
        int end = Math.min(c + 4, n);
        int best = c;
        long bt = time[c];
        long bs = seqs[c];
        for (int j = c + 1; j < end; j++) {
            long jt = time[j];
            if (jt < bt || (jt == bt && seqs[j] < bs)) {
                best = j;
                bt = jt;
                bs = seqs[j];
            }
        }
        return best;
    }

    /**
     * Drops every cancelled entry: from the lane keeping its order, from the heap rebuilding it
     * bottom-up (Floyd). O(size).
     */
    private void compact() {
        int kept = 0;
        int mask = laneSeq.length - 1;
        for (int i = 0; i < laneCount; i++) {
            int j = (laneHead + i) & mask;
            int slot = laneSlot[j];
            if (slotHandler[slot] == null) {
                freeSlot(slot);
            } else {
                int k = (laneHead + kept) & mask;
                laneSeq[k] = laneSeq[j];
                laneSlot[k] = slot;
                kept++;
            }
        }
        laneCount = kept;
        int n = 0;
        for (int i = 0; i < size; i++) {
            int slot = heapSlot[i];
            if (slotHandler[slot] == null) {
                freeSlot(slot);
            } else {
                heapTime[n] = heapTime[i];
                heapSeq[n] = heapSeq[i];
                heapSlot[n] = slot;
                n++;
            }
        }
        size = n;
        cancelledQueued = 0;
        for (int i = (n - 2) >>> 2; n > 1 && i >= 0; i--) {
            siftDown(i, heapTime[i], heapSeq[i], heapSlot[i], n);
        }
    }
}
