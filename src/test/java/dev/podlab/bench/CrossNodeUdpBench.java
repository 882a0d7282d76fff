package dev.podlab.bench;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.NetfilterHooks;
import dev.podlab.net.TransportHandler;
import dev.podlab.packet.Frames;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.sim.Simulator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
 * Cross-node pod-to-pod UDP through the full emulated path of a flannel VXLAN cluster, tracing
 * off: pod A's stack → veth → node1 cni0 (FDB) → netfilter (conntrack, kube-proxy's and
 * flannel's chains) → route → flannel.1 (neighbour, FDB, VXLAN encapsulation) → OUTPUT and
 * POSTROUTING of the outer datagram → eth0 → underlay link and switch → node2 eth0 → UDP 8472 →
 * decapsulation → netfilter → route → cni0 → veth → pod B's UDP socket. One operation = one
 * 64-byte datagram delivered, including the simulator events of every hop. The datagram's buffer
 * is reused (its bytes restored before each send), so the allocation reported is the path's own.
 *
 * <p>The fork runs the collector {@code ./podlab} runs, ParallelGC. {@code -p
 * netfilter=full,empty-tables,no-hooks} splits the cost of netfilter off the rest of the path.
 *
 * <pre>mvn -q -Pbench test-compile exec:exec -Dbench.args="CrossNodeUdpBench -prof gc"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx8g", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CrossNodeUdpBench {
    @Param({"3", "1000"})
    public int nodes;

    /**
     * {@code full}: the nodes' rules as flannel and kube-proxy leave them; {@code empty-tables}:
     * every rule flushed (the tables and conntrack still run, the built-in chains accept);
     * {@code no-hooks}: no netfilter at all, conntrack included. Nobody runs the last two: they
     * bound what the rule walk and the whole netfilter layer cost.
     */
    @Param({"full"})
    public String netfilter;

    /** flannel's backend: {@code vxlan}, or {@code host-gw} (the same path without the tunnel). */
    @Param({"vxlan"})
    public String backend;

    private Simulator sim;
    private NetNamespace client;
    private Packet packet;
    private ByteBuf buf;
    private byte[] template;
    private int start;
    private long delivered;

    @Setup
    public void setUp() {
        Cluster cluster = Cluster.build(ClusterScale.topology(nodes, 2, backend));
        sim = cluster.sim();
        for (ClusterNode n : cluster.nodes()) {
            switch (netfilter) {
                case "full" -> { }
                case "empty-tables" -> n.netfilter().iptables().restore("""
                        *filter
                        :INPUT ACCEPT [0:0]
                        :FORWARD ACCEPT [0:0]
                        :OUTPUT ACCEPT [0:0]
                        COMMIT
                        *nat
                        :PREROUTING ACCEPT [0:0]
                        :INPUT ACCEPT [0:0]
                        :OUTPUT ACCEPT [0:0]
                        :POSTROUTING ACCEPT [0:0]
                        COMMIT
                        """);
                case "no-hooks" -> n.netns().netfilter(NetfilterHooks.NONE, false);
                default -> throw new IllegalArgumentException("netfilter: full, empty-tables or no-hooks, not " + netfilter);
            }
        }
        ClusterPod a = cluster.pod("default/pod-0-0");
        ClusterPod b = cluster.pod("default/pod-1-0");
        client = a.netns();
        b.netns().sockets().bind(IpProtocol.UDP, 0, 5001, new TransportHandler() {
            @Override
            public void receive(NetNamespace ns, Packet p, int ipOffset, int l4Offset) {
                delivered++;
            }
        });
        Frames frames = new Frames(cluster.network().alloc());
        Ipv4Spec spec = new Ipv4Spec().addresses(a.ip(), b.ip()).df(false).id(1);
        buf = frames.udp(spec, 40000, 5001, Unpooled.wrappedBuffer(new byte[22]));
        start = buf.readerIndex();
        template = new byte[buf.readableBytes()];
        buf.getBytes(start, template);
        packet = new Packet(buf, LinkType.ETHERNET);
        // The first datagram resolves ARP on both nodes and creates the conntrack entries.
        for (int i = 0; i < 3; i++) {
            sendOne();
        }
        if (delivered != 3) {
            throw new IllegalStateException("datagrams delivered in set-up: " + delivered + ", want 3");
        }
    }

    @Benchmark
    public long sendOne() {
        buf.setBytes(start, template);
        buf.readerIndex(start).writerIndex(start + template.length);
        packet.csumUnnecessary(true); // a UDP socket's datagram: CHECKSUM_PARTIAL
        long want = delivered + 1;
        client.stack().send(packet);
        // Only the events of this datagram's path: neighbour timers further ahead stay pending.
        while (delivered < want && sim.step()) {
            // each step runs one hop
        }
        return delivered;
    }
}
