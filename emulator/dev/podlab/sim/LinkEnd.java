package dev.podlab.sim;

import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import io.netty.buffer.ByteBuf;
import java.util.Objects;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.RealDistribution;
import org.apache.commons.math3.distribution.UniformRealDistribution;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * One end of a {@link Link}: what a device (a NIC, one side of a veth pair) plugs into. It
 * transmits frames towards the peer end and hands frames arriving from the peer to the attached
 * {@link FrameReceiver}.
 *
 * <p>Each end owns the state of the direction it transmits in: the FIFO transmit queue (kept as the
 * finish times of frames not yet fully serialized, since every frame's schedule is fixed the moment
 * it is accepted), the loss channel state and the random streams.
 */
public final class LinkEnd {
    private static final long ARRIVE = 0;
    private static final long LOST = 1;

    private static final int ETH_HEADER = 14;
    private static final int VLAN_TAG = 4;
    private static final int ETHERTYPE_8021Q = 0x8100;
    private static final int ETHERTYPE_8021AD = 0x88A8;

    private final Link link;
    private final String name;
    private final Simulator sim;
    private final LinkConfig config;
    private final LinkStats stats = new LinkStats();
    private LinkEnd peer;
    private FrameReceiver receiver;

    // Transmit state of this end's direction.
    private long busyUntilNs;
    private long lastArrivalNs;
    private long[] finishRing = new long[16];
    private int ringHead;
    private int ringSize;

    // Loss: 0 none, 1 Bernoulli, 2 Gilbert–Elliott (a switch on an int beats instanceof chains).
    private final int lossKind;
    private final double lossP;
    private final double geP;
    private final double geR;
    private final double geLossGood;
    private final double geLossBad;
    private boolean geBad;
    private final RandomGenerator lossRng;
    private final RealDistribution jitter;

    /** Allocated once; the per-frame state travels in the event's arguments. */
    private final EventHandler arrival = (arg, kind) -> arrive((Packet) arg, kind);

    LinkEnd(Link link, String name, Simulator sim, LinkConfig config) {
        this.link = link;
        this.name = name;
        this.sim = sim;
        this.config = config;
        String streamPrefix = "link/" + name + "/";
        LossModel loss = config.loss();
        if (loss instanceof LossModel.Bernoulli b && b.probability() > 0) {
            lossKind = 1;
            lossP = b.probability();
            geP = geR = geLossGood = geLossBad = 0;
        } else if (loss instanceof LossModel.GilbertElliott ge) {
            lossKind = 2;
            lossP = 0;
            geP = ge.p();
            geR = ge.r();
            geLossGood = ge.lossInGood();
            geLossBad = ge.lossInBad();
        } else {
            lossKind = 0;
            lossP = geP = geR = geLossGood = geLossBad = 0;
        }
        lossRng = lossKind == 0 ? null : sim.random().stream(streamPrefix + "loss");
        // Loss and jitter draw from separate streams, so changing one model leaves the other's
        // sequence of draws untouched.
        JitterModel j = config.jitter();
        if (j instanceof JitterModel.Uniform u) {
            jitter = new UniformRealDistribution(sim.random().stream(streamPrefix + "jitter"),
                    -u.maxNs(), u.maxNs());
        } else if (j instanceof JitterModel.Normal n) {
            jitter = new NormalDistribution(sim.random().stream(streamPrefix + "jitter"), 0, n.sigmaNs(),
                    NormalDistribution.DEFAULT_INVERSE_ABSOLUTE_ACCURACY);
        } else {
            jitter = null;
        }
    }

    void peer(LinkEnd peer) {
        this.peer = peer;
    }

    /** The link this end belongs to. */
    public Link link() {
        return link;
    }

    /** The other end. */
    public LinkEnd peer() {
        return peer;
    }

    /** The end's name: the link's name followed by {@code ":a"} or {@code ":b"}. */
    public String name() {
        return name;
    }

    /** The configuration of the direction this end transmits in. */
    public LinkConfig config() {
        return config;
    }

    /**
     * The counters of the direction this end transmits in: tx counts what this end sent, rx what
     * the peer's receiver was handed. The counters of frames this end received are
     * {@code peer().stats()}.
     */
    public LinkStats stats() {
        return stats;
    }

    /** Attaches the receiver of frames arriving at this end, replacing any previous one. */
    public void attach(FrameReceiver receiver) {
        this.receiver = Objects.requireNonNull(receiver, "receiver");
    }

    /** Detaches the receiver; frames arriving afterwards are dropped ({@link LinkDropReason#DEV_READY}). */
    public void detach() {
        this.receiver = null;
    }

    /**
     * Sends {@code packet} towards the peer end. The link takes ownership of the packet: it is
     * delivered to the peer's receiver at its arrival time, or released if dropped.
     *
     * <p>Timing: the frame starts when the previous frame of this direction has finished (FIFO),
     * takes {@link LinkConfig#serializationNs(int)} to leave, and arrives after the propagation
     * delay plus jitter (never less than zero in total).
     *
     * @return {@code true} if accepted; {@code false} if dropped at once (MTU or full queue)
     */
    public boolean transmit(Packet packet) {
        long now = sim.now();
        LinkObserver observer = link.observer;
        int len = packet.length();
        if (config.mtu() != 0 && l3Length(packet) > config.mtu()) {
            drop(this, packet, LinkDropReason.PKT_TOO_BIG, observer);
            return false;
        }
        // Frames that finished serializing by now have left the queue.
        while (ringSize > 0 && finishRing[ringHead] <= now) {
            ringHead = (ringHead + 1) & (finishRing.length - 1);
            ringSize--;
        }
        // While the transmitter is busy the oldest unfinished frame is on the wire, not waiting.
        if (busyUntilNs > now && ringSize - 1 >= config.queueLimit()) {
            drop(this, packet, LinkDropReason.QDISC_DROP, observer);
            return false;
        }
        long start = Math.max(now, busyUntilNs);
        long end = start + config.serializationNs(len);
        if (end > now) {
            ringPush(end);
        }
        busyUntilNs = end;
        stats.txPackets++;
        stats.txBytes += len;
        if (observer != null) {
            observer.onTransmit(this, packet, start);
        }
        if (lost()) {
            // The frame still occupies the wire; it simply never arrives. No jitter is drawn for it.
            sim.scheduleAt(end + config.delayNs(), arrival, packet, LOST);
            return true;
        }
        long delay = config.delayNs();
        if (jitter != null) {
            delay = Math.max(0, delay + Math.round(jitter.sample()));
        }
        long arrive = end + delay;
        if (!config.allowReorder() && arrive < lastArrivalNs) {
            // Held back behind the frame sent before it; the equal-time tie keeps FIFO order.
            arrive = lastArrivalNs;
        }
        lastArrivalNs = Math.max(lastArrivalNs, arrive);
        sim.scheduleAt(arrive, arrival, packet, ARRIVE);
        return true;
    }

    /** The number of frames accepted but not yet fully serialized (the one on the wire included). */
    public int queuedFrames() {
        long now = sim.now();
        int n = 0;
        for (int i = 0; i < ringSize; i++) {
            if (finishRing[(ringHead + i) & (finishRing.length - 1)] > now) {
                n++;
            }
        }
        return n;
    }

    private boolean lost() {
        switch (lossKind) {
            case 1:
                return lossRng.nextDouble() < lossP;
            case 2: {
                // Decide with the current state, then move (netem's loss_gilb_ell does the same).
                boolean lost;
                if (geBad) {
                    lost = lossRng.nextDouble() < geLossBad;
                    if (lossRng.nextDouble() < geR) {
                        geBad = false;
                    }
                } else {
                    lost = lossRng.nextDouble() < geLossGood;
                    if (lossRng.nextDouble() < geP) {
                        geBad = true;
                    }
                }
                return lost;
            }
            default:
                return false;
        }
    }

    private void arrive(Packet packet, long kind) {
        LinkEnd to = peer;
        LinkObserver observer = link.observer;
        if (kind == LOST) {
            drop(to, packet, LinkDropReason.LINK_LOSS, observer);
            return;
        }
        FrameReceiver r = to.receiver;
        if (r == null) {
            drop(to, packet, LinkDropReason.DEV_READY, observer);
            return;
        }
        stats.rxPackets++;
        stats.rxBytes += packet.length();
        if (observer != null) {
            observer.onReceive(to, packet);
        }
        r.receive(to, packet);
    }

    private void drop(LinkEnd at, Packet packet, LinkDropReason reason, LinkObserver observer) {
        stats.drops[reason.ordinal()]++;
        if (observer != null) {
            observer.onDrop(at, packet, reason);
        }
        packet.release();
    }

    private void ringPush(long finishNs) {
        if (ringSize == finishRing.length) {
            long[] bigger = new long[finishRing.length << 1];
            for (int i = 0; i < ringSize; i++) {
                bigger[i] = finishRing[(ringHead + i) & (finishRing.length - 1)];
            }
            finishRing = bigger;
            ringHead = 0;
        }
        finishRing[(ringHead + ringSize) & (finishRing.length - 1)] = finishNs;
        ringSize++;
    }

    /**
     * The L3 length of a frame, the quantity compared with the MTU. For Ethernet frames it is the
     * frame length minus the 14-byte header and minus 4 bytes per 802.1Q (0x8100) or 802.1ad
     * (0x88A8) tag; for raw IP frames it is the frame length; for the Linux cooked and BSD loopback
     * pseudo-headers their header length is subtracted.
     */
    static int l3Length(Packet packet) {
        int len = packet.length();
        switch (packet.linkType()) {
            case LinkType.ETHERNET: {
                if (len < ETH_HEADER) {
                    return 0;
                }
                ByteBuf buf = packet.buf();
                int at = packet.start() + 12; // EtherType / TPID position
                int l3 = len - ETH_HEADER;
                while (l3 >= VLAN_TAG) {
                    int type = buf.getUnsignedShort(at);
                    if (type != ETHERTYPE_8021Q && type != ETHERTYPE_8021AD) {
                        break;
                    }
                    l3 -= VLAN_TAG;
                    at += VLAN_TAG;
                }
                return l3;
            }
            case LinkType.NULL:
                return Math.max(0, len - 4);
            case LinkType.LINUX_SLL:
                return Math.max(0, len - 16);
            case LinkType.LINUX_SLL2:
                return Math.max(0, len - 20);
            default:
                return len;
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
