package dev.podlab.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.podlab.apps.Ping;
import dev.podlab.apps.TcpClient;
import dev.podlab.apps.TcpServer;
import dev.podlab.apps.UdpClient;
import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.cluster.yaml.TopologyLoader;
import dev.podlab.flannel.FlannelCni;
import dev.podlab.net.NetDevice;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.netfilter.Iptables;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.sim.Simulator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * flannel's datapath against the real kernel, for one backend (the subclasses: VXLAN, host-gw):
 * {@link FlannelScenario} builds a two-node cluster in podlab from YAML and the same cluster in real
 * network namespaces as flanneld and the CNI plugins program it, loads each podlab node's rules
 * (flannel's and kube-proxy's, as iptables commands) into the kernel node, sends the same traffic
 * from pod a on node1 to pod b on node2 in both, and compares:
 * <ul>
 *   <li>the outcomes: a datagram from a fixed port (what b's socket receives: source, TTL,
 *       payload), a ping (reply and TTL), a TCP connect, a UDP datagram to a closed port (the ICMP
 *       error coming back across the nodes);</li>
 *   <li>the datagram as it arrives on node2's eth0, byte for byte but for the fields the kernel
 *       draws at random: the IP IDs (and so the header checksums; the sender's socket is
 *       unconnected and its DF may be cleared, {@code ignore_df} under {@code IP_PMTUDISC_WANT}, so
 *       its ID comes from the hashed generator) and, for VXLAN, the outer UDP source port ({@code
 *       udp_flow_src_port} hashes with a per-boot key; it must lie in 32768–60999 in both) and the
 *       outer UDP checksum that covers it;</li>
 *   <li>every IPv4 frame on node2's eth0 in both directions, field by field (for VXLAN the outer
 *       addresses, TTL, DF, UDP port, checksum present, VNI; then MACs, addresses, TTL, protocol,
 *       length, UDP ports, ICMP type, TCP flags), ephemeral ports masked;</li>
 *   <li>{@code ip route} of both nodes and both pods, and for VXLAN {@code ip neigh show dev
 *       flannel.1} and {@code bridge fdb show dev flannel.1} of both nodes: line for line;</li>
 *   <li>{@code iptables-save -c} of both nodes: every rule and policy counter;</li>
 *   <li>{@code conntrack -L} of both nodes, normalised as {@link Outcomes#conntrack} does (for
 *       VXLAN the outer flows too: one per inner flow and direction, unless the kernel's random
 *       source ports of two of them collide, about one run in a few thousand).</li>
 * </ul>
 *
 * <p>Skipped (with the reason) when not root, when {@code ip netns}, VXLAN or iptables does not work
 * in a namespace here, or when a tool is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FlannelKernelDifferential {
    private static final List<String[]> TOOLS = List.of(
            new String[] {"ip", "iproute2"},
            new String[] {"bridge", "iproute2"},
            new String[] {"iptables-restore", "iptables"},
            new String[] {"iptables-save", "iptables"},
            new String[] {"conntrack", "conntrack"},
            new String[] {"ping", "iputils-ping"},
            new String[] {"sysctl", "procps"},
            new String[] {"ethtool", "ethtool"},
            new String[] {"python3", "python3"});
    private static final Duration COMMAND = Duration.ofSeconds(5);
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;
    /** Background helpers end by themselves after this long, should cleanup ever fail to kill them. */
    private static final int HELPER_LIFETIME_SECONDS = 60;
    private static final String A = "default/a";
    private static final String B = "default/b";

    /** What one world shows after the traffic. */
    record Run(List<String> outcomes, List<String> frames, Map<String, String> views, String log) {}

    private final String backend;
    private final boolean vxlan;
    private Cluster cluster;
    private KernelNetns netns;
    private Path workDir;
    private Run podlab;
    private Run kernel;

    /** @param backend {@code Backend.Type}: {@code vxlan} or {@code host-gw} */
    FlannelKernelDifferential(String backend) {
        this.backend = backend;
        this.vxlan = backend.equals("vxlan");
    }

    @BeforeAll
    void runBothWorlds() throws IOException {
        KernelNetns.assumeRootAndTools("the flannel kernel differential tests", TOOLS);
        netns = new KernelNetns();
        KernelNetns.Result add = netns.add("probe");
        assumeTrue(add.ok(), "ip netns does not work here: " + add.describe());
        KernelNetns.Result vx = netns.exec("probe", COMMAND,
                List.of("ip", "link", "add", "vx0", "type", "vxlan", "id", "1", "dstport", "8472"));
        assumeTrue(vx.ok(), "VXLAN devices cannot be made in a network namespace here: " + vx.describe());
        KernelNetns.Result ipt = netns.exec("probe", COMMAND, List.of("iptables", "-t", "nat", "-n", "-L"));
        assumeTrue(ipt.ok(), "iptables does not work in a network namespace here: " + ipt.describe());

        cluster = Cluster.build(TopologyLoader.loadString(FlannelScenario.topology(backend), "flannel-" + backend + ".yaml"));
        workDir = Files.createTempDirectory("podlab-flannel-kernel-");
        // The kernel's setup reads identities (MACs, names) off the podlab cluster before its traffic.
        List<Scenario.Command> setup = FlannelScenario.kernelSetup(cluster);
        podlab = runPodlab();
        kernel = runKernel(setup);
        if (Boolean.getBoolean("podlab.kernel.print")) {
            System.out.println(describe("kernel", kernel) + describe("podlab", podlab));
        }
    }

    private static String describe(String world, Run r) {
        StringBuilder sb = new StringBuilder("==== " + world + "\n" + String.join("\n", r.outcomes()) + "\n-- frames\n"
                + String.join("\n", r.frames()) + "\n");
        r.views().forEach((k, v) -> sb.append("-- ").append(k).append('\n').append(v));
        return sb.toString();
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (netns != null) {
            netns.close();
        }
        KernelNetns.deleteTree(workDir);
    }

    // ---------------------------------------------------------------------------------------------
    // The comparisons

    @Test
    void outcomesAgree() {
        assertThat(podlab.outcomes()).as("podlab's outcomes; kernel log:\n%s", kernel.log()).isEqualTo(kernel.outcomes());
        String payload = FlannelScenario.hex(FlannelScenario.UDP_PAYLOAD);
        assertThat(kernel.outcomes()).as("the kernel's outcomes").containsExactly(
                "b received from 10.244.0.2:" + FlannelScenario.UDP_SPORT + " ttl=62 " + payload,
                "reply from 10.244.1.2 ttl=62",
                "CONNECTED",
                "ECONNREFUSED icmp 3/3 from 10.244.1.2");
    }

    @Test
    void theDatagramOnTheUnderlayIsTheKernelsByteForByte() {
        String k = firstInbound(kernel.frames());
        String p = firstInbound(podlab.frames());
        assertThat(k).as("the kernel captured the datagram on node2's eth0; log:\n%s", kernel.log()).isNotNull();
        if (vxlan) {
            for (String f : List.of(k, p)) {
                assertThat(isVxlan(f)).as("VXLAN on UDP 8472: %s", f).isTrue();
                int sport = Integer.parseInt(f.substring(2 * 34, 2 * 36), 16);
                assertThat(sport).as("outer source port of %s", f).isBetween(32768, 60999);
                assertThat(f.substring(2 * 40, 2 * 42)).as("outer UDP checksum present").isNotEqualTo("0000");
            }
        }
        assertThat(maskRandom(p)).isEqualTo(maskRandom(k));
    }

    @Test
    void everyFrameOnTheUnderlayAgreesFieldByField() {
        assertThat(podlab.frames().stream().map(FlannelKernelDifferential::summary).toList())
                .isEqualTo(kernel.frames().stream().map(FlannelKernelDifferential::summary).toList());
    }

    @Test
    void routesNeighboursAndFdbAreTheKernels() {
        for (String view : kernel.views().keySet()) {
            if (view.contains("ip route") || view.contains("ip neigh") || view.contains("bridge fdb")) {
                assertThat(Outcomes.trimLines(podlab.views().get(view))).as(view)
                        .isEqualTo(Outcomes.trimLines(kernel.views().get(view)));
            }
        }
    }

    @Test
    void iptablesCountersAreTheKernels() {
        for (String node : List.of("node1", "node2")) {
            String view = node + ": iptables-save -c";
            assertThat(Outcomes.iptablesSave(podlab.views().get(view))).as(view)
                    .isEqualTo(Outcomes.iptablesSave(kernel.views().get(view)));
        }
    }

    @Test
    void conntrackEntriesAreTheKernels() {
        for (String node : List.of("node1", "node2")) {
            String view = node + ": conntrack -L";
            assertThat(Outcomes.conntrack(podlab.views().get(view))).as("%s; kernel printed:\n%s\npodlab:\n%s", view,
                    kernel.views().get(view), podlab.views().get(view))
                    .isEqualTo(Outcomes.conntrack(kernel.views().get(view)));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Frames

    /** The first IPv4 frame into node2 as hex (the datagram from a), or null. */
    private static String firstInbound(List<String> frames) {
        for (String f : frames) {
            if (f.startsWith("in ")) {
                return f.substring(f.indexOf(' ') + 1);
            }
        }
        return null;
    }

    private static boolean isVxlan(String hex) {
        return hex.length() >= 2 * 50 && hex.startsWith("0800", 2 * 12) && hex.startsWith("11", 2 * 23)
                && hex.startsWith("2118", 2 * 36);
    }

    /**
     * The frame with the fields the kernel draws at random zeroed: the IP ID and so the header
     * checksum; of a VXLAN frame also the outer UDP source port and checksum.
     */
    private static String maskRandom(String hex) {
        StringBuilder sb = new StringBuilder(hex);
        int ip = Ethernet.HEADER_LENGTH;
        int[][] fields = isVxlan(hex)
                ? new int[][] {{ip + 4, 2}, {ip + 10, 2}, {34, 2}, {40, 2}, {50 + ip + 4, 2}, {50 + ip + 10, 2}}
                : new int[][] {{ip + 4, 2}, {ip + 10, 2}};
        for (int[] field : fields) {
            for (int i = 2 * field[0]; i < 2 * (field[0] + field[1]); i++) {
                sb.setCharAt(i, '0');
            }
        }
        return sb.toString();
    }

    /**
     * An IPv4 frame's fields, read at their offsets (IPv4 headers without options): for VXLAN the
     * outer headers, then for both the (inner) Ethernet and IPv4 headers and the UDP ports, ICMP
     * type or TCP flags. What a reader of both captures would compare.
     */
    static String summary(String line) {
        String way = line.substring(0, line.indexOf(' '));
        String hex = line.substring(line.indexOf(' ') + 1);
        byte[] f = HexFormat.of().parseHex(hex);
        StringBuilder sb = new StringBuilder(way);
        int e = 0;
        if (isVxlan(hex)) {
            sb.append(" outer ").append(ip(f, 26)).append(" > ").append(ip(f, 30)).append(" ttl ").append(u8(f, 22))
                    .append((u8(f, 20) & 0x40) != 0 ? " DF" : "").append(" tos ").append(u8(f, 15))
                    .append(" udp dport ").append(u16(f, 36)).append(" len ").append(u16(f, 38))
                    .append(u16(f, 40) != 0 ? " csum" : " no-csum")
                    .append(" vxlan flags ").append(u8(f, 42)).append(" vni ").append(u16(f, 46) << 8 | u8(f, 48))
                    .append(" |");
            e = 50;
        }
        sb.append(' ').append(mac(f, e + 6)).append(" > ").append(mac(f, e)).append(" type ").append(u16(f, e + 12));
        int ip = e + 14;
        int proto = u8(f, ip + 9);
        sb.append(" | ").append(ip(f, ip + 12)).append(" > ").append(ip(f, ip + 16)).append(" ttl ").append(u8(f, ip + 8))
                .append((u8(f, ip + 6) & 0x40) != 0 ? " DF" : "").append(" tos ").append(u8(f, ip + 1))
                .append(" len ").append(u16(f, ip + 2)).append(" proto ").append(proto);
        int l4 = ip + 4 * (u8(f, ip) & 0xf);
        switch (proto) {
            case 17 -> sb.append(" udp ").append(port(u16(f, l4))).append(" > ").append(port(u16(f, l4 + 2)));
            case 1 -> sb.append(" icmp ").append(u8(f, l4)).append('/').append(u8(f, l4 + 1));
            case 6 -> sb.append(" tcp ").append(port(u16(f, l4))).append(" > ").append(port(u16(f, l4 + 2)))
                    .append(" flags ").append(u8(f, l4 + 13));
            default -> { }
        }
        return sb.toString();
    }

    /** An ephemeral port (the kernel picks it at random) as EPH; a fixed one as itself. */
    private static String port(int p) {
        return p >= 32768 ? "EPH" : String.valueOf(p);
    }

    private static int u8(byte[] f, int i) {
        return f[i] & 0xff;
    }

    private static int u16(byte[] f, int i) {
        return u8(f, i) << 8 | u8(f, i + 1);
    }

    private static String ip(byte[] f, int i) {
        return u8(f, i) + "." + u8(f, i + 1) + "." + u8(f, i + 2) + "." + u8(f, i + 3);
    }

    private static String mac(byte[] f, int i) {
        return HexFormat.ofDelimiter(":").formatHex(f, i, i + 6);
    }

    // ---------------------------------------------------------------------------------------------
    // podlab

    private Run runPodlab() {
        Simulator sim = cluster.sim();
        ClusterNode node2 = cluster.node("node2");
        ClusterPod a = cluster.pod(A);
        ClusterPod b = cluster.pod(B);
        NetDevice underlay = node2.netns().device("eth0");
        List<String> frames = new ArrayList<>();
        cluster.network().capture((dev, t, p) -> {
            if (dev == underlay && p.length() >= 14 && p.buf().getUnsignedShort(p.start() + 12) == 0x0800) {
                long src = dev.mac();
                boolean out = ByteBufUtil.hexDump(p.buf(), p.start() + 6, 6).equals(String.format("%012x", src));
                frames.add((out ? "out " : "in ") + ByteBufUtil.hexDump(p.buf(), p.start(), p.length()));
            }
        });
        List<String> received = new ArrayList<>();
        b.netns().sockets().bind(IpProtocol.UDP, 0, FlannelScenario.UDP_DPORT, new TransportHandler() {
            @Override
            public void receive(NetNamespace ns, Packet p, int ipOffset, int l4Offset) {
                ByteBuf buf = p.buf();
                int end = ipOffset + buf.getUnsignedShort(ipOffset + 2);
                received.add("b received from " + Ipv4Address.toString(buf.getInt(ipOffset + 12)) + ":"
                        + buf.getUnsignedShort(l4Offset) + " ttl=" + buf.getUnsignedByte(ipOffset + 8) + " "
                        + ByteBufUtil.hexDump(buf, l4Offset + 8, end - l4Offset - 8));
            }
        });
        new TcpServer(b.netns(), FlannelScenario.TCP_PORT, null, false);
        sim.runUntil(sim.now() + 500 * MS);

        List<String> outcomes = new ArrayList<>();
        // sendto from a socket bound to a fixed port, unconnected: DF, ignore_df (IP_PMTUDISC_WANT),
        // so the ID is the hashed generator's (compared masked: the kernel's key is random).
        int id = a.netns().stack().ipIdent().unconnected(true, true, a.ip(), b.ip(), IpProtocol.UDP);
        ByteBuf frame = cluster.network().frames().udp(new Ipv4Spec().addresses(a.ip(), b.ip()).df(true).id(id).ttl(64),
                FlannelScenario.UDP_SPORT, FlannelScenario.UDP_DPORT, Unpooled.wrappedBuffer(FlannelScenario.UDP_PAYLOAD));
        a.netns().stack().send(new Packet(frame, LinkType.ETHERNET).id(cluster.network().nextPacketId())
                .timestampNs(sim.now()).csumUnnecessary(true));
        runWhile(sim, received::isEmpty, sim.now() + SECOND);
        outcomes.add(received.isEmpty() ? "b received nothing" : received.get(0));
        gap(sim);
        Ping ping = new Ping(a.netns(), b.ip(), 100, 1, SECOND);
        runWhile(sim, () -> ping.results().isEmpty(), sim.now() + SECOND);
        outcomes.add(Outcomes.podlabPing(ping));
        gap(sim);
        TcpClient tcp = new TcpClient(a.netns(), b.ip(), FlannelScenario.TCP_PORT, SECOND, null);
        runWhile(sim, () -> tcp.outcome() == null, sim.now() + 2 * SECOND);
        outcomes.add(Outcomes.podlabSocket(tcp.outcome()));
        gap(sim);
        UdpClient udp = new UdpClient(a.netns(), b.ip(), FlannelScenario.UDP_CLOSED_PORT, Scenario.UDP_PAYLOAD, SECOND);
        runWhile(sim, () -> udp.outcome() == null, sim.now() + 2 * SECOND);
        outcomes.add(Outcomes.podlabSocket(udp.outcome()));
        gap(sim);

        Map<String, String> views = new LinkedHashMap<>();
        FlannelCni cni = (FlannelCni) cluster.cni();
        for (String name : List.of("node1", "node2")) {
            ClusterNode n = cluster.node(name);
            views.put(name + ": ip route", n.netns().routes().show());
            if (vxlan) {
                views.put(name + ": ip neigh show dev flannel.1", n.netns().arp().show(n.netns().device("flannel.1").ref()));
                views.put(name + ": bridge fdb show dev flannel.1", cni.vxlanDevice(n).fdb().showDev());
            }
            views.put(name + ": iptables-save -c", n.netfilter().iptables().save(Iptables.DEFAULT_VERSION, "now", true));
            views.put(name + ": conntrack -L", n.netfilter().conntrackList());
        }
        views.put("a: ip route", a.netns().routes().show());
        views.put("b: ip route", b.netns().routes().show());
        return new Run(outcomes, frames, views, "");
    }

    /** The real side starts each process some tens of milliseconds after the previous one ended. */
    private static void gap(Simulator sim) {
        sim.runUntil(sim.now() + 50 * MS);
    }

    private static void runWhile(Simulator sim, BooleanSupplier condition, long deadline) {
        while (condition.getAsBoolean() && sim.now() < deadline) {
            sim.runUntil(Math.min(deadline, sim.now() + MS));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The kernel

    private Run runKernel(List<Scenario.Command> setup) throws IOException {
        StringBuilder log = new StringBuilder();
        FlannelScenario.buildKernel(netns, cluster, setup, workDir, log);
        Path py = Files.writeString(workDir.resolve("flannel.py"), FlannelScenario.FLANNEL_PY);
        Path probePy = Files.writeString(workDir.resolve("probe.py"), Scenario.PROBE_PY);
        Path framesFile = workDir.resolve("frames.txt");
        Path receivedFile = workDir.resolve("received.txt");
        String life = String.valueOf(HELPER_LIFETIME_SECONDS);
        expectFirstLine(log, "CAPTURING", netns.startBackground("node2",
                List.of("python3", py.toString(), "capture", "eth0", framesFile.toString(), life), COMMAND));
        expectFirstLine(log, "LISTENING", netns.startBackground("b", List.of("python3", py.toString(), "serve-udp",
                String.valueOf(FlannelScenario.UDP_DPORT), receivedFile.toString(), life), COMMAND));
        expectFirstLine(log, "LISTENING", netns.startBackground("b", List.of("python3", probePy.toString(), "serve-tcp",
                String.valueOf(FlannelScenario.TCP_PORT), life), COMMAND));

        List<String> outcomes = new ArrayList<>();
        String b = Ipv4Address.toString(cluster.pod(B).ip());
        FlannelScenario.require(log, netns.exec("a", COMMAND, List.of("python3", py.toString(), "send-udp", b,
                String.valueOf(FlannelScenario.UDP_DPORT), String.valueOf(FlannelScenario.UDP_SPORT),
                FlannelScenario.hex(FlannelScenario.UDP_PAYLOAD))));
        outcomes.add(awaitFirstLine(receivedFile).map(l -> "b received " + l).orElse("b received nothing"));
        KernelNetns.Result ping = netns.exec("a", COMMAND, List.of("ping", "-n", "-c", "1", "-W", "1", b));
        log.append(ping.describe()).append('\n');
        outcomes.add(Outcomes.kernelPing(ping.stdout()));
        for (String[] probe : List.of(new String[] {"tcp", String.valueOf(FlannelScenario.TCP_PORT)},
                new String[] {"udp", String.valueOf(FlannelScenario.UDP_CLOSED_PORT)})) {
            KernelNetns.Result r = netns.exec("a", COMMAND, List.of("python3", probePy.toString(), probe[0], b, probe[1], "1"));
            log.append(r.describe()).append('\n');
            outcomes.add(r.stdout().strip());
        }
        KernelNetns.sleep(200);

        Map<String, String> views = new LinkedHashMap<>();
        for (String node : List.of("node1", "node2")) {
            views.put(node + ": ip route", show(log, node, "ip", "route"));
            if (vxlan) {
                views.put(node + ": ip neigh show dev flannel.1", show(log, node, "ip", "neigh", "show", "dev", "flannel.1"));
                views.put(node + ": bridge fdb show dev flannel.1", show(log, node, "bridge", "fdb", "show", "dev",
                        "flannel.1"));
            }
            views.put(node + ": iptables-save -c", show(log, node, "iptables-save", "-c"));
            views.put(node + ": conntrack -L", show(log, node, "conntrack", "-L"));
        }
        views.put("a: ip route", show(log, "a", "ip", "route"));
        views.put("b: ip route", show(log, "b", "ip", "route"));
        List<String> frames = Files.exists(framesFile) ? Files.readAllLines(framesFile) : List.of();
        return new Run(outcomes, frames, views, log.toString());
    }

    private Optional<String> awaitFirstLine(Path file) throws IOException {
        long deadline = System.nanoTime() + SECOND;
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (!lines.isEmpty()) {
                    return Optional.of(lines.get(0));
                }
            }
            KernelNetns.sleep(10);
        }
        return Optional.empty();
    }

    private String show(StringBuilder log, String ns, String... argv) {
        KernelNetns.Result r = netns.exec(ns, COMMAND, List.of(argv));
        FlannelScenario.require(log, r);
        return r.stdout();
    }

    private static void expectFirstLine(StringBuilder log, String want, String got) {
        log.append("background: ").append(got).append('\n');
        if (!want.equals(got)) {
            throw new IllegalStateException("a helper in the kernel did not start (" + got + ")\nlog:\n" + log);
        }
    }

}
