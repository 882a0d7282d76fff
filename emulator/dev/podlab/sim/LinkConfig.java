package dev.podlab.sim;

import java.util.Objects;

/**
 * The properties of one direction of a {@link Link}.
 *
 * @param delayNs propagation delay: from the last bit leaving the sender to the frame being handed
 *     to the receiver
 * @param rateBitsPerSecond line rate; {@code 0} means unlimited (no serialization time, as for a
 *     veth pair)
 * @param mtu the largest L3 payload accepted (see {@link Link} for the exact rule); {@code 0} means
 *     no limit
 * @param queueLimit how many frames may wait for the transmitter, not counting the one being
 *     serialized; a frame arriving at a full queue is tail-dropped ({@link LinkDropReason#QDISC_DROP});
 *     {@link #UNLIMITED_QUEUE} for no limit
 * @param loss the loss model
 * @param jitter the jitter model
 * @param allowReorder whether jitter may reorder frames, as netem's does; if {@code false} a frame
 *     never arrives before one sent earlier in the same direction (it is held back to the earlier
 *     frame's arrival time)
 * @param wireOverheadBytes bytes added to each frame's length when computing serialization time;
 *     {@code 0} counts the frame as held in the buffer, {@link #ETHERNET_WIRE_OVERHEAD} adds the
 *     preamble, start delimiter, FCS and inter-frame gap a real Ethernet link spends
 */
public record LinkConfig(
        long delayNs,
        long rateBitsPerSecond,
        int mtu,
        int queueLimit,
        LossModel loss,
        JitterModel jitter,
        boolean allowReorder,
        int wireOverheadBytes) {

    /** A queue limit meaning "no limit". */
    public static final int UNLIMITED_QUEUE = Integer.MAX_VALUE;
    /** Linux's default {@code txqueuelen}, the default queue limit here. */
    public static final int DEFAULT_QUEUE_LIMIT = 1000;
    /** The Ethernet MTU, the default here. */
    public static final int DEFAULT_MTU = 1500;
    /** Preamble + SFD (8) + FCS (4) + inter-frame gap (12) bytes per Ethernet frame on the wire. */
    public static final int ETHERNET_WIRE_OVERHEAD = 24;

    public LinkConfig {
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(jitter, "jitter");
        if (delayNs < 0) {
            throw new IllegalArgumentException("delayNs must be >= 0, got " + delayNs);
        }
        if (rateBitsPerSecond < 0) {
            throw new IllegalArgumentException("rateBitsPerSecond must be >= 0, got " + rateBitsPerSecond);
        }
        if (mtu < 0) {
            throw new IllegalArgumentException("mtu must be >= 0, got " + mtu);
        }
        if (queueLimit < 0) {
            throw new IllegalArgumentException("queueLimit must be >= 0, got " + queueLimit);
        }
        if (wireOverheadBytes < 0) {
            throw new IllegalArgumentException("wireOverheadBytes must be >= 0, got " + wireOverheadBytes);
        }
    }

    /** A builder starting from: no delay, unlimited rate, MTU 1500, queue 1000, no loss, no jitter. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.delayNs = delayNs;
        b.rateBitsPerSecond = rateBitsPerSecond;
        b.mtu = mtu;
        b.queueLimit = queueLimit;
        b.loss = loss;
        b.jitter = jitter;
        b.allowReorder = allowReorder;
        b.wireOverheadBytes = wireOverheadBytes;
        return b;
    }

    /**
     * Time to clock {@code bytes} onto the wire at this rate, in nanoseconds, rounded up: a frame
     * has not fully left until its last bit has. Zero for an unlimited rate.
     */
    public long serializationNs(int bytes) {
        if (rateBitsPerSecond == 0) {
            return 0;
        }
        long bits = 8L * (bytes + wireOverheadBytes);
        return (bits * 1_000_000_000L + rateBitsPerSecond - 1) / rateBitsPerSecond;
    }

    /** Builder of {@link LinkConfig}. */
    public static final class Builder {
        private long delayNs;
        private long rateBitsPerSecond;
        private int mtu = DEFAULT_MTU;
        private int queueLimit = DEFAULT_QUEUE_LIMIT;
        private LossModel loss = LossModel.none();
        private JitterModel jitter = JitterModel.none();
        private boolean allowReorder = true;
        private int wireOverheadBytes;

        private Builder() {}

        public Builder delayNs(long v) {
            delayNs = v;
            return this;
        }

        public Builder rateBitsPerSecond(long v) {
            rateBitsPerSecond = v;
            return this;
        }

        public Builder mtu(int v) {
            mtu = v;
            return this;
        }

        public Builder queueLimit(int v) {
            queueLimit = v;
            return this;
        }

        public Builder loss(LossModel v) {
            loss = v;
            return this;
        }

        public Builder jitter(JitterModel v) {
            jitter = v;
            return this;
        }

        public Builder allowReorder(boolean v) {
            allowReorder = v;
            return this;
        }

        public Builder wireOverheadBytes(int v) {
            wireOverheadBytes = v;
            return this;
        }

        public LinkConfig build() {
            return new LinkConfig(delayNs, rateBitsPerSecond, mtu, queueLimit, loss, jitter, allowReorder,
                    wireOverheadBytes);
        }
    }
}
