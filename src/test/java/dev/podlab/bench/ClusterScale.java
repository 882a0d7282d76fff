package dev.podlab.bench;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.cluster.model.ClusterSpec;
import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NodeSpec;
import dev.podlab.cluster.model.PodSpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.Topology;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds a large flannel VXLAN cluster and reports wall time and heap: N nodes on one /16
 * underlay, P pods per node, each pod serving TCP 80.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.mainClass=dev.podlab.bench.ClusterScale -Dexec.classpathScope=test -Dexec.args="1000 30"</pre>
 */
public final class ClusterScale {
    private ClusterScale() {}

    public static Topology topology(int nodes, int podsPerNode) {
        return topology(nodes, podsPerNode, "vxlan");
    }

    /** The cluster on flannel's {@code backend} ({@code vxlan} or {@code host-gw}). */
    public static Topology topology(int nodes, int podsPerNode, String backend) {
        List<NodeSpec> ns = new ArrayList<>();
        int base = Ipv4Address.parse("192.168.0.0");
        for (int i = 0; i < nodes; i++) {
            ns.add(new NodeSpec("node" + (i + 1), base + 10 + i, 16, Source.NONE));
        }
        Map<String, Object> flannel = Map.of("Network", "10.0.0.0/8", "SubnetLen", 24, "Backend", Map.of("Type", backend));
        ClusterSpec spec = new ClusterSpec("scale", 1500, ns, "flannel", flannel, 1, Source.NONE);
        List<PodSpec> pods = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            for (int p = 0; p < podsPerNode; p++) {
                pods.add(new PodSpec("default", "pod-" + n + "-" + p, Map.of("app", "a" + p), "node" + (n + 1),
                        List.of(new ContainerPort("http", 80, "TCP")), null, Source.NONE));
            }
        }
        return new Topology(spec, List.of(), pods, List.of(), List.of(), List.of());
    }

    /**
     * Sends F one-way flows of D datagrams (source ports {@code firstPort} on) from pod-0-0 to
     * pod-1-0 of {@code cluster}, 10 µs apart, and runs a second more; returns the datagrams
     * delivered.
     */
    public static long sendFlows(Cluster cluster, int flows, int datagrams, int firstPort) {
        ClusterPod a = cluster.pod("default/pod-0-0");
        ClusterPod b = cluster.pod("default/pod-1-0");
        long[] delivered = new long[1];
        b.netns().sockets().bind(IpProtocol.UDP, 0, 5001, new TransportHandler() {
            @Override
            public void receive(NetNamespace ns, Packet p, int ipOffset, int l4Offset) {
                delivered[0]++;
            }
        });
        for (int f = 0; f < flows; f++) {
            for (int i = 0; i < datagrams; i++) {
                Ipv4Spec spec = new Ipv4Spec().addresses(a.ip(), b.ip()).df(false).id(i);
                a.netns().stack().send(new Packet(cluster.network().frames().udp(spec, firstPort + f % 64000, 5001,
                        Unpooled.wrappedBuffer(new byte[22])), LinkType.ETHERNET).csumUnnecessary(true));
                cluster.sim().runUntil(cluster.sim().now() + 10_000L);
            }
        }
        cluster.sim().runUntil(cluster.sim().now() + 1_000_000_000L);
        return delivered[0];
    }

    public static void main(String[] args) {
        int nodes = Integer.parseInt(args[0]);
        int perNode = Integer.parseInt(args[1]);
        Topology t = topology(nodes, perNode);
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long heapBefore = rt.totalMemory() - rt.freeMemory();
        long start = System.nanoTime();
        Cluster c = Cluster.build(t);
        long wall = System.nanoTime() - start;
        System.gc();
        long heap = rt.totalMemory() - rt.freeMemory() - heapBefore;
        System.out.printf("nodes %d, pods %d: build %.2f s, heap %.2f GiB%n", c.nodes().size(), c.pods().size(),
                wall / 1e9, heap / (double) (1L << 30));
    }
}
