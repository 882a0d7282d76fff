package dev.podlab.apps;

import java.util.Objects;

/**
 * What a probe's user saw: the verdict, the error as the program would print it ({@code errno}
 * name and {@code strerror} text, none on success), and when it was decided in virtual time.
 *
 * <p>The verdict says what happened on the path; the errno says what the socket API reported,
 * and the two are not one-to-one: Linux reports ICMP host unreachable and ICMP administratively
 * prohibited alike as {@code EHOSTUNREACH} ("No route to host"), which podlab tells apart as
 * {@link Verdict#UNREACHABLE} and {@link Verdict#PROHIBITED} from the ICMP code it delivered.
 *
 * @param verdict  the outcome
 * @param errno    the errno name ({@code ECONNREFUSED}), or null on success
 * @param reason   one line for a person: the error text and what caused it
 * @param startNs  virtual time the attempt started
 * @param timeNs   virtual time the outcome was decided
 */
public record Outcome(Verdict verdict, String errno, String reason, long startNs, long timeNs) {
    /** The verdicts of connectivity probes. */
    public enum Verdict {
        /** A TCP or SCTP connection was established. */
        CONNECTED,
        /** A UDP datagram was answered. */
        ANSWERED,
        /** The destination said no: TCP RST, SCTP ABORT, ICMP port (or protocol) unreachable. */
        REFUSED,
        /** ICMP net or host unreachable (or time exceeded), or no route from the sender itself. */
        UNREACHABLE,
        /** ICMP administratively prohibited (net, host or communication: codes 9, 10, 13). */
        PROHIBITED,
        /** Nothing came back before the program or the kernel gave up. */
        TIMED_OUT
    }

    public Outcome {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(reason, "reason");
    }

    /** Time from the start of the attempt to the outcome. */
    public long elapsedNs() {
        return timeNs - startNs;
    }

    /** True for {@link Verdict#CONNECTED} and {@link Verdict#ANSWERED}. */
    public boolean success() {
        return verdict == Verdict.CONNECTED || verdict == Verdict.ANSWERED;
    }

    /** {@code VERDICT after 1.234 ms: reason}, the line a probe prints. */
    @Override
    public String toString() {
        return verdict + " after " + SocketErrors.formatDuration(elapsedNs()) + ": " + reason;
    }
}
