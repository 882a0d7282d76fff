package dev.podlab.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class TracerOffTest {

    @Test
    void disabledTracerRecordsNothingAndAllocatesNothing() {
        Tracer off = Tracer.off();
        assertThat(off.enabled()).isFalse();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        // Warm up so that class loading and the measuring call itself are not counted.
        for (int i = 0; i < 10_000; i++) {
            emit(off, i);
        }
        mx.getThreadAllocatedBytes(tid);
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1_000_000; i++) {
            emit(off, i);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        // A single allocation per call would be >= 16 MB here; allow a little for the MXBean call.
        assertThat(allocated).as("bytes allocated by 1M disabled trace calls: got %d, want ~0", allocated)
                .isLessThan(4_096);
    }

    private static void emit(Tracer t, int i) {
        t.event("node1", "host", "eth0", Step.DEV_RX, Verdict.RECEIVE, "static detail");
        t.drop("node1", "host", "eth0", Step.ROUTE_LOOKUP, DropReason.IP_INNOROUTES, "static detail");
        if (t.enabled()) {
            t.event("node1", "host", "eth0", Step.DEV_TX, Verdict.TRANSMIT, "seq=" + i);
        }
    }
}
