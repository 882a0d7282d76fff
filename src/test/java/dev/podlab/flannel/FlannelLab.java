package dev.podlab.flannel;

import dev.podlab.capture.PcapngWriter;
import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.cluster.model.ClusterSpec;
import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NodeSpec;
import dev.podlab.cluster.model.PodSpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.Topology;
import dev.podlab.net.NetDevice;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.ListTraceSink;
import dev.podlab.trace.Tracer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds small flannel clusters from model records: nodes {@code name=ADDR/LEN}, the net-conf
 * fields, one pod per entry {@code node:name} serving HTTP on port 80; records a trace, and
 * optionally writes every frame seen by a node's or a pod's device to a pcapng file with interfaces
 * named {@code node1/eth0}, {@code node1/flannel.1}, {@code node1/default/a/eth0}.
 */
final class FlannelLab {
    static final Source CLUSTER_YAML = new Source("cluster.yaml", 3);

    final Cluster cluster;
    final FlannelCni cni;
    final ListTraceSink trace = new ListTraceSink();
    private PcapngWriter pcap;

    private FlannelLab(Topology topology) {
        Simulator sim = new Simulator(topology.cluster().seed());
        this.cluster = Cluster.build(topology, sim, new Tracer(sim, trace));
        this.cni = (FlannelCni) cluster.cni();
    }

    /** @param nodes {@code "node1=192.168.1.11/24"}; @param pods {@code "node1:a"} (namespace default) */
    static FlannelLab build(Map<String, Object> netConf, List<String> nodes, List<String> pods) {
        return new FlannelLab(topology(netConf, nodes, pods));
    }

    static Topology topology(Map<String, Object> netConf, List<String> nodes, List<String> pods) {
        List<NodeSpec> nodeSpecs = new ArrayList<>();
        int line = 10;
        for (String n : nodes) {
            String[] kv = n.split("=");
            String[] cidr = kv[1].split("/");
            nodeSpecs.add(new NodeSpec(kv[0], Ipv4Address.parse(cidr[0]), Integer.parseInt(cidr[1]),
                    new Source("cluster.yaml", line++)));
        }
        List<PodSpec> podSpecs = new ArrayList<>();
        for (String p : pods) {
            String[] np = p.split(":");
            podSpecs.add(new PodSpec("default", np[1], Map.of("app", np[1]), np[0],
                    List.of(new ContainerPort("http", 80, "TCP")), null, new Source("pods.yaml", 1)));
        }
        ClusterSpec spec = new ClusterSpec("lab", 1500, nodeSpecs, "flannel", netConf, 1, CLUSTER_YAML);
        return new Topology(spec, List.of(), podSpecs, List.of(), List.of(), List.of());
    }

    /** net-conf {@code {Network: 10.244.0.0/16, Backend: backend}}. */
    static Map<String, Object> netConf(Map<String, Object> backend) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("Network", "10.244.0.0/16");
        c.put("Backend", backend);
        return c;
    }

    /** Captures every frame on the nodes' and pods' devices (not the underlay switches) into {@code file}. */
    FlannelLab capture(Path file) {
        try {
            pcap = PcapngWriter.create(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cluster.network().capture((NetDevice dev, long t, Packet p) -> {
            if (dev.netns().node().equals("underlay")) {
                return;
            }
            String name = dev.netns().qualifiedName() + "/" + dev.name();
            try {
                int id = pcap.interfaceId(name);
                if (id < 0) {
                    id = pcap.addInterface(name, LinkType.ETHERNET);
                }
                pcap.writePacket(id, t, p.buf(), p.start(), p.length(), p.length());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return this;
    }

    /** Runs the simulation until {@code seconds} of virtual time have passed, then closes the capture. */
    FlannelLab run(double seconds) {
        cluster.sim().runUntil(cluster.sim().now() + (long) (seconds * 1e9));
        if (pcap != null) {
            try {
                pcap.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return this;
    }

    ClusterNode node(String name) {
        return cluster.node(name);
    }

    ClusterPod pod(String name) {
        return cluster.pod("default/" + name);
    }

    /** The trace as text lines, for failure messages and assertions on where a packet went. */
    List<String> traceLines() {
        return trace.events().stream().map(dev.podlab.trace.TextTraceSink::format).collect(Collectors.toList());
    }

    /**
     * A view's lines without the blank iproute2 leaves after the last field ({@code print_route}
     * prints every field as "%s "), so that they compare with the reference's as printed there.
     */
    static List<String> lines(String view) {
        return view.lines().map(String::stripTrailing).filter(l -> !l.isEmpty()).collect(Collectors.toList());
    }
}
