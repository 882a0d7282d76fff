package dev.podlab.net;

import dev.podlab.packet.Packet;
import dev.podlab.sim.LinkEnd;

/**
 * A physical NIC ({@code eth0}, {@code ens33}) attached to one end of an emulated link: what it
 * transmits goes onto the wire with the link's delay, rate, MTU and loss; what the wire delivers
 * is received. An unattached NIC has no carrier and drops what it is given.
 */
public final class Nic extends NetDevice {
    private LinkEnd wire;

    public Nic(NetNamespace netns, String name, long mac, int mtu) {
        super(netns, name, mac, mtu);
    }

    /** Plugs the NIC into a link end. */
    public Nic attach(LinkEnd end) {
        this.wire = end;
        // What arrives off the wire is another host's frame: a new skb with none of the sender's
        // metadata (conntrack entry, mark), as the sender's node would otherwise lend it its own,
        // and CHECKSUM_NONE (the emulated NIC verifies no checksum for the stack).
        end.attach((from, p) -> receive(p.conntrack(null, 0).mark(0).fragMaxSize(0).csumUnnecessary(false).nfTrace(false)));
        return this;
    }

    public LinkEnd wire() {
        return wire;
    }

    @Override
    protected void transmit(Packet p) {
        if (wire == null) {
            countTxDrop();
            p.release();
            return;
        }
        wire.transmit(p);
    }
}
