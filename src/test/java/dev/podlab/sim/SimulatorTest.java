package dev.podlab.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    @Test
    void eventsAtEqualTimesRunInSchedulingOrder() {
        Simulator sim = new Simulator(1);
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int id = i;
            sim.schedule(500, () -> ran.add(id));
        }
        sim.run();
        List<Integer> want = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            want.add(i);
        }
        assertThat(ran).as("got %s, want %s", ran, want).isEqualTo(want);
    }

    @Test
    void eventsRunInTimeOrderAndClockReadsEachEventsTime() {
        Simulator sim = new Simulator(1);
        List<long[]> ran = new ArrayList<>(); // {scheduled time, clock when run}
        long[] times = {30, 10, 20, 10, 0, 5};
        for (long t : times) {
            sim.scheduleAt(t, () -> ran.add(new long[] {t, sim.now()}));
        }
        sim.run();
        long[] want = {0, 5, 10, 10, 20, 30};
        assertThat(ran).hasSize(want.length);
        for (int i = 0; i < want.length; i++) {
            assertThat(ran.get(i)[0]).as("event %d: got time %d, want %d", i, ran.get(i)[0], want[i]).isEqualTo(want[i]);
            assertThat(ran.get(i)[1]).as("clock at event %d: got %d, want %d", i, ran.get(i)[1], want[i]).isEqualTo(want[i]);
        }
        assertThat(sim.now()).isEqualTo(30);
    }

    /**
     * Random schedules, re-schedules from handlers and cancellations, checked against an
     * independent reference: a plain sort of the live events by (time, scheduling sequence).
     */
    @Test
    void executionOrderMatchesReferenceSortUnderRandomSchedulingAndCancelling() {
        Simulator sim = new Simulator(1);
        SplittableRandom rnd = new SplittableRandom(42);
        record Ev(long time, long seq) {}
        List<Ev> live = new ArrayList<>();
        List<Ev> ran = new ArrayList<>();
        List<Long> tokens = new ArrayList<>();
        List<Ev> byToken = new ArrayList<>();
        long[] seq = {0};
        for (int i = 0; i < 20_000; i++) {
            long t = rnd.nextLong(0, 5_000); // many equal times on purpose
            Ev ev = new Ev(t, seq[0]++);
            long token = sim.scheduleAt(t, (arg, a2) -> ran.add((Ev) arg), ev, 0);
            tokens.add(token);
            byToken.add(ev);
            live.add(ev);
        }
        // Cancel two thirds (enough to trigger compaction), in random order.
        for (int i = 0; i < tokens.size(); i++) {
            if (rnd.nextInt(3) != 0) {
                assertThat(sim.cancel(tokens.get(i))).isTrue();
                live.remove(byToken.get(i));
            }
        }
        assertThat(sim.pendingCount()).as("pending: got %d, want %d", sim.pendingCount(), live.size()).isEqualTo(live.size());
        sim.run();
        live.sort(Comparator.comparingLong(Ev::time).thenComparingLong(Ev::seq));
        assertThat(ran).as("execution order differs from (time, sequence) order").isEqualTo(live);
    }

    /**
     * Events due now (the lane) mixed with heap events due at the same instant, scheduled and
     * cancelled from handlers, enough of them to compact: what runs must be exactly the events
     * never cancelled, in (time, scheduling sequence) order.
     */
    @Test
    void eventsDueNowInterleaveWithHeapEventsAndCancelsInSequenceOrder() {
        Simulator sim = new Simulator(1);
        SplittableRandom rnd = new SplittableRandom(11);
        List<long[]> ran = new ArrayList<>(); // {time, seq}
        List<long[]> scheduled = new ArrayList<>(); // {time, seq, token}
        java.util.Set<Long> cancelled = new java.util.HashSet<>();
        long[] seq = {0};
        int[] budget = {60_000};
        EventHandler[] handler = new EventHandler[1];
        handler[0] = (arg, mySeq) -> {
            ran.add(new long[] {sim.now(), mySeq});
            for (int c = rnd.nextInt(4); c > 0 && budget[0] > 0; c--, budget[0]--) {
                long delay = rnd.nextInt(3) == 0 ? rnd.nextInt(3) * 10L : 0L; // mostly due now
                long s = seq[0]++;
                long token = sim.schedule(delay, handler[0], null, s);
                scheduled.add(new long[] {sim.now() + delay, s, token});
            }
            if (!scheduled.isEmpty() && rnd.nextInt(2) == 0) {
                long[] victim = scheduled.get(rnd.nextInt(scheduled.size()));
                if (sim.cancel(victim[2])) {
                    cancelled.add(victim[1]);
                }
            }
        };
        for (int i = 0; i < 500; i++) {
            long s = seq[0]++;
            long t = rnd.nextInt(5) * 10L;
            scheduled.add(new long[] {t, s, sim.scheduleAt(t, handler[0], null, s)});
        }
        sim.run();
        List<long[]> want = new ArrayList<>();
        for (long[] e : scheduled) {
            if (!cancelled.contains(e[1])) {
                want.add(new long[] {e[0], e[1]});
            }
        }
        want.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
        assertThat(cancelled).as("some events cancelled").isNotEmpty();
        assertThat(ran).as("events run").hasSize(want.size());
        for (int i = 0; i < want.size(); i++) {
            assertThat(ran.get(i)).as("event %d", i).containsExactly(want.get(i));
        }
        assertThat(sim.pendingCount()).isZero();
    }

    /**
     * Events scheduled from handlers (delays often 0 or equal) must still run in (time, scheduling
     * sequence) order: the sequence of what ran is checked to be sorted, and every event to have
     * run exactly once.
     */
    @Test
    void eventsScheduledFromHandlersRunInTimeThenSchedulingOrder() {
        Simulator sim = new Simulator(1);
        SplittableRandom rnd = new SplittableRandom(7);
        List<long[]> ran = new ArrayList<>(); // {time, seq}
        long[] seq = {0};
        int[] budget = {50_000};
        EventHandler[] handler = new EventHandler[1];
        handler[0] = (arg, mySeq) -> {
            ran.add(new long[] {sim.now(), mySeq});
            int children = rnd.nextInt(3);
            for (int c = 0; c < children && budget[0] > 0; c++, budget[0]--) {
                sim.schedule(rnd.nextInt(4) * 10L, handler[0], null, seq[0]++);
            }
        };
        for (int i = 0; i < 1_000; i++) {
            sim.schedule(rnd.nextInt(100), handler[0], null, seq[0]++);
        }
        sim.run();
        assertThat(ran).as("events run: got %d, want %d", ran.size(), seq[0]).hasSize((int) seq[0]);
        for (int i = 1; i < ran.size(); i++) {
            long[] p = ran.get(i - 1);
            long[] q = ran.get(i);
            boolean ordered = p[0] < q[0] || (p[0] == q[0] && p[1] < q[1]);
            assertThat(ordered).as("event %d ran (t=%d, seq=%d) after (t=%d, seq=%d)", i, q[0], q[1], p[0], p[1]).isTrue();
        }
    }

    @Test
    void cancelledEventNeverRuns() {
        Simulator sim = new Simulator(1);
        boolean[] ran = new boolean[2];
        EventHandle h = sim.schedule(10, () -> ran[0] = true);
        sim.schedule(20, () -> ran[1] = true);
        assertThat(h.cancel()).isTrue();
        assertThat(h.isPending()).isFalse();
        long n = sim.run();
        assertThat(ran[0]).as("cancelled event ran").isFalse();
        assertThat(ran[1]).isTrue();
        assertThat(n).as("events run: got %d, want 1", n).isEqualTo(1);
    }

    @Test
    void cancellingAfterTheEventRanIsHarmlessEvenWhenItsSlotIsReused() {
        Simulator sim = new Simulator(1);
        int[] runs = new int[2];
        long first = sim.schedule(1, (a, b) -> runs[0]++, null, 0);
        sim.run();
        // The next event reuses the freed slot; the stale token must not touch it.
        long second = sim.schedule(1, (a, b) -> runs[1]++, null, 0);
        assertThat((int) first).as("test premise: slot reused").isEqualTo((int) second);
        assertThat(sim.cancel(first)).as("cancel of a spent token: got true, want false").isFalse();
        assertThat(sim.cancel(Simulator.NO_EVENT)).isFalse();
        sim.run();
        assertThat(runs).as("got %s, want [1, 1]", java.util.Arrays.toString(runs)).containsExactly(1, 1);
        assertThat(sim.cancel(second)).isFalse();
    }

    @Test
    void schedulingInThePastIsRejected() {
        Simulator sim = new Simulator(1);
        sim.schedule(100, () -> {});
        sim.run();
        assertThat(sim.now()).isEqualTo(100);
        assertThatThrownBy(() -> sim.scheduleAt(99, () -> {})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sim.schedule(-1, () -> {})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sim.schedule(Long.MAX_VALUE, () -> {})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sim.runUntil(50)).isInstanceOf(IllegalArgumentException.class);
        // Now itself is allowed: it runs after everything already due now.
        sim.scheduleAt(100, () -> {});
        assertThat(sim.pendingCount()).isEqualTo(1);
    }

    @Test
    void boundedRunStopsASelfReschedulingLoop() {
        Simulator sim = new Simulator(1);
        EventHandler[] again = new EventHandler[1];
        again[0] = (arg, n) -> sim.schedule(7, again[0], null, n + 1);
        sim.schedule(0, again[0], null, 0);
        long n = sim.runEvents(1_000);
        assertThat(n).as("events run: got %d, want 1000", n).isEqualTo(1_000);
        assertThat(sim.now()).as("clock: got %d, want %d", sim.now(), 999 * 7).isEqualTo(999 * 7);
        assertThat(sim.pendingCount()).isEqualTo(1);
        assertThat(sim.eventsExecuted()).isEqualTo(1_000);
    }

    @Test
    void runUntilRunsEventsUpToAndIncludingTheTimeThenAdvancesTheClock() {
        Simulator sim = new Simulator(1);
        List<Long> ran = new ArrayList<>();
        for (long t : new long[] {10, 20, 30, 40}) {
            sim.scheduleAt(t, () -> ran.add(t));
        }
        long n = sim.runUntil(30);
        assertThat(ran).containsExactly(10L, 20L, 30L);
        assertThat(n).isEqualTo(3);
        sim.runUntil(35);
        assertThat(sim.now()).as("clock after runUntil(35): got %d, want 35", sim.now()).isEqualTo(35);
        sim.schedule(1, () -> ran.add(sim.now()));
        sim.run();
        assertThat(ran).containsExactly(10L, 20L, 30L, 36L, 40L);
    }

    @Test
    void stopEndsTheRunAfterTheCurrentEventAndKeepsTheRest() {
        Simulator sim = new Simulator(1);
        List<Integer> ran = new ArrayList<>();
        sim.schedule(1, () -> ran.add(1));
        sim.schedule(2, () -> {
            ran.add(2);
            sim.stop();
        });
        sim.schedule(3, () -> ran.add(3));
        sim.run();
        assertThat(ran).containsExactly(1, 2);
        assertThat(sim.now()).isEqualTo(2);
        assertThat(sim.pendingCount()).isEqualTo(1);
        sim.run();
        assertThat(ran).containsExactly(1, 2, 3);
    }

    @Test
    void stepRunsOneEventAndSkipsCancelledOnes() {
        Simulator sim = new Simulator(1);
        List<Integer> ran = new ArrayList<>();
        EventHandle h = sim.schedule(1, () -> ran.add(1));
        sim.schedule(2, () -> ran.add(2));
        h.cancel();
        assertThat(sim.nextEventTimeNs()).isEqualTo(2);
        assertThat(sim.step()).isTrue();
        assertThat(ran).containsExactly(2);
        assertThat(sim.step()).isFalse();
    }

    @Test
    void eventScheduledForNowFromAHandlerRunsAfterEventsAlreadyDueNow() {
        Simulator sim = new Simulator(1);
        List<String> ran = new ArrayList<>();
        sim.schedule(5, () -> {
            ran.add("a");
            sim.schedule(0, () -> ran.add("c"));
        });
        sim.schedule(5, () -> ran.add("b"));
        sim.run();
        assertThat(ran).containsExactly("a", "b", "c");
    }

    @Test
    void reentrantRunIsRejected() {
        Simulator sim = new Simulator(1);
        Throwable[] seen = new Throwable[1];
        sim.schedule(1, () -> {
            try {
                sim.run();
            } catch (IllegalStateException e) {
                seen[0] = e;
            }
        });
        sim.run();
        assertThat(seen[0]).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void timerRearmMovesTheExpiryAndCancelDisarms() {
        Simulator sim = new Simulator(1);
        List<Long> fired = new ArrayList<>();
        Timer timer = new Timer(sim, () -> fired.add(sim.now()));
        timer.schedule(100);
        sim.runUntil(50);
        timer.schedule(100); // re-armed at 50: expires at 150, not 100
        assertThat(timer.expiryNs()).isEqualTo(150);
        sim.run();
        assertThat(fired).as("got %s, want [150]", fired).containsExactly(150L);
        assertThat(timer.isPending()).isFalse();
        timer.schedule(10);
        assertThat(timer.cancel()).isTrue();
        sim.run();
        assertThat(fired).containsExactly(150L);
        assertThat(timer.cancel()).isFalse();
    }

    @Test
    void manyCancelledTimerRearmsDoNotGrowTheQueue() {
        Simulator sim = new Simulator(1);
        int[] fired = {0};
        Timer timer = new Timer(sim, () -> fired[0]++);
        for (int i = 0; i < 100_000; i++) {
            timer.schedule(1_000_000 + i);
        }
        assertThat(sim.pendingCount()).isEqualTo(1);
        sim.run();
        assertThat(fired[0]).isEqualTo(1);
        assertThat(sim.now()).isEqualTo(1_000_000 + 99_999);
    }
}
