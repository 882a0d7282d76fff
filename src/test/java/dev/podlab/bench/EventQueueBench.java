package dev.podlab.bench;

import dev.podlab.sim.EventHandler;
import dev.podlab.sim.Simulator;
import dev.podlab.sim.Timer;
import java.util.concurrent.TimeUnit;
import org.apache.commons.math3.random.Well19937c;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Schedule + dispatch throughput of {@link Simulator} at a steady queue depth.
 *
 * <p>The queue is filled with {@code depth} pending events; each dispatched event schedules one
 * successor at a pseudo-random delay, so the depth stays constant and every operation is exactly
 * one schedule plus one dispatch (the score is events per second). Delays come from a precomputed
 * table so the generator's cost is not measured; a quarter of them repeat an earlier value, so equal
 * times (the tie-break on sequence) are exercised too.
 *
 * <p>Run: {@code mvn -q -Pbench test-compile exec:exec -Dbench.args="EventQueueBench -prof gc"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EventQueueBench {
    private static final int BATCH = 10_000;
    private static final int DELAYS = 1 << 14;

    @Param({"1000"})
    int depth;

    private Simulator sim;
    private final long[] delays = new long[DELAYS];
    private int next;
    private long sink;

    /** The allocation-free path: one reusable handler, per-event state in arg2. */
    private final EventHandler handler = new EventHandler() {
        @Override
        public void handle(Object arg, long arg2) {
            sink += arg2;
            sim.schedule(nextDelay(), this, null, arg2 + 1);
        }
    };

    /** The convenience path: a Runnable (capturing lambda) and an EventHandle per event. */
    private final Runnable runnable = new Runnable() {
        @Override
        public void run() {
            sink++;
            EventQueueBench self = EventQueueBench.this;
            self.sim.schedule(self.nextDelay(), () -> {
                self.sink += 2;
                self.runnable.run();
            });
        }
    };

    private Timer[] timers;
    private int rearm;

    @Setup(Level.Trial)
    public void fillDelays() {
        Well19937c rng = new Well19937c(12345);
        for (int i = 0; i < DELAYS; i++) {
            // 1 ns .. 100 us: link-like spreads; every 4th delay repeats the previous one.
            delays[i] = (i % 4 == 3) ? delays[i - 1] : 1 + rng.nextInt(100_000);
        }
    }

    private long nextDelay() {
        return delays[next++ & (DELAYS - 1)];
    }

    private void freshSimulator() {
        sim = new Simulator(1);
        next = 0;
    }

    @Setup(Level.Iteration)
    public void setUp(org.openjdk.jmh.infra.BenchmarkParams params) {
        freshSimulator();
        String name = params.getBenchmark();
        if (name.endsWith("handler")) {
            for (int i = 0; i < depth; i++) {
                sim.schedule(nextDelay(), handler, null, i);
            }
        } else if (name.endsWith("runnable")) {
            for (int i = 0; i < depth; i++) {
                sim.schedule(nextDelay(), runnable);
            }
        } else {
            timers = new Timer[depth];
            for (int i = 0; i < depth; i++) {
                Timer[] self = timers;
                int idx = i;
                timers[i] = new Timer(sim, () -> {
                    sink++;
                    self[idx].schedule(nextDelay());
                });
                timers[i].schedule(nextDelay());
            }
        }
    }

    /** Allocation-free path: {@code schedule(delay, handler, arg, arg2)} + dispatch. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long handler() {
        sim.runEvents(BATCH);
        return sink;
    }

    /** Convenience path: {@code schedule(delay, Runnable)} + dispatch. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long runnable() {
        sim.runEvents(BATCH);
        return sink;
    }

    /**
     * Timer re-arm path: every dispatch re-arms a reusable {@link Timer} and, to model a timer that
     * is pushed back before it fires (a retransmission timer on each ACK), every event also re-arms
     * one other timer, leaving a cancelled entry behind. Score = dispatched events per second.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long timerRearm() {
        for (int i = 0; i < BATCH; i++) {
            sim.step();
            if (++rearm == depth) {
                rearm = 0;
            }
            timers[rearm].schedule(nextDelay());
        }
        return sink;
    }
}
