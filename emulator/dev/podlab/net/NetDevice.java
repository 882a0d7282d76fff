package dev.podlab.net;

import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.trace.DropReason;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;

/**
 * A network device in a {@link NetNamespace}: the part of {@code struct net_device} the datapath
 * uses. Transmitting ({@link #xmit}, the kernel's {@code dev_queue_xmit}) hands a frame to the
 * device's driver; receiving ({@link #receive}, {@code netif_receive_skb}) passes a frame that
 * arrived on the device up: to its master bridge's rx handler when it is a bridge port
 * ({@code br_handle_frame}), else to the namespace's protocol handlers (ARP, IPv4).
 *
 * <p>Both directions count packets and bytes as {@code ip -s link} shows them and offer the frame
 * to the network's capture sink, so a capture of a device sees what {@code tcpdump -i DEV} would.
 */
public abstract class NetDevice {
    /** Ethernet header length: the L2 overhead a device's MTU does not include. */
    public static final int ETH_HLEN = 14;

    private final NetNamespace netns;
    private final String name;
    private final DeviceRef ref;
    private long mac;
    private int mtu;
    private boolean up;
    private Bridge master;
    private Bridge.Port bridgePort;

    private long rxPackets;
    private long rxBytes;
    private long rxDropped;
    private long txPackets;
    private long txBytes;
    private long txDropped;

    protected NetDevice(NetNamespace netns, String name, long mac, int mtu) {
        this.netns = netns;
        this.name = name;
        this.mac = mac;
        this.mtu = mtu;
        this.ref = new DeviceRef(netns.allocateIfindex(), name);
        netns.register(this);
    }

    public NetNamespace netns() {
        return netns;
    }

    /**
     * The device's name, fixed for its life (podlab has no {@code ip link set name}; memos of
     * netfilter's walks rely on it, see dev.podlab.netfilter.HookMemo).
     */
    public final String name() {
        return name;
    }

    public int ifindex() {
        return ref.ifindex();
    }

    /** The routing and neighbour tables' handle for this device. */
    public DeviceRef ref() {
        return ref;
    }

    public long mac() {
        return mac;
    }

    /**
     * {@code ip link set DEV address MAC}. On a bridge port the port's local FDB entry follows
     * ({@code br_fdb_changeaddr}), so frames to the new address still reach this host, and the
     * bridge's own address may follow ({@code br_stp_recalculate_bridge_id}).
     */
    public void mac(long mac) {
        long old = this.mac;
        this.mac = mac;
        if (master != null && old != mac) {
            master.portAddressChanged(this, old, mac);
        }
    }

    public int mtu() {
        return mtu;
    }

    public void mtu(int mtu) {
        this.mtu = mtu;
    }

    public boolean isUp() {
        return up;
    }

    /** {@code ip link set DEV up}. */
    public void up() {
        this.up = true;
    }

    public void down() {
        this.up = false;
    }

    /** The bridge this device is a port of, or null. */
    public Bridge master() {
        return master;
    }

    void master(Bridge bridge, Bridge.Port port) {
        this.master = bridge;
        this.bridgePort = port;
    }

    /** This device's port of {@link #master()} (the kernel's {@code br_port_get_rcu(dev)}), or null. */
    Bridge.Port bridgePort() {
        return bridgePort;
    }

    /** LINKTYPE of what the device carries: Ethernet frames, or bare IP packets for IP tunnels. */
    public int linkType() {
        return LinkType.ETHERNET;
    }

    /** True for devices without link-layer addresses (IP tunnels, loopback): no ARP on them. */
    public boolean noArp() {
        return false;
    }

    /** The kind iproute2 prints after "link/" ({@code ether}, {@code loopback}, {@code ipip}). */
    public String linkKind() {
        return "ether";
    }

    /** The device type shown by {@code ip -d link} ({@code veth}, {@code bridge}, {@code vxlan}), or null. */
    public String kind() {
        return null;
    }

    /** iproute2's {@code @peer} suffix text for paired devices ({@code @if7}), or empty. */
    public String linkSuffix() {
        return "";
    }

    /**
     * Transmits a frame ({@code dev_queue_xmit}): the device takes ownership of the packet. A
     * device that is down drops it.
     */
    public final void xmit(Packet p) {
        if (!up) {
            txDropped++;
            netns.trace(this, Step.DEV_TX, Verdict.DROP, DropReason.DEV_READY, "device down");
            p.release();
            return;
        }
        txPackets++;
        txBytes += p.length();
        netns.network().capture(this, p);
        transmit(p);
    }

    /** The driver's transmit ({@code ndo_start_xmit}); owns the packet. */
    protected abstract void transmit(Packet p);

    /**
     * A frame arrived on this device ({@code netif_receive_skb}); takes ownership. Bridge ports
     * hand it to their bridge, other devices to the namespace's protocol handlers.
     */
    public final void receive(Packet p) {
        if (!up) {
            rxDropped++;
            netns.trace(this, Step.DEV_RX, Verdict.DROP, DropReason.DEV_READY, "device down");
            p.release();
            return;
        }
        rxPackets++;
        rxBytes += p.length();
        netns.network().capture(this, p);
        if (master != null) {
            master.handleFrame(this, p);
        } else {
            netns.stack().receive(this, p);
        }
    }

    /** Counts a frame the device (or the stack on its behalf) dropped on receive. */
    public void countRxDrop() {
        rxDropped++;
    }

    public void countTxDrop() {
        txDropped++;
    }

    public long rxPackets() {
        return rxPackets;
    }

    public long rxBytes() {
        return rxBytes;
    }

    public long rxDropped() {
        return rxDropped;
    }

    public long txPackets() {
        return txPackets;
    }

    public long txBytes() {
        return txBytes;
    }

    public long txDropped() {
        return txDropped;
    }

    @Override
    public String toString() {
        return netns.qualifiedName() + "/" + name;
    }
}
