package dev.podlab.net;

import dev.podlab.packet.Packet;
import dev.podlab.sim.EventHandler;
import java.util.ArrayDeque;

/**
 * {@code lo} (drivers/net/loopback.c): what the namespace sends to one of its own addresses is
 * transmitted here and received back, as its own event at the same virtual time. It has an
 * Ethernet-sized header with zero addresses, like the kernel's loopback, and MTU 65536.
 */
public final class Loopback extends NetDevice {
    private static final EventHandler DELIVER = (arg, unused) -> {
        Loopback lo = (Loopback) arg;
        lo.receive(lo.inFlight.poll());
    };

    private final ArrayDeque<Packet> inFlight = new ArrayDeque<>();

    Loopback(NetNamespace netns) {
        super(netns, "lo", 0L, 65536);
    }

    @Override
    public boolean noArp() {
        return true;
    }

    @Override
    public String linkKind() {
        return "loopback";
    }

    @Override
    protected void transmit(Packet p) {
        inFlight.add(p);
        netns().network().sim().schedule(0, DELIVER, this, 0);
    }
}
