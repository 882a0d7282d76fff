package dev.podlab.sim;

import dev.podlab.packet.Packet;

/**
 * What a {@link LinkEnd} hands arriving frames to, at their arrival time. The receiver takes
 * ownership of the packet: it must pass it on or release it.
 */
@FunctionalInterface
public interface FrameReceiver {
    /** Called by the simulator when {@code packet} has fully arrived at {@code end}. */
    void receive(LinkEnd end, Packet packet);
}
