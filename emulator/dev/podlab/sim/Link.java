package dev.podlab.sim;

import java.util.Objects;

/**
 * A point-to-point link between two {@link LinkEnd}s, {@link #a()} and {@link #b()}, each
 * direction with its own {@link LinkConfig}: propagation delay, line rate with a FIFO transmit
 * queue, MTU, loss and jitter.
 *
 * <h2>Timing</h2>
 * A frame of {@code L} bytes transmitted at time {@code t} starts at {@code s = max(t, end of the
 * previous frame)}, finishes at {@code e = s + ceil(8 (L + overhead) 10^9 / rate)} ns and arrives at
 * {@code e + max(0, delay + jitter)}. Frames queue behind each other; at most
 * {@link LinkConfig#queueLimit()} may wait while one is on the wire, and a frame finding the queue
 * full is tail-dropped.
 *
 * <h2>MTU rule</h2>
 * A frame is dropped at transmit ({@link LinkDropReason#PKT_TOO_BIG}) when its L3 length exceeds
 * the MTU. For Ethernet frames the L3 length is the frame length minus 14 bytes of header and minus
 * 4 bytes for each 802.1Q/802.1ad tag present (so a tagged frame may be 4 bytes longer than an
 * untagged one); there is no FCS in the buffer. For raw IP frames it is the whole length. Note that
 * Linux's {@code is_skb_forwardable()} (used by veth) is slightly laxer: it admits any frame up to
 * MTU + 14 + 4 bytes, tagged or not; a veth device that wants that behaviour can check before
 * transmitting.
 *
 * <h2>Loss, jitter and reordering</h2>
 * Loss is decided per accepted frame, in transmission order, from the direction's own random
 * stream; a lost frame still occupies the wire and is dropped ({@link LinkDropReason#LINK_LOSS})
 * at the time it would have arrived. Jitter is drawn per delivered frame from a separate stream.
 * As with netem, jitter can reorder frames (a frame with a short delay overtakes one with a long
 * delay); with {@link LinkConfig#allowReorder()} off, a frame is held back until the frame sent
 * before it has arrived.
 *
 * <h2>Ownership and determinism</h2>
 * {@link LinkEnd#transmit} takes the packet; the link either hands it to the peer's receiver or
 * releases it. Given the simulator's seed and the order of transmissions, every arrival time and
 * every loss is the same on every run. Random streams are named {@code "link/<name>:a/loss"},
 * {@code "link/<name>:a/jitter"} and likewise for {@code :b}, so link names must be unique within
 * a simulation.
 */
public final class Link {
    private final String name;
    private final LinkEnd a;
    private final LinkEnd b;
    LinkObserver observer;

    /** A link whose two directions share {@code config}. */
    public Link(Simulator sim, String name, LinkConfig config) {
        this(sim, name, config, config);
    }

    /**
     * A link with per-direction configurations.
     *
     * @param aToB the direction in which end {@code a} transmits
     * @param bToA the direction in which end {@code b} transmits
     */
    public Link(Simulator sim, String name, LinkConfig aToB, LinkConfig bToA) {
        Objects.requireNonNull(sim, "sim");
        this.name = Objects.requireNonNull(name, "name");
        this.a = new LinkEnd(this, name + ":a", sim, Objects.requireNonNull(aToB, "aToB"));
        this.b = new LinkEnd(this, name + ":b", sim, Objects.requireNonNull(bToA, "bToA"));
        a.peer(b);
        b.peer(a);
    }

    /** The link's name. */
    public String name() {
        return name;
    }

    /** End {@code a}. */
    public LinkEnd a() {
        return a;
    }

    /** End {@code b}. */
    public LinkEnd b() {
        return b;
    }

    /** Sets the observer of this link's frames ({@code null} for none). */
    public void observer(LinkObserver observer) {
        this.observer = observer;
    }

    @Override
    public String toString() {
        return name;
    }
}
