package dev.podlab.flannel;

import static dev.podlab.flannel.FlannelLab.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.apps.Ping;
import dev.podlab.apps.TcpClient;
import dev.podlab.apps.Outcome;
import dev.podlab.cluster.ClusterNode;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.MacAddress;
import dev.podlab.testing.Tshark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pod-to-pod traffic across nodes with each backend, run in the emulator and, where it goes on
 * the wire, read back by Wireshark from a pcapng capture of every node and pod device (reference
 * §2.4: UDP 8472, VNI 1, outer node addresses, inner pod addresses, TTL 64 → 63 on the wire → 62
 * in the destination pod, checksums valid; §3: host-gw across L2 segments; §2.6: DirectRouting).
 *
 * <pre>
 *   one segment:   node1 192.168.1.11 ── switch ── node2 192.168.1.12
 *   two segments:  node1 192.168.1.11 ┐                      ┌ node3 192.168.2.13
 *                  node2 192.168.1.12 ┴ switch ─ router ─ switch
 *                                        .1.1          .2.1
 * </pre>
 */
class FlannelDatapathTest {
    private static final long SECOND = 1_000_000_000L;
    private static final byte[] GET = "GET / HTTP/1.1\r\nHost: b\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final List<String> ONE_SEGMENT = List.of("node1=192.168.1.11/24", "node2=192.168.1.12/24");
    private static final List<String> TWO_SEGMENTS = List.of("node1=192.168.1.11/24", "node2=192.168.1.12/24",
            "node3=192.168.2.13/24");
    private static final String[] CHECKSUMS = {"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
            "-o", "tcp.check_checksum:TRUE"};

    @TempDir
    Path dir;

    private static String http(TcpClient c) {
        return new String(c.response(), StandardCharsets.US_ASCII);
    }

    private static List<String> vxlanDecode(String filter) {
        return List.of("-d", "udp.port==8472,vxlan", "-Y", filter);
    }

    @Test
    void vxlanCarriesPodTrafficBetweenNodesAsWiresharkSeesIt() throws Exception {
        Path file = dir.resolve("vxlan.pcapng");
        FlannelLab lab = FlannelLab.build(FlannelLab.netConf(Map.of("Type", "vxlan")), ONE_SEGMENT,
                List.of("node1:a", "node2:b")).capture(file);
        int a = lab.pod("a").ip();
        int b = lab.pod("b").ip();
        TcpClient client = new TcpClient(lab.pod("a").netns(), b, 80, 5 * SECOND, GET);
        Ping ping = new Ping(lab.pod("a").netns(), b, 7, 3, SECOND);
        lab.run(4);

        assertThat(client.outcome().verdict()).as(String.join("\n", lab.traceLines())).isEqualTo(Outcome.Verdict.CONNECTED);
        assertThat(http(client)).startsWith("HTTP/1.1 200 OK").endsWith("b\n");
        assertThat(ping.replies()).isEqualTo(3);

        // Outer: node addresses, UDP 8472, VNI 1, TTL 64; inner: pod addresses, TTL 63 after node1's forward.
        List<String[]> rows = Tshark.fields(file, vxlanDecode("frame.interface_name == \"node1/eth0\" && vxlan"),
                "vxlan.vni", "ip.src", "ip.dst", "udp.dstport", "ip.ttl", "eth.dst");
        assertThat(rows).hasSizeGreaterThanOrEqualTo(2 * 3 + 6); // 3 pings and their replies, the TCP exchange
        String out = Ipv4Address.toString(a);
        String in = Ipv4Address.toString(b);
        for (String[] r : rows) {
            assertThat(r[0]).isEqualTo("1");
            assertThat(r[3]).startsWith("8472");
            assertThat(r[1] + " > " + r[2]).isIn("192.168.1.11," + out + " > 192.168.1.12," + in,
                    "192.168.1.12," + in + " > 192.168.1.11," + out);
            assertThat(r[4]).isEqualTo("64,63");
        }
        // The inner Ethernet header addresses the peer's flannel.1 (the permanent neighbour entry).
        String vtep2 = MacAddress.toString(lab.cni.vxlanDevice(lab.node("node2")).mac());
        assertThat(rows).anyMatch(r -> r[1].startsWith("192.168.1.11") && r[5].endsWith("," + vtep2));
        // Inner packets seen on flannel.1 are bare pod-to-pod frames.
        assertThat(Tshark.fields(file, List.of("-Y", "frame.interface_name == \"node1/flannel.1\" && icmp"), "ip.src"))
                .isNotEmpty().allMatch(r -> r[0].equals(out) || r[0].equals(in));
        // §2.4: sent with 64, arrives in the destination pod with 62.
        assertThat(Tshark.fields(file, List.of("-Y", "frame.interface_name == \"node2/default/b/eth0\" && ip.src == "
                + out), "ip.ttl")).isNotEmpty().allMatch(r -> r[0].equals("62"));
        assertThat(Tshark.expertErrors(file, CHECKSUMS)).isEmpty();
    }

    @Test
    void hostGwOnOneSegmentRoutesPodSubnetsViaThePeerNode() {
        FlannelLab lab = FlannelLab.build(FlannelLab.netConf(Map.of("Type", "host-gw")), ONE_SEGMENT,
                List.of("node1:a", "node2:b"));
        ClusterNode node1 = lab.node("node1");
        // §3: no device, FLANNEL_MTU = the interface's, one plain route per peer.
        assertThat(lab.cni.vxlanDevice(node1)).isNull();
        assertThat(node1.netns().device("flannel.1")).isNull();
        assertThat(lab.cni.subnetEnv(node1)).contains("FLANNEL_MTU=1500\n");
        assertThat(lab.cni.annotations(node1)).containsEntry("flannel.alpha.coreos.com/backend-data", "null");
        assertThat(lines(node1.netns().routes().show())).contains("10.244.1.0/24 via 192.168.1.12 dev eth0");
        assertThat(lab.cluster.warnings()).isEmpty();

        TcpClient client = new TcpClient(lab.pod("a").netns(), lab.pod("b").ip(), 80, 5 * SECOND, GET);
        lab.run(1);
        assertThat(client.outcome().verdict()).isEqualTo(Outcome.Verdict.CONNECTED);
        assertThat(lab.traceLines()).anyMatch(l -> l.contains("route-lookup") && l.contains("10.244.1.2: 10.244.1.0/24 via 192.168.1.12 dev eth0"));
    }

    @Test
    void hostGwAcrossSegmentsCannotInstallTheRouteAndTrafficDiesAtTheRouter() {
        FlannelLab lab = FlannelLab.build(FlannelLab.netConf(Map.of("Type", "host-gw")), TWO_SEGMENTS,
                List.of("node1:a", "node2:b", "node3:c"));
        // §3: the kernel refuses a gateway that is not on-link (ENETUNREACH); flanneld logs the netlink route.
        assertThat(lab.cluster.warnings()).contains(
                "cluster.yaml:10: flanneld on node1: Error adding route to {Ifindex: 2 Dst: 10.244.2.0/24 Src: <nil>"
                        + " Gw: 192.168.2.13 Flags: [] Table: 0 Realm: 0}: network is unreachable",
                "cluster.yaml:12: flanneld on node3: Error adding route to {Ifindex: 2 Dst: 10.244.0.0/24 Src: <nil>"
                        + " Gw: 192.168.1.11 Flags: [] Table: 0 Realm: 0}: network is unreachable");
        assertThat(lab.cluster.warnings()).hasSize(4);
        assertThat(lines(lab.node("node1").netns().routes().show())).noneMatch(l -> l.startsWith("10.244.2.0/24"))
                .contains("10.244.1.0/24 via 192.168.1.12 dev eth0");

        TcpClient far = new TcpClient(lab.pod("a").netns(), lab.pod("c").ip(), 80, 2 * SECOND, null);
        TcpClient near = new TcpClient(lab.pod("a").netns(), lab.pod("b").ip(), 80, 2 * SECOND, null);
        lab.run(3);
        assertThat(near.outcome().verdict()).isEqualTo(Outcome.Verdict.CONNECTED);
        assertThat(far.outcome().verdict()).isEqualTo(Outcome.Verdict.TIMED_OUT);
        // The SYN leaves node1 by the default route, with pod addresses, and the router has no route for it.
        List<String> trace = lab.traceLines();
        assertThat(trace).anyMatch(l -> l.contains(" node1 ") && l.contains("route-lookup")
                && l.contains("10.244.2.2: default via 192.168.1.1 dev eth0 proto static"));
        assertThat(trace).anyMatch(l -> l.contains(" router ") && l.contains("DROP") && l.contains("IP_INNOROUTES")
                && l.contains("no route to 10.244.2.2"));
    }

    @Test
    void directRoutingRoutesTheNearPeerAndEncapsulatesForTheFarOne() throws Exception {
        Path file = dir.resolve("direct.pcapng");
        FlannelLab lab = FlannelLab.build(FlannelLab.netConf(Map.of("Type", "vxlan", "DirectRouting", true)),
                TWO_SEGMENTS, List.of("node1:a", "node2:b", "node3:c")).capture(file);
        ClusterNode node1 = lab.node("node1");
        String vtep3 = MacAddress.toString(lab.cni.vxlanDevice(lab.node("node3")).mac());
        // §2.6: node2 answers "ip route get" without a gateway → plain route; node3 is behind the router → VXLAN.
        assertThat(lines(node1.netns().routes().show())).containsExactly(
                "default via 192.168.1.1 dev eth0 proto static",
                "10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1",
                "10.244.1.0/24 via 192.168.1.12 dev eth0",
                "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
                "192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.11");
        assertThat(lines(node1.netns().arp().show(node1.netns().device("flannel.1").ref())))
                .containsExactly("10.244.2.0 lladdr " + vtep3 + " PERMANENT");
        assertThat(lines(lab.cni.vxlanDevice(node1).fdb().showDev()))
                .containsExactly(vtep3 + " dst 192.168.2.13 self permanent");
        // The MTU stays the VXLAN one for every pod, routed peers included.
        assertThat(lab.cni.subnetEnv(node1)).contains("FLANNEL_MTU=1450\n");

        TcpClient near = new TcpClient(lab.pod("a").netns(), lab.pod("b").ip(), 80, 5 * SECOND, GET);
        TcpClient far = new TcpClient(lab.pod("a").netns(), lab.pod("c").ip(), 80, 5 * SECOND, GET);
        lab.run(2);
        assertThat(near.outcome().verdict()).isEqualTo(Outcome.Verdict.CONNECTED);
        assertThat(far.outcome().verdict()).isEqualTo(Outcome.Verdict.CONNECTED);
        assertThat(http(far)).endsWith("c\n");

        List<String[]> rows = Tshark.fields(file, vxlanDecode("frame.interface_name == \"node1/eth0\" && tcp"),
                "vxlan.vni", "ip.src", "ip.dst");
        assertThat(rows).filteredOn(r -> r[2].endsWith("10.244.1.2")).isNotEmpty()
                .allMatch(r -> r[0].isEmpty() && r[1].equals("10.244.0.2") && r[2].equals("10.244.1.2"));
        assertThat(rows).filteredOn(r -> r[2].endsWith("10.244.2.2")).isNotEmpty()
                .allMatch(r -> r[0].equals("1") && r[1].equals("192.168.1.11,10.244.0.2")
                        && r[2].equals("192.168.2.13,10.244.2.2"));
        assertThat(Tshark.expertErrors(file, CHECKSUMS)).isEmpty();
    }

    @Test
    void podToAnOutsideAddressIsMasqueradedToTheNodeAddress() throws Exception {
        Path file = dir.resolve("masq.pcapng");
        FlannelLab lab = FlannelLab.build(FlannelLab.netConf(Map.of("Type", "vxlan")), TWO_SEGMENTS,
                List.of("node1:a")).capture(file);
        // 192.168.2.1 is the underlay router on the far segment: outside the cluster CIDR.
        Ping ping = new Ping(lab.pod("a").netns(), Ipv4Address.parse("192.168.2.1"), 9, 2, SECOND);
        lab.run(2);
        assertThat(ping.replies()).isEqualTo(2);
        // FLANNEL-POSTRTG "-s 10.244.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE": the router sees node1's address.
        assertThat(lab.node("node1").netfilter().conntrackList())
                .contains("src=10.244.0.2 dst=192.168.2.1").contains("src=192.168.2.1 dst=192.168.1.11");
        assertThat(Tshark.fields(file, List.of("-Y", "frame.interface_name == \"node1/eth0\" && icmp.type == 8"),
                "ip.src", "ip.dst")).hasSize(2).allMatch(r -> r[0].equals("192.168.1.11") && r[1].equals("192.168.2.1"));
        assertThat(Tshark.fields(file, List.of("-Y", "frame.interface_name == \"node1/default/a/eth0\" && icmp.type == 0"),
                "ip.dst")).hasSize(2).allMatch(r -> r[0].equals("10.244.0.2"));
    }
}
