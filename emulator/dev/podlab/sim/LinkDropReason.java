package dev.podlab.sim;

/**
 * Why a link dropped a frame. Named after the kernel's {@code enum skb_drop_reason}
 * ({@code include/net/dropreason-core.h}) where one fits, so the trace layer maps them one to one
 * onto its drop reasons.
 */
public enum LinkDropReason {
    /** The frame's L3 payload exceeds the MTU (kernel: {@code SKB_DROP_REASON_PKT_TOO_BIG}). */
    PKT_TOO_BIG,
    /** The transmit queue was full: tail drop (kernel: {@code SKB_DROP_REASON_QDISC_DROP}). */
    QDISC_DROP,
    /**
     * Lost on the wire by the loss model. The kernel has no such reason (its wire has no loss);
     * this one is podlab's own.
     */
    LINK_LOSS,
    /**
     * The frame reached an end with no receiver attached: a cable to nothing (kernel:
     * {@code SKB_DROP_REASON_DEV_READY}, the device cannot receive).
     */
    DEV_READY
}
