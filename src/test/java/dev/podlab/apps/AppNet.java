package dev.podlab.apps;

import dev.podlab.net.IpCommand;
import dev.podlab.net.NetDevice;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.Network;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.ListTraceSink;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.Tracer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The lab the app tests run in: two pods on a bridge of router r, a third behind r on another
 * subnet, every frame each pod's eth0 sends or receives kept, the trace kept in memory.
 *
 * <pre>
 *   pod a 10.0.0.2 ─ vetha ┐
 *                          ├ br0 10.0.0.1/24 ─ (router r, ip_forward=1) ─ vethc 10.0.1.1/24 ─ pod c 10.0.1.2
 *   pod b 10.0.0.3 ─ vethb ┘
 * </pre>
 */
final class AppNet {
    static final long MS = 1_000_000L;
    static final long SECOND = 1_000_000_000L;
    static final int A = Ipv4Address.parse("10.0.0.2");
    static final int B = Ipv4Address.parse("10.0.0.3");
    static final int C = Ipv4Address.parse("10.0.1.2");
    static final int ROUTER = Ipv4Address.parse("10.0.0.1");

    /** A frame seen on a pod's eth0, from its IPv4 header on. */
    record Frame(long timeNs, String netns, ByteBuf ip) {
        int src() {
            return ip.getInt(Ipv4.SRC_OFFSET);
        }

        int dst() {
            return ip.getInt(Ipv4.DST_OFFSET);
        }

        int protocol() {
            return ip.getUnsignedByte(Ipv4.PROTOCOL_OFFSET);
        }

        int l4() {
            return (ip.getUnsignedByte(0) & 0x0f) * 4;
        }
    }

    final Simulator sim = new Simulator(7);
    final ListTraceSink sink = new ListTraceSink();
    final Network net = new Network(sim, new Tracer(sim, sink));
    final NetNamespace r = net.namespace("r", null);
    final NetNamespace a = net.namespace("r", "a");
    final NetNamespace b = net.namespace("r", "b");
    final NetNamespace c = net.namespace("r", "c");
    final List<Frame> frames = new ArrayList<>();

    AppNet() {
        ip(r, "link add br0 type bridge", "link set br0 up", "addr add 10.0.0.1/24 dev br0",
                "link add vetha type veth peer name eth0 netns a", "link set vetha master br0", "link set vetha up",
                "link add vethb type veth peer name eth0 netns b", "link set vethb master br0", "link set vethb up",
                "link add vethc type veth peer name eth0 netns c", "link set vethc up",
                "addr add 10.0.1.1/24 dev vethc", "sysctl -w net.ipv4.ip_forward=1");
        ip(a, "link set eth0 up", "addr add 10.0.0.2/24 dev eth0", "route add default via 10.0.0.1");
        ip(b, "link set eth0 up", "addr add 10.0.0.3/24 dev eth0", "route add default via 10.0.0.1");
        ip(c, "link set eth0 up", "addr add 10.0.1.2/24 dev eth0", "route add default via 10.0.1.1");
        for (NetNamespace pod : List.of(a, b, c)) {
            pod.loopbackUp();
        }
        net.capture((NetDevice dev, long t, dev.podlab.packet.Packet p) -> {
            if (dev.name().equals("eth0") && dev.netns().name() != null && p.length() > 14
                    && p.buf().getUnsignedShort(p.start() + 12) == 0x0800) {
                ByteBuf copy = Unpooled.copiedBuffer(p.buf().nioBuffer(p.start() + 14, p.length() - 14));
                frames.add(new Frame(t, dev.netns().name(), copy));
            }
        });
    }

    static void ip(NetNamespace ns, String... lines) {
        for (String l : lines) {
            IpCommand.run(ns, l);
        }
    }

    void runFor(long ns) {
        sim.runUntil(sim.now() + ns);
    }

    /** Frames of {@code protocol} seen on pod {@code netns}'s eth0, in order. */
    List<Frame> seen(String netns, int protocol) {
        return frames.stream().filter(f -> f.netns().equals(netns) && f.protocol() == protocol).toList();
    }

    List<TraceEvent> events() {
        return sink.events();
    }

    String trace() {
        return sink.events().stream().map(TraceEvent::toString).collect(Collectors.joining("\n"));
    }
}
