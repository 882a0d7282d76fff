package dev.podlab.net;

import dev.podlab.packet.Frames;
import dev.podlab.packet.HeapFrames;
import dev.podlab.packet.Packet;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.Tracer;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * One emulated network: the simulator that drives it, the tracer its elements report to, the
 * namespaces (nodes and pods) it holds, and the optional capture of every device. Everything an
 * element needs from outside itself comes through here, passed explicitly: there is no global.
 */
public final class Network {
    private final Simulator sim;
    private final Tracer tracer;
    private final ByteBufAllocator alloc;
    private final Frames frames;
    private final RandomGenerator macRandom;
    private final List<NetNamespace> namespaces = new ArrayList<>();
    private final java.util.Map<String, NetNamespace> byName = new java.util.HashMap<>();
    private CaptureSink capture;
    private long nextPacketId = 1;

    public Network(Simulator sim, Tracer tracer) {
        this.sim = sim;
        this.tracer = tracer;
        // Heap buffers, unpooled (UnpooledByteBufAllocator.DEFAULT would hand out direct buffers
        // without a cleaner, whose memory only release() frees): frames still in flight when a run
        // stops are reclaimed by the garbage collector with the network. The hot path reuses
        // packets instead of allocating them.
        this.alloc = HeapFrames.ALLOCATOR;
        this.frames = new Frames(alloc);
        this.macRandom = sim.random().stream("net/mac");
    }

    public Simulator sim() {
        return sim;
    }

    public Tracer tracer() {
        return tracer;
    }

    public ByteBufAllocator alloc() {
        return alloc;
    }

    /** Packet builders shared by every element of this network (single-threaded). */
    public Frames frames() {
        return frames;
    }

    /** A namespace on {@code node}: the node's own ({@code name} null) or a pod's. */
    public NetNamespace namespace(String node, String name) {
        NetNamespace ns = new NetNamespace(this, node, name);
        if (byName.putIfAbsent(ns.qualifiedName(), ns) != null) {
            throw new IllegalArgumentException("Cannot create namespace file \"/var/run/netns/" + ns.qualifiedName()
                    + "\": File exists");
        }
        namespaces.add(ns);
        return ns;
    }

    public List<NetNamespace> namespaces() {
        return Collections.unmodifiableList(namespaces);
    }

    /** The namespace with this qualified name ({@code node1}, {@code node1/default/web-0}), or null. */
    public NetNamespace find(String qualifiedName) {
        return byName.get(qualifiedName);
    }

    /**
     * A random locally administered unicast MAC, as {@code eth_random_addr} makes for veth and
     * bridge devices, drawn from this network's seeded stream.
     */
    public long randomMac() {
        long mac = macRandom.nextLong() & 0xffff_ffff_ffffL;
        return (mac & ~0x0100_0000_0000L) | 0x0200_0000_0000L;
    }

    /** A fresh packet id, to follow one packet through the trace. */
    public long nextPacketId() {
        return nextPacketId++;
    }

    public void capture(CaptureSink sink) {
        this.capture = sink;
    }

    void capture(NetDevice dev, Packet p) {
        if (capture != null) {
            capture.capture(dev, sim.now(), p);
        }
    }
}
