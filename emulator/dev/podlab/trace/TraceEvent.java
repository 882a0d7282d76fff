package dev.podlab.trace;

import java.util.Objects;

/**
 * One step of one packet's path: where it happened, what the step decided and why.
 *
 * <p>Immutable. Fields that do not apply are {@code null}: a link is in no network namespace, a
 * step that did not drop has no reason.
 *
 * @param timeNs virtual time in nanoseconds
 * @param node the node (emulated host), e.g. {@code node1}
 * @param netns the network namespace within the node, e.g. {@code host} or a pod's namespace
 * @param device the device, e.g. {@code eth0}, {@code cni0}, {@code flannel.1}
 * @param step the stage of the path
 * @param verdict what the stage did
 * @param reason why the packet was dropped; {@code null} unless {@code verdict} is {@link Verdict#DROP}
 * @param detail free text for people (addresses, rule, route), never parsed; may be empty
 */
public record TraceEvent(
        long timeNs,
        String node,
        String netns,
        String device,
        Step step,
        Verdict verdict,
        DropReason reason,
        String detail) {

    public TraceEvent {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(verdict, "verdict");
        if (detail == null) {
            detail = "";
        }
        if ((verdict == Verdict.DROP) != (reason != null)) {
            throw new IllegalArgumentException("a drop reason is required for DROP and only for DROP: verdict "
                    + verdict + ", reason " + reason);
        }
    }

    /**
     * Formats virtual time as seconds with exactly nine decimals ({@code 12.000034500}), the way
     * every podlab output prints time; integer arithmetic only, so it is exact and stable.
     */
    public static void appendSeconds(StringBuilder sb, long timeNs) {
        if (timeNs < 0) {
            sb.append('-');
            timeNs = -timeNs; // virtual time is never negative; kept total for robustness
        }
        long frac = timeNs % 1_000_000_000L;
        sb.append(timeNs / 1_000_000_000L).append('.');
        for (long div = 100_000_000L; div > 0; div /= 10) {
            sb.append((char) ('0' + (frac / div) % 10));
        }
    }

    /** {@link #appendSeconds(StringBuilder, long)} as a string. */
    public static String formatSeconds(long timeNs) {
        StringBuilder sb = new StringBuilder(20);
        appendSeconds(sb, timeNs);
        return sb.toString();
    }
}
