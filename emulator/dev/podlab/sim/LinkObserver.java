package dev.podlab.sim;

import dev.podlab.packet.Packet;

/**
 * Watches what a {@link Link} does with frames, for tracing and capture. Every method is called
 * while the link still owns the packet (before it is handed to the receiver or released), at the
 * simulator time the thing happens; an observer must not keep or release the packet.
 */
public interface LinkObserver {
    /**
     * {@code from} accepted {@code packet} for transmission (it passed the MTU and queue checks).
     *
     * @param txStartNs when its first bit goes onto the wire (later than now if it queues)
     */
    default void onTransmit(LinkEnd from, Packet packet, long txStartNs) {}

    /** {@code packet} arrived at {@code to} and is about to be handed to its receiver. */
    default void onReceive(LinkEnd to, Packet packet) {}

    /**
     * The link dropped {@code packet}. {@code at} is the transmitting end for
     * {@link LinkDropReason#PKT_TOO_BIG} and {@link LinkDropReason#QDISC_DROP} (called when
     * transmit is attempted), the receiving end for {@link LinkDropReason#LINK_LOSS} and
     * {@link LinkDropReason#DEV_READY} (called at the time the frame would have arrived).
     */
    default void onDrop(LinkEnd at, Packet packet, LinkDropReason reason) {}
}
