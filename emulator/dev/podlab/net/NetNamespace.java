package dev.podlab.net;

import dev.podlab.packet.Ipv4Address;
import dev.podlab.sim.EventHandler;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.DropReason;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A network namespace: its devices (in ifindex order, {@code lo} first), their addresses, the
 * routing table, the ARP neighbour table, the sysctls, the sockets, the IPv4 stack and the
 * netfilter hooks. A node's own namespace and each pod's are instances of this class.
 */
public final class NetNamespace {
    /** An address on a device, as {@code ip addr} lists it. */
    public record Address(NetDevice dev, int local, int prefixLength, int broadcast, int scope) {}

    private final Network network;
    private final String node;
    private final String name;
    private final String qualifiedName;
    private final List<NetDevice> devices = new ArrayList<>();
    /** Devices by ifindex: ifindexes are handed out in order from 1 and never reused, so an array. */
    private NetDevice[] byIfindex = new NetDevice[8];
    private final Map<String, NetDevice> byName = new HashMap<>();
    private final List<Address> addresses = new ArrayList<>();
    /*
     * The addresses' locals and broadcasts flat, in the order of addresses (0 where there is no
     * broadcast), with their devices: every received and sent packet asks whether its
     * destination is local or a broadcast. Rebuilt by every change to addresses.
     */
    private int[] locals = new int[0];
    private int[] broadcasts = new int[0];
    private NetDevice[] addressDevices = new NetDevice[0];
    private final RoutingTable routes = new RoutingTable();
    private final NeighbourTable arp;
    private final Sysctls sysctl = new Sysctls();
    private final Sockets sockets;
    private final Ipv4Stack stack;
    private final Loopback lo;
    private final LongObjectMap<TransportHandler> pingSockets = new LongObjectMap<>();
    private NetfilterHooks netfilter = NetfilterHooks.NONE;
    private boolean defragBeforeConntrack;
    private int nextIfindex = 1;
    private long neighbourTimer = Simulator.NO_EVENT;
    private long neighbourTimerAt = Long.MAX_VALUE;
    /** The neighbour table's {@link NeighbourTable#timerChanges()} when its deadlines were last read. */
    private int neighbourTimersSeen = -1;

    private static final EventHandler NEIGHBOUR_TIMER = (arg, unused) -> {
        NetNamespace ns = (NetNamespace) arg;
        ns.neighbourTimer = Simulator.NO_EVENT;
        ns.neighbourTimerAt = Long.MAX_VALUE;
        ns.neighbourTimersSeen = ns.arp.timerChanges() - 1; // the timer is gone: look again
        ns.arp.advance(ns.network.sim().now());
        ns.scheduleNeighbourTimer();
    };

    NetNamespace(Network network, String node, String name) {
        this.network = network;
        this.node = node;
        this.name = name;
        this.qualifiedName = name == null ? node : node + "/" + name;
        this.stack = new Ipv4Stack(this);
        this.arp = new NeighbourTable(NeighbourTable.Params.arpDefaults(),
                NeighbourTable.ReachableTimeSource.uniform(network.sim().random().stream("net/" + qualifiedName + "/neigh")),
                stack);
        this.sockets = new Sockets(sysctl, network.sim().random().stream("net/" + qualifiedName + "/ports"));
        this.lo = new Loopback(this);
        routes.addLoopback(lo.ref());
    }

    public Network network() {
        return network;
    }

    /** The node this namespace lives on. */
    public String node() {
        return node;
    }

    /** The namespace's own name (a pod's), or null for the node's root namespace. */
    public String name() {
        return name;
    }

    /** {@code node} for a node's namespace, {@code node/name} for a pod's. */
    public String qualifiedName() {
        return qualifiedName;
    }

    public RoutingTable routes() {
        return routes;
    }

    public NeighbourTable arp() {
        return arp;
    }

    public Sysctls sysctl() {
        return sysctl;
    }

    public Sockets sockets() {
        return sockets;
    }

    public Ipv4Stack stack() {
        return stack;
    }

    public Loopback loopback() {
        return lo;
    }

    public NetfilterHooks netfilter() {
        return netfilter;
    }

    /**
     * Installs the netfilter implementation (iptables tables and conntrack).
     *
     * @param defrag whether fragments are reassembled before PREROUTING, as nf_defrag_ipv4 does
     *               once conntrack is loaded
     */
    public void netfilter(NetfilterHooks hooks, boolean defrag) {
        this.netfilter = hooks;
        this.defragBeforeConntrack = defrag;
    }

    boolean defragBeforeConntrack() {
        return defragBeforeConntrack;
    }

    int allocateIfindex() {
        return nextIfindex++;
    }

    void register(NetDevice dev) {
        if (byName.containsKey(dev.name())) {
            throw new IllegalArgumentException("RTNETLINK answers: File exists (device " + dev.name() + " in "
                    + qualifiedName + ")");
        }
        devices.add(dev);
        if (dev.ifindex() >= byIfindex.length) {
            byIfindex = Arrays.copyOf(byIfindex, Math.max(dev.ifindex() + 1, 2 * byIfindex.length));
        }
        byIfindex[dev.ifindex()] = dev;
        byName.put(dev.name(), dev);
        if (!(dev instanceof Loopback)) {
            routes.addDevice(dev.ref());
        }
    }

    /**
     * {@code ip link del DEV} for one device of this namespace: it leaves its bridge, loses its
     * addresses and is gone from the namespace. Routes through it are the caller's to remove
     * (none are, for the devices a CNI deletes).
     */
    void unregister(NetDevice dev) {
        dev.down();
        if (dev.master() != null) {
            dev.master().removePort(dev);
        }
        addresses.removeIf(a -> a.dev() == dev);
        addressesChanged();
        devices.remove(dev);
        byIfindex[dev.ifindex()] = null;
        byName.remove(dev.name());
    }

    /** Devices in ifindex order. */
    public List<NetDevice> devices() {
        return Collections.unmodifiableList(devices);
    }

    public NetDevice device(int ifindex) {
        return ifindex >= 0 && ifindex < byIfindex.length ? byIfindex[ifindex] : null;
    }

    /** The device called {@code name}, or null. */
    public NetDevice device(String name) {
        return byName.get(name);
    }

    /** Brings {@code lo} up with 127.0.0.1/8, as a container runtime does for a pod. */
    public NetNamespace loopbackUp() {
        lo.up();
        addAddress(lo, "127.0.0.1/8");
        return this;
    }

    /**
     * {@code ip addr add CIDR dev DEV}: the address, and the kernel's routes for it (the prefix
     * route in main, local and broadcast routes in local: {@code fib_add_ifaddr}). The broadcast
     * address is the subnet's for prefixes shorter than /31, as {@code ip addr add ... brd +}
     * gives (what CNI plugins and iproute2 scripts ask for).
     */
    public Address addAddress(NetDevice dev, String cidr) {
        int slash = cidr.indexOf('/');
        int local = Ipv4Address.parse(slash < 0 ? cidr : cidr.substring(0, slash));
        int len = slash < 0 ? 32 : Integer.parseInt(cidr.substring(slash + 1));
        int mask = Ipv4Address.mask(len);
        // ip addr add ... brd + (what CNI plugins ask for); lo's 127.0.0.1/8 has none.
        int brd = len < 31 && !(dev instanceof Loopback) ? (local & mask) | ~mask : 0;
        int scope = (local >>> 24) == 127 ? RouteScope.HOST : RouteScope.UNIVERSE;
        routes.addAddress(dev.ref(), local, len, brd, scope, 0);
        Address a = new Address(dev, local, len, brd, scope);
        addresses.add(a);
        addressesChanged();
        return a;
    }

    private void addressesChanged() {
        int n = addresses.size();
        locals = new int[n];
        broadcasts = new int[n];
        addressDevices = new NetDevice[n];
        for (int i = 0; i < n; i++) {
            Address a = addresses.get(i);
            locals[i] = a.local();
            broadcasts[i] = a.broadcast();
            addressDevices[i] = a.dev();
        }
    }

    /** Addresses in the order they were added. */
    public List<Address> addresses() {
        return Collections.unmodifiableList(addresses);
    }

    /** The first address on {@code dev}, or 0. */
    public int primaryAddress(NetDevice dev) {
        for (Address a : addresses) {
            if (a.dev() == dev) {
                return a.local();
            }
        }
        return 0;
    }

    /**
     * True when {@code addr} is one of this namespace's addresses, whatever the state of its
     * device's link: the kernel adds an address's {@code local} route to the local table when the
     * address is added and keeps it while the link is down ({@code fib_add_ifaddr}), so a packet
     * to an address of a down device that arrives on another one is delivered (a weak host).
     */
    public boolean isLocalAddress(int addr) {
        for (int local : locals) {
            if (local == addr) {
                return true;
            }
        }
        // 127.0.0.0/8 is local once lo has 127.0.0.1/8.
        return (addr >>> 24) == 127 && lo.isUp();
    }

    /**
     * True when {@code addr} is the subnet broadcast of an address on a device that is up: the
     * kernel adds the {@code broadcast} route only for a device that is up and removes it when
     * the link goes down.
     */
    public boolean isBroadcastAddress(int addr) {
        int[] b = broadcasts;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == addr && addr != 0 && addressDevices[i].isUp()) {
                return true;
            }
        }
        return false;
    }

    /** Registers the ping socket for ICMP echo id {@code id} (replies and errors about its requests). */
    public void bindPing(int id, TransportHandler handler) {
        pingSockets.put(id, handler);
    }

    public void unbindPing(int id) {
        pingSockets.remove(id);
    }

    TransportHandler icmpEchoHandler(int id) {
        return pingSockets.get(id);
    }

    /** Arms the simulator timer for the neighbour table's next deadline (one timer per namespace). */
    void scheduleNeighbourTimer() {
        int changes = arp.timerChanges();
        if (changes == neighbourTimersSeen) {
            return; // no timer armed, moved or stopped since the last look: nothing to re-arm
        }
        neighbourTimersSeen = changes;
        long next = arp.nextDeadlineNs();
        if (next == Long.MAX_VALUE || next >= neighbourTimerAt) {
            return;
        }
        Simulator sim = network.sim();
        if (neighbourTimer != Simulator.NO_EVENT) {
            sim.cancel(neighbourTimer);
        }
        neighbourTimerAt = Math.max(next, sim.now());
        neighbourTimer = sim.scheduleAt(neighbourTimerAt, NEIGHBOUR_TIMER, this, 0);
    }

    /** A trace event from this namespace; builds nothing when tracing is off. */
    public void trace(NetDevice dev, Step step, Verdict verdict, DropReason reason, String detail) {
        if (network.tracer().enabled()) {
            network.tracer().event(node, name == null ? "" : name, dev == null ? "" : dev.name(), step, verdict, reason,
                    detail);
        }
    }

    @Override
    public String toString() {
        return qualifiedName;
    }
}
