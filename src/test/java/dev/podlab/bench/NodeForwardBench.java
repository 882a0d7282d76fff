package dev.podlab.bench;

import dev.podlab.net.IpCommand;
import dev.podlab.net.NetDevice;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.Network;
import dev.podlab.netfilter.NodeNetfilter;
import dev.podlab.packet.Frames;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.MacAddress;
import dev.podlab.packet.Packet;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.Tracer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forwarding one packet through a node, tracing off: a 64-byte UDP frame from a pod arrives on the
 * pod's veth (a port of cni0), is switched up to the bridge device (FDB lookup), passes
 * PREROUTING with a conntrack hit (the flow is ESTABLISHED: a reply was seen in set-up), is routed
 * (route lookup, TTL, MTU), traverses the FORWARD chain — {@code rules} non-matching rules
 * ({@code -s 192.0.2.x/32 -p tcp -m tcp --dport 80 -j DROP}, all different) and then
 * {@code -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT} — and POSTROUTING with the NAT
 * binding check and confirm, has its next hop resolved (a REACHABLE neighbour) and is
 * transmitted on eth0. One operation = one packet. The frame's bytes are restored before each
 * operation, so the same packet object and buffer are reused and any allocation measured by
 * {@code -prof gc} is the datapath's own.
 *
 * <pre>mvn -q -Pbench test-compile exec:exec -Dbench.args="NodeForwardBench -prof gc"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class NodeForwardBench {
    /** iptables rules in the FORWARD chain that the packet does not match, before the one it does. */
    @Param({"0", "1000", "10000"})
    public int rules;

    private NetDevice podPort;
    private Packet packet;
    private ByteBuf buf;
    private byte[] template;
    private int start;
    private Sink sink;

    /** The egress NIC's stand-in: counts the frame and keeps the packet for the next operation. */
    static final class Sink extends NetDevice {
        long frames;

        Sink(NetNamespace ns) {
            super(ns, "eth0", MacAddress.parse("52:54:00:12:34:11"), 1500);
        }

        @Override
        protected void transmit(Packet p) {
            frames++;
        }
    }

    @Setup
    public void setUp() {
        Simulator sim = new Simulator(1);
        Network net = new Network(sim, Tracer.off());
        NetNamespace node = net.namespace("node1", null);
        NetNamespace pod = net.namespace("node1", "pod-a");
        sink = new Sink(node);
        for (String cmd : new String[] {
            "link add cni0 type bridge", "link set cni0 up", "addr add 10.244.1.1/24 dev cni0",
            "link add veth-a type veth peer name eth0 netns pod-a", "link set veth-a master cni0", "link set veth-a up",
            "link set eth0 up", "addr add 192.168.1.11/24 dev eth0",
            "route add default via 192.168.1.1 dev eth0",
            "neigh add 192.168.1.1 lladdr 52:54:00:00:00:01 dev eth0 nud reachable",
            "sysctl -w net.ipv4.ip_forward=1"}) {
            IpCommand.run(node, cmd);
        }
        IpCommand.run(pod, "link set eth0 up");
        IpCommand.run(pod, "addr add 10.244.1.2/24 dev eth0");
        NodeNetfilter nf = NodeNetfilter.install(node);
        StringBuilder filter = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
        for (int i = 0; i < rules; i++) {
            filter.append("-A FORWARD -s ").append(Ipv4Address.toString(Ipv4Address.parse("192.0.2.0") + i))
                    .append("/32 -p tcp -m tcp --dport 80 -j DROP\n");
        }
        filter.append("-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n");
        nf.iptables().restore(filter.toString());
        podPort = node.device("veth-a");
        long cni0 = node.device("cni0").mac();
        Frames frames = new Frames(UnpooledByteBufAllocator.DEFAULT);
        Ipv4Spec spec = new Ipv4Spec().macs(MacAddress.parse("0a:58:0a:f4:01:02"), cni0)
                .addresses(Ipv4Address.parse("10.244.1.2"), Ipv4Address.parse("203.0.113.7")).id(1);
        buf = frames.udp(spec, 40000, 5001, Unpooled.wrappedBuffer(new byte[22]));
        start = buf.readerIndex();
        template = new byte[buf.readableBytes()];
        buf.getBytes(start, template);
        packet = new Packet(buf, LinkType.ETHERNET);
        // One packet first (the bridge learns the pod's MAC, conntrack creates the entry), then
        // the reply from the remote end, so the flow is ESTABLISHED.
        forwardOne();
        Ipv4Spec back = new Ipv4Spec().macs(MacAddress.parse("52:54:00:00:00:01"), sink.mac())
                .addresses(Ipv4Address.parse("203.0.113.7"), Ipv4Address.parse("10.244.1.2")).id(2);
        sink.receive(new Packet(frames.udp(back, 5001, 40000, Unpooled.wrappedBuffer(new byte[22])), LinkType.ETHERNET));
        sim.runUntil(sim.now() + 1_000_000);
        if (!nf.conntrackList().contains("src=203.0.113.7 dst=10.244.1.2 sport=5001 dport=40000 mark=0")
                || nf.conntrackList().contains("[UNREPLIED]")) {
            throw new IllegalStateException("flow not established: " + nf.conntrackList() + " stats "
                    + nf.conntrack().stats() + " now " + sim.now());
        }
    }

    @Benchmark
    public long forwardOne() {
        buf.setBytes(start, template);
        buf.readerIndex(start).writerIndex(start + template.length);
        podPort.receive(packet);
        return sink.frames;
    }
}
