package dev.podlab.trace;

import dev.podlab.packet.Packet;
import dev.podlab.sim.LinkDropReason;
import dev.podlab.sim.LinkEnd;
import dev.podlab.sim.LinkObserver;
import java.util.Objects;

/**
 * Turns a link's frame events into trace events: {@link Step#LINK_TX} / {@link Verdict#TRANSMIT}
 * when an end accepts a frame, {@link Step#LINK_RX} / {@link Verdict#RECEIVE} when it arrives, and
 * drops with their kernel-named reasons. The device column holds the end's name
 * ({@code link:a}); node and netns are empty, since a wire belongs to no host. Install with
 * {@code link.observer(new LinkTracer(tracer))}.
 */
public final class LinkTracer implements LinkObserver {
    private final Tracer tracer;
    private final StringBuilder detail = new StringBuilder(64);

    public LinkTracer(Tracer tracer) {
        this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    @Override
    public void onTransmit(LinkEnd from, Packet packet, long txStartNs) {
        if (!tracer.enabled()) {
            return;
        }
        detail.setLength(0);
        detail.append("len=").append(packet.length()).append(" start=");
        TraceEvent.appendSeconds(detail, txStartNs);
        tracer.event(null, null, from.name(), Step.LINK_TX, Verdict.TRANSMIT, detail.toString());
    }

    @Override
    public void onReceive(LinkEnd to, Packet packet) {
        if (!tracer.enabled()) {
            return;
        }
        tracer.event(null, null, to.name(), Step.LINK_RX, Verdict.RECEIVE, "len=" + packet.length());
    }

    @Override
    public void onDrop(LinkEnd at, Packet packet, LinkDropReason reason) {
        if (!tracer.enabled()) {
            return;
        }
        Step step = (reason == LinkDropReason.PKT_TOO_BIG || reason == LinkDropReason.QDISC_DROP)
                ? Step.LINK_TX : Step.LINK_RX;
        tracer.drop(null, null, at.name(), step, DropReason.of(reason), "len=" + packet.length());
    }
}
