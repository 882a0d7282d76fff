package dev.podlab.net;

import dev.podlab.packet.EtherType;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.MacAddress;
import dev.podlab.packet.Packet;
import dev.podlab.trace.DropReason;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A Linux bridge (net/bridge): its ports, its forwarding database, and the bridge device itself,
 * which the namespace's IP stack uses like any other device ({@code cni0} with the pods' gateway
 * address).
 *
 * <p>A frame received on a port ({@link #handleFrame}, {@code br_handle_frame} →
 * {@code br_handle_frame_finish}) teaches the FDB its source, then goes up the stack when it is
 * addressed to the bridge (a local FDB entry: the bridge's or a port's MAC), is flooded to the
 * other ports when broadcast, multicast or unknown (and also goes up when broadcast or multicast),
 * or is forwarded to the one port the FDB names. A port receives back what came in on it only with
 * {@code hairpin on} ({@code should_deliver}).
 *
 * <p>With {@code net.bridge.bridge-nf-call-iptables=1} (br_netfilter), IPv4 frames entering a
 * port traverse PREROUTING at the bridge (in = the bridge device, physdev-in = the port), and
 * frames switched between ports traverse FORWARD and POSTROUTING with both physdevs; a destination
 * rewritten by DNAT in PREROUTING is re-resolved: still behind this bridge, the frame is switched
 * again towards the new destination's MAC; elsewhere, it goes up to be routed. PREROUTING then
 * does not run a second time in the IP stack ({@code ip_sabotage_in}).
 */
public final class Bridge extends NetDevice {
    /** A port and its flags ({@code bridge link}). */
    public static final class Port {
        private final NetDevice dev;
        private boolean hairpin;
        private boolean learning = true;
        private boolean flood = true;

        Port(NetDevice dev) {
            this.dev = dev;
        }

        public NetDevice dev() {
            return dev;
        }

        public boolean hairpin() {
            return hairpin;
        }

        public Port hairpin(boolean on) {
            this.hairpin = on;
            return this;
        }

        public boolean learning() {
            return learning;
        }

        public Port learning(boolean on) {
            this.learning = on;
            return this;
        }

        public boolean flood() {
            return flood;
        }

        public Port flood(boolean on) {
            this.flood = on;
            return this;
        }
    }

    /** Ports, newest first: the order of the kernel's port list, which flooding walks. */
    private final List<Port> ports = new ArrayList<>();
    private final Fdb fdb;
    /** The address was set with {@code ip link set BRIDGE address} (NET_ADDR_SET): it no longer follows the ports. */
    private boolean addressSet;
    private final Ethernet eth = new Ethernet();
    private final Ipv4 ip = new Ipv4();

    public Bridge(NetNamespace netns, String name, long mac) {
        super(netns, name, mac, 1500);
        this.fdb = new Fdb(ref(), mac);
    }

    /**
     * {@code ip link set BRIDGE address MAC} ({@code br_set_mac_address}): the bridge's local FDB
     * entries move to the new address, so frames to it are delivered up to the bridge rather than
     * flooded.
     */
    @Override
    public void mac(long mac) {
        addressSet = true;
        changeAddress(mac);
    }

    private void changeAddress(long mac) {
        long old = mac();
        if (old == mac) {
            return;
        }
        super.mac(mac);
        fdb.changeBridgeAddress(old, mac, netns().network().sim().now());
    }

    /** NETDEV_CHANGEADDR on a port ({@code br_device_event}): its FDB entries, then the bridge's address. */
    void portAddressChanged(NetDevice dev, long oldMac, long newMac) {
        fdb.changePortAddress(dev.ref(), oldMac, newMac, netns().network().sim().now());
        recalculateAddress();
    }

    /**
     * {@code br_stp_recalculate_bridge_id}: unless its address was set by hand, a bridge takes the
     * lowest MAC of its ports (compared as bytes, {@code memcmp}).
     */
    private void recalculateAddress() {
        if (addressSet || ports.isEmpty()) {
            return;
        }
        long lowest = -1;
        for (Port p : ports) {
            long m = p.dev.mac() & 0xffff_ffff_ffffL;
            if (lowest < 0 || m < lowest) {
                lowest = m;
            }
        }
        changeAddress(lowest);
    }

    /** {@code ip link add NAME type bridge} with a random MAC. */
    public static Bridge create(NetNamespace ns, String name) {
        return new Bridge(ns, name, ns.network().randomMac());
    }

    @Override
    public String kind() {
        return "bridge";
    }

    public Fdb fdb() {
        return fdb;
    }

    public List<Port> ports() {
        return Collections.unmodifiableList(ports);
    }

    /** The port {@code dev} is, or null: read from the device ({@code br_port_get_rcu}), never searched. */
    public Port port(NetDevice dev) {
        return dev != null && dev.master() == this ? dev.bridgePort() : null;
    }

    /**
     * {@code ip link set DEV master BRIDGE} ({@code br_add_if}): the device becomes a port and its
     * MAC a local FDB entry; a bridge whose address was not set by hand takes the lowest port MAC. The bridge's MTU becomes the smallest of its ports' MTUs, as
     * {@code br_mtu_auto_adjust} does while the MTU was not set by hand.
     */
    public Port addPort(NetDevice dev) {
        if (dev.netns() != netns()) {
            throw new IllegalArgumentException(dev + " is not in the bridge's namespace " + netns().qualifiedName());
        }
        if (dev.master() != null) {
            throw new IllegalArgumentException(dev + " is already a port of " + dev.master().name());
        }
        Port port = new Port(dev);
        ports.add(0, port);
        dev.master(this, port);
        fdb.addPort(dev.ref(), dev.mac(), netns().network().sim().now());
        recalculateAddress();
        int min = Integer.MAX_VALUE;
        for (Port p : ports) {
            min = Math.min(min, p.dev.mtu());
        }
        mtu(min);
        return port;
    }

    /** {@code ip link set DEV nomaster} / deletion of a port ({@code br_del_if}): its FDB entries go. */
    void removePort(NetDevice dev) {
        ports.removeIf(p -> p.dev == dev);
        fdb.removePort(dev.ref());
        dev.master(null, null);
    }

    // ------------------------------------------------------------------ receive on a port

    /** {@code br_handle_frame}: a frame arrived on port {@code in}; takes ownership. */
    void handleFrame(NetDevice in, Packet p) {
        Port port = port(in);
        long now = netns().network().sim().now();
        int off = p.start();
        if (p.length() < Ethernet.HEADER_LENGTH) {
            drop(in, p, DropReason.PKT_TOO_SMALL, "runt frame");
            return;
        }
        eth.wrap(p.buf(), off);
        long src = eth.src();
        long dst = eth.dst();
        if (MacAddress.isMulticast(src) || src == 0) {
            drop(in, p, DropReason.MAC_INVALID_SOURCE, "source MAC not unicast");
            return;
        }
        if (port.learning) {
            fdb.learn(in.ref(), src, 0, now);
        }
        boolean ipv4 = eth.etherType() == EtherType.IPV4 && p.length() >= Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH;
        boolean prerouted = false;
        if (ipv4 && netns().sysctl().bridgeNfCallIptables) {
            // br_nf_pre_routing: the IPv4 PREROUTING hooks, seen from the bridge device.
            int ipOff = off + Ethernet.HEADER_LENGTH;
            int dstBefore = ip.wrap(p.buf(), ipOff).dst();
            int verdict = netns().netfilter().run(Hook.PREROUTING, p, ipOff, this, null, in, null);
            if (verdict != NetfilterHooks.NF_ACCEPT) {
                dropVerdict(in, p, verdict, "PREROUTING (bridge)");
                return;
            }
            prerouted = true;
            int dstAfter = ip.wrap(p.buf(), ipOff).dst();
            if (dstAfter != dstBefore && !MacAddress.isMulticast(dst)) {
                // br_nf_pre_routing_finish: DNAT changed the destination. Routed elsewhere: hand
                // the frame to the IP stack as addressed to us; behind this bridge: switch it again.
                long newMac = netns().stack().bridgeReroute(this, dstAfter);
                if (newMac == Ipv4Stack.REROUTE_TO_STACK) {
                    eth.wrap(p.buf(), off).dst(mac());
                    passUp(in, p, true);
                    return;
                }
                if (newMac == Ipv4Stack.REROUTE_FAILED) {
                    drop(in, p, DropReason.IP_INNOROUTES, "no route to the DNAT destination");
                    return;
                }
                eth.wrap(p.buf(), off).dst(newMac);
                dst = newMac;
            }
        }
        if (MacAddress.isMulticast(dst)) {
            if (tracing()) {
                trace(in, Step.FDB_LOOKUP, Verdict.FORWARD, "multicast/broadcast " + MacAddress.toString(dst)
                        + ": flood and deliver up");
            }
            flood(in, p, prerouted, true);
            return;
        }
        Fdb.Entry entry = fdb.lookup(dst, 0, now);
        if (entry != null && entry.isLocal()) {
            if (tracing()) {
                trace(in, Step.FDB_LOOKUP, Verdict.DELIVER, MacAddress.toString(dst) + " is local: up to " + name());
            }
            passUp(in, p, prerouted);
            return;
        }
        if (entry == null) {
            if (tracing()) {
                trace(in, Step.FDB_LOOKUP, Verdict.FORWARD, MacAddress.toString(dst) + " unknown: flood");
            }
            flood(in, p, prerouted, false);
            return;
        }
        NetDevice out = netns().device(entry.port().ifindex());
        Port outPort = port(out);
        if (outPort == null || (out == in && !port.hairpin)) {
            // br_forward → should_deliver refuses the ingress port; the frame is freed (kfree_skb).
            drop(in, p, DropReason.NOT_SPECIFIED, tracing() ? MacAddress.toString(dst)
                    + " is behind the ingress port " + in.name() + " (hairpin off)" : null);
            return;
        }
        if (tracing()) {
            trace(in, Step.FDB_LOOKUP, Verdict.FORWARD, MacAddress.toString(dst) + " on port " + out.name());
        }
        forward(in, outPort, p, prerouted);
    }

    /** Delivers the frame to the IP stack as received on the bridge device ({@code br_pass_frame_up}). */
    private void passUp(NetDevice in, Packet p, boolean prerouted) {
        netns().network().capture(this, p);
        netns().stack().receiveOnBridge(this, in, p, prerouted);
    }

    /** {@code br_forward} → {@code __br_forward}: FORWARD and POSTROUTING (br_netfilter), then out the port. */
    private void forward(NetDevice in, Port out, Packet p, boolean prerouted) {
        if (prerouted) {
            int ipOff = p.start() + Ethernet.HEADER_LENGTH;
            int verdict = netns().netfilter().run(Hook.FORWARD, p, ipOff, this, this, in, out.dev);
            if (verdict != NetfilterHooks.NF_ACCEPT) {
                dropVerdict(in, p, verdict, "FORWARD (bridge)");
                return;
            }
            verdict = netns().netfilter().run(Hook.POSTROUTING, p, ipOff, null, this, in, out.dev);
            if (verdict != NetfilterHooks.NF_ACCEPT) {
                dropVerdict(in, p, verdict, "POSTROUTING (bridge)");
                return;
            }
        }
        out.dev.xmit(p);
    }

    /**
     * {@code br_flood}: a copy to every port that accepts floods (the ingress port only with
     * hairpin), then optionally up the stack ({@code br_pass_frame_up} for broadcast/multicast).
     */
    private void flood(NetDevice in, Packet p, boolean prerouted, boolean alsoLocal) {
        for (Port port : ports) {
            if (!port.flood || (port.dev == in && !port.hairpin) || !port.dev.isUp()) {
                continue;
            }
            forward(in, port, netns().stack().copy(p), prerouted);
        }
        if (alsoLocal) {
            passUp(in, p, prerouted);
        } else {
            p.release();
        }
    }

    // ------------------------------------------------------------------ transmit from the stack

    /** {@code br_dev_xmit}: the IP stack sends through the bridge device. */
    @Override
    protected void transmit(Packet p) {
        eth.wrap(p.buf(), p.start());
        long dst = eth.dst();
        if (MacAddress.isMulticast(dst)) {
            for (Port port : ports) {
                if (port.flood && port.dev.isUp()) {
                    port.dev.xmit(netns().stack().copy(p));
                }
            }
            p.release();
            return;
        }
        Fdb.Entry entry = fdb.lookup(dst, 0, netns().network().sim().now());
        if (entry == null || entry.isLocal() && entry.port() == null) {
            if (tracing()) {
                trace(this, Step.FDB_LOOKUP, Verdict.FORWARD, MacAddress.toString(dst) + " unknown: flood");
            }
            for (Port port : ports) {
                if (port.flood && port.dev.isUp()) {
                    port.dev.xmit(netns().stack().copy(p));
                }
            }
            p.release();
            return;
        }
        NetDevice out = netns().device(entry.port().ifindex());
        if (tracing()) {
            trace(this, Step.FDB_LOOKUP, Verdict.FORWARD, MacAddress.toString(dst) + " on port " + out.name());
        }
        out.xmit(p);
    }

    private boolean tracing() {
        return netns().network().tracer().enabled();
    }

    private void trace(NetDevice dev, Step step, Verdict verdict, String detail) {
        netns().trace(dev, step, verdict, null, detail);
    }

    private void drop(NetDevice in, Packet p, DropReason reason, String detail) {
        in.countRxDrop();
        netns().trace(in, Step.FDB_LOOKUP, Verdict.DROP, reason, detail);
        p.release();
    }

    private void dropVerdict(NetDevice in, Packet p, int verdict, String where) {
        if (verdict == NetfilterHooks.NF_DROP) {
            netns().trace(in, Step.NF_BRIDGE, Verdict.DROP, DropReason.NETFILTER_DROP, where);
            p.release();
        }
        // NF_STOLEN: the hook owns the packet now.
    }
}
