package dev.podlab.net;

import dev.podlab.packet.Packet;
import dev.podlab.sim.EventHandler;
import java.util.ArrayDeque;

/**
 * One end of a veth pair (drivers/net/veth.c): what one end transmits, the other end receives
 * ({@code veth_xmit} → {@code netif_rx} on the peer). The peer's receive runs as its own event at
 * the same virtual time, as the kernel defers it to the peer's backlog softirq, so a path of many
 * hops never recurses deeply. Either end may live in any namespace.
 */
public final class Veth extends NetDevice {
    /** Runs the receive of the oldest frame in flight towards the Veth given as argument. */
    private static final EventHandler DELIVER = (arg, unused) -> {
        Veth to = (Veth) arg;
        to.receive(to.inFlight.poll());
    };

    private Veth peer;
    /** Frames transmitted by the peer whose receive event has not run yet, oldest first. */
    private final ArrayDeque<Packet> inFlight = new ArrayDeque<>();

    private Veth(NetNamespace netns, String name, long mac, int mtu) {
        super(netns, name, mac, mtu);
    }

    /**
     * {@code ip link add NAME type veth peer name PEER_NAME netns PEER_NS}: both ends, with random
     * MACs and MTU 1500, down.
     */
    public static Veth pair(NetNamespace ns, String name, NetNamespace peerNs, String peerName) {
        Network net = ns.network();
        Veth a = new Veth(ns, name, net.randomMac(), 1500);
        Veth b = new Veth(peerNs, peerName, net.randomMac(), 1500);
        a.peer = b;
        b.peer = a;
        return a;
    }

    /** {@code ip link del NAME}: deleting either end of a veth pair deletes both. */
    public void delete() {
        netns().unregister(this);
        peer.netns().unregister(peer);
    }

    public Veth peer() {
        return peer;
    }

    @Override
    public String kind() {
        return "veth";
    }

    @Override
    public String linkSuffix() {
        return "@if" + peer.ifindex();
    }

    @Override
    protected void transmit(Packet p) {
        // veth_xmit drops when the peer is down (carrier off).
        if (!peer.isUp()) {
            countTxDrop();
            p.release();
            return;
        }
        // __dev_forward_skb → skb_scrub_packet: the peer's stack sees a fresh packet.
        p.scrub(peer.netns() != netns());
        peer.inFlight.add(p);
        netns().network().sim().schedule(0, DELIVER, peer, 0);
    }
}
