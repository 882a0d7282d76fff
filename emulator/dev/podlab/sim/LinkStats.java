package dev.podlab.sim;

/**
 * Counters of one direction of a {@link Link}, as seen from the transmitting end.
 *
 * <ul>
 *   <li>tx: frames accepted for transmission (passed the MTU and queue checks) and their bytes.
 *       Every accepted frame is serialized onto the wire; frames the loss model then loses are
 *       counted here and under {@link LinkDropReason#LINK_LOSS}.
 *   <li>rx: frames handed to the receiver at the far end and their bytes.
 *   <li>drops: per {@link LinkDropReason}.
 * </ul>
 * Bytes are frame lengths as held in the buffer ({@code Packet.length()}), without wire overhead.
 */
public final class LinkStats {
    private static final LinkDropReason[] REASONS = LinkDropReason.values();

    long txPackets;
    long txBytes;
    long rxPackets;
    long rxBytes;
    final long[] drops = new long[REASONS.length];

    LinkStats() {}

    public long txPackets() {
        return txPackets;
    }

    public long txBytes() {
        return txBytes;
    }

    public long rxPackets() {
        return rxPackets;
    }

    public long rxBytes() {
        return rxBytes;
    }

    /** Frames dropped for {@code reason}. */
    public long drops(LinkDropReason reason) {
        return drops[reason.ordinal()];
    }

    /** Frames dropped for any reason. */
    public long totalDrops() {
        long n = 0;
        for (long d : drops) {
            n += d;
        }
        return n;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("tx ").append(txPackets).append(" pkts ").append(txBytes).append(" bytes, rx ")
                .append(rxPackets).append(" pkts ").append(rxBytes).append(" bytes, drops");
        for (LinkDropReason r : REASONS) {
            sb.append(' ').append(r.name()).append('=').append(drops[r.ordinal()]);
        }
        return sb.toString();
    }
}
