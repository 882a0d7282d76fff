package dev.podlab.trace;

/**
 * What a step did with the packet. Netfilter's own verdicts map onto these: ACCEPT is
 * {@link #PASS}, DROP and REJECT are {@link #DROP} (REJECT's reply is a packet of its own), STOLEN
 * and QUEUE are {@link #CONSUME}.
 */
public enum Verdict {
    /** The step let the packet continue along its path (possibly rewritten, e.g. by NAT). */
    PASS,
    /** A device or link received the packet. */
    RECEIVE,
    /** A device or link sent the packet onto a wire. */
    TRANSMIT,
    /** The packet was routed or bridged towards another device. */
    FORWARD,
    /** The packet reached its destination: a local socket or application. */
    DELIVER,
    /** The packet was taken and not passed on, without being an error (an ARP reply learned, a packet queued). */
    CONSUME,
    /** The packet was dropped; the event's reason says why. */
    DROP
}
