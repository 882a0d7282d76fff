package dev.podlab.kernel;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.flannel.FlannelCni;
import dev.podlab.flannel.NetConf;
import dev.podlab.net.Bridge;
import dev.podlab.net.NetDevice;
import dev.podlab.net.VxlanDevice;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.MacAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A two-node flannel cluster (VXLAN or host-gw) as podlab builds it from YAML, and the commands
 * that build the same thing in real network namespaces the way flanneld and the bridge +
 * host-local CNI plugins program a node (shared/reference/flannel.md §2.2–§4.3, flannel's {@code
 * backend/vxlan} and {@code backend/hostgw} and the plugins' sources): the underlay link; for VXLAN
 * {@code flannel.1} (VNI 1, port 8472, nolearning, local eth0), its {@code /32} address, the onlink
 * route, the permanent neighbour and the FDB entry per peer; for host-gw a route per peer via its
 * underlay address; {@code cni0} with the gateway address, the pod's veth with hairpin on, the
 * pod's routes.
 * Only identities come from podlab's cluster (addresses of the leases and pods, device names, the
 * MACs that flannel and the plugins would pick at random), so frames compare byte for byte; the
 * structure is written here, from the reference.
 *
 * <pre>
 *   pod a 10.244.0.2 ─ eth0═vethX ─ cni0 10.244.0.1 ─ node1 ─ flannel.1 10.244.0.0/32
 *                                                     eth0 192.168.1.11 ══ underlay ══ 192.168.1.12 eth0
 *   pod b 10.244.1.2 ─ eth0═vethY ─ cni0 10.244.1.1 ─ node2 ─ flannel.1 10.244.1.0/32
 *                                                     (host-gw: no flannel.1; 10.244.1.0/24 via 192.168.1.12)
 * </pre>
 *
 * The kernel's underlay is one veth pair between the two nodes' {@code eth0}, with transmit
 * checksum offload off so that frames carry finished checksums as they would on a wire; podlab's
 * underlay is a switch, which forwards frames unchanged, so a frame on node2's eth0 is the same in
 * both.
 */
final class FlannelScenario {
    private FlannelScenario() {}

    /** The cluster with {@code Backend.Type} {@code backend} ({@code vxlan} or {@code host-gw}). */
    static String topology(String backend) {
        return """
            apiVersion: podlab.dev/v1alpha1
            kind: Cluster
            metadata: {name: kernel-differential}
            spec:
              underlay: {mtu: 1500}
              nodes:
              - {name: node1, address: 192.168.1.11/24}
              - {name: node2, address: 192.168.1.12/24}
              cni:
                flannel:
                  Network: 10.244.0.0/16
                  SubnetLen: 24
                  Backend: {Type: %s}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: default}
            spec:
              nodeName: node1
              containers: [{name: busybox, image: busybox}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: b, namespace: default}
            spec:
              nodeName: node2
              containers: [{name: server, image: python}]
            """.formatted(backend);
    }

    /** The kernel namespaces: the two nodes and a pod on each. */
    static final List<String> NAMESPACES = List.of("node1", "node2", "a", "b");

    /** b's TCP server (Scenario's: keeps connections open), as in the single-node differential test. */
    static final int TCP_PORT = Scenario.SERVER_PORT;
    /** The datagram compared byte for byte: from a's fixed port to b's receiver. */
    static final int UDP_SPORT = 40000;
    static final int UDP_DPORT = 5001;
    static final int UDP_CLOSED_PORT = 5000;
    /** 22 bytes: the inner frame is 64 bytes. */
    static final byte[] UDP_PAYLOAD = "podlab over flannel.1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * The commands that build the cluster in the kernel, in namespaces named as {@link
     * #NAMESPACES}, for the cluster's backend: VXLAN (flannel.1 and per peer its route, neighbour
     * and FDB entry) or host-gw (per peer a route via the peer's underlay address).
     */
    static List<Scenario.Command> kernelSetup(Cluster cluster) {
        FlannelCni cni = (FlannelCni) cluster.cni();
        boolean vxlan = cni.config().backend() == NetConf.BackendType.VXLAN;
        ClusterNode n1 = cluster.node("node1");
        ClusterNode n2 = cluster.node("node2");
        List<Scenario.Command> cmds = new ArrayList<>();
        cmds.add(new Scenario.Command("node1", "ip link add eth0 address " + mac(n1.netns().device("eth0"))
                + " type veth peer name eth0 netns node2 address " + mac(n2.netns().device("eth0"))));
        for (ClusterNode n : List.of(n1, n2)) {
            ClusterNode peer = n == n1 ? n2 : n1;
            ClusterPod pod = cluster.pod(n == n1 ? "default/a" : "default/b");
            String ns = n.name();
            String p = n == n1 ? "a" : "b";
            Bridge cni0 = cni.cni0(n);
            NetDevice hostVeth = cni0.ports().get(0).dev();
            String mtu = String.valueOf(cni.mtu(n));
            String lease = Ipv4Address.toString(cni.lease(n).subnet());
            String gateway = Ipv4Address.toString(cni.lease(n).subnet() + 1);
            String peerLease = Ipv4Address.toString(cni.lease(peer).subnet());
            String peerAddress = Ipv4Address.toString(peer.address());
            cmds.addAll(List.of(
                    new Scenario.Command(ns, "ip link set lo up"),
                    new Scenario.Command(ns, "ip addr add " + Ipv4Address.toString(n.address()) + "/24 dev eth0"),
                    // A NIC finishes checksums on the wire; a veth hands on CHECKSUM_PARTIAL, so a
                    // capture would show the inner UDP checksum as its pseudo-header sum.
                    new Scenario.Command(ns, "ethtool -K eth0 tx off"),
                    new Scenario.Command(ns, "ip link set eth0 up"),
                    new Scenario.Command(ns, "ip route add default via 192.168.1.1 dev eth0 proto static"),
                    new Scenario.Command(ns, "sysctl -w net.ipv4.ip_forward=1")));
            if (vxlan) {
                VxlanDevice vtep = cni.vxlanDevice(n);
                cmds.addAll(List.of(
                        // flanneld: backend/vxlan/device.go newVXLANDevice, then configureIPv4: the
                        // lease's network address as a /32, link up.
                        new Scenario.Command(ns, "ip link add flannel.1 address " + MacAddress.toString(vtep.mac())
                                + " type vxlan id 1 local " + Ipv4Address.toString(n.address())
                                + " dev eth0 dstport 8472 nolearning"),
                        new Scenario.Command(ns, "ip addr add " + lease + "/32 dev flannel.1"),
                        new Scenario.Command(ns, "ip link set flannel.1 up")));
            }
            cmds.addAll(List.of(
                    // the bridge plugin: cni0 with the gateway, the host veth a hairpin port.
                    // Multicast snooping off: with it the bridge joins the all-snoopers group and
                    // sends IGMP reports, which podlab (no IGMP) does not, into the counters compared.
                    new Scenario.Command(ns, "ip link add cni0 address " + mac(cni0) + " mtu " + mtu
                            + " type bridge mcast_snooping 0"),
                    new Scenario.Command(ns, "ip addr add " + gateway + "/24 dev cni0"),
                    new Scenario.Command(ns, "ip link set cni0 up"),
                    new Scenario.Command(ns, "ip link add " + hostVeth.name() + " address " + mac(hostVeth)
                            + " mtu " + mtu + " type veth peer name eth0 netns " + p + " address "
                            + mac(pod.netns().device("eth0")) + " mtu " + mtu),
                    new Scenario.Command(ns, "ip link set " + hostVeth.name() + " master cni0"),
                    new Scenario.Command(ns, "ip link set " + hostVeth.name() + " up"),
                    new Scenario.Command(ns, "bridge link set dev " + hostVeth.name() + " hairpin on"),
                    new Scenario.Command(p, "ip link set lo up"),
                    new Scenario.Command(p, "ip addr add " + Ipv4Address.toString(pod.ip()) + "/24 dev eth0"),
                    new Scenario.Command(p, "ip link set eth0 up"),
                    new Scenario.Command(p, "ip route add default via " + gateway + " dev eth0"),
                    new Scenario.Command(p, "ip route add 10.244.0.0/16 via " + gateway + " dev eth0")));
            if (vxlan) {
                // flanneld's handleSubnetEvents for the peer's lease: route, neighbour, FDB.
                String peerVtep = MacAddress.toString(cni.vxlanDevice(peer).mac());
                cmds.addAll(List.of(
                        new Scenario.Command(ns, "ip route add " + peerLease + "/24 via " + peerLease + " dev flannel.1 onlink"),
                        new Scenario.Command(ns, "ip neigh add " + peerLease + " lladdr " + peerVtep
                                + " dev flannel.1 nud permanent"),
                        new Scenario.Command(ns, "bridge fdb append " + peerVtep + " dev flannel.1 dst " + peerAddress)));
            } else {
                // host-gw: the peer's lease via its public IP on the external interface (§3).
                cmds.add(new Scenario.Command(ns, "ip route add " + peerLease + "/24 via " + peerAddress + " dev eth0"));
            }
        }
        return cmds;
    }

    private static final Duration COMMAND = Duration.ofSeconds(5);

    /**
     * Builds the cluster in the kernel: the namespaces, {@code setup} (from {@link #kernelSetup},
     * read off the podlab cluster before it ran), and each node's iptables rules as podlab's node
     * holds them.
     */
    static void buildKernel(KernelNetns netns, Cluster cluster, List<Scenario.Command> setup, Path workDir,
            StringBuilder log) throws IOException {
        for (String ns : NAMESPACES) {
            require(log, netns.add(ns));
        }
        for (Scenario.Command c : setup) {
            require(log, netns.exec(c.ns(), COMMAND, netns.argv(c.line())));
        }
        for (String node : List.of("node1", "node2")) {
            Path rules = Files.writeString(workDir.resolve(node + ".sh"),
                    iptablesCommands(cluster.node(node).netfilter().iptables().save("now")));
            require(log, netns.exec(node, COMMAND, List.of("sh", "-e", rules.toString())));
        }
    }

    /** Logs a kernel command; throws with the log when it failed. */
    static void require(StringBuilder log, KernelNetns.Result r) {
        log.append(r.describe()).append('\n');
        if (!r.ok()) {
            throw new IllegalStateException("command failed in the kernel:\n" + r.describe() + "\nlog:\n" + log);
        }
    }

    /**
     * An {@code iptables-save} text as the {@code iptables -N} and {@code -A} commands that build
     * it, as flanneld and kube-proxy's {@code EnsureChain}/{@code EnsureRule} do: a built-in chain
     * is then created by its first rule, without a policy counter (iptables-nft), as on podlab's
     * nodes; {@code iptables-restore} would declare it with one.
     */
    static String iptablesCommands(String save) {
        StringBuilder sh = new StringBuilder();
        String table = null;
        for (String line : save.split("\n")) {
            if (line.startsWith("*")) {
                table = line.substring(1);
            } else if (line.startsWith(":") && line.split(" ")[1].equals("-")) {
                sh.append("iptables -t ").append(table).append(" -N ").append(line.substring(1, line.indexOf(' '))).append('\n');
            } else if (line.startsWith("-A ")) {
                sh.append("iptables -t ").append(table).append(' ').append(line).append('\n');
            }
        }
        return sh.toString();
    }

    private static String mac(NetDevice d) {
        return MacAddress.toString(d.mac());
    }

    /**
     * The kernel side's capture, UDP receiver and fixed-port sender, in python3: an
     * {@code AF_PACKET} socket writes every IPv4 frame of a device as {@code in|out HEX} lines; the
     * receiver writes {@code from ADDR:PORT ttl=N HEX} per datagram ({@code IP_RECVTTL}); the sender
     * binds its port and sends one datagram with {@code sendto}.
     */
    static final String FLANNEL_PY = """
            import socket, struct, sys, time
            IP_RECVTTL = 12
            IP_TTL = 2

            def capture(iface, path, life):
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
                s.bind((iface, 0))
                s.settimeout(0.05)
                end = time.time() + life
                with open(path, "w") as out:
                    print("CAPTURING", flush=True)
                    while time.time() < end:
                        try:
                            data, addr = s.recvfrom(65535)
                        except socket.timeout:
                            continue
                        if data[12:14] == b"\\x08\\x00":
                            way = "out" if addr[2] == socket.PACKET_OUTGOING else "in"
                            out.write(way + " " + data.hex() + "\\n")
                            out.flush()

            def serve_udp(port, path, life):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
                s.bind(("0.0.0.0", port))
                s.settimeout(0.05)
                end = time.time() + life
                with open(path, "w") as out:
                    print("LISTENING", flush=True)
                    while time.time() < end:
                        try:
                            data, anc, _, addr = s.recvmsg(2048, 64)
                        except socket.timeout:
                            continue
                        ttl = [struct.unpack("i", d[:4])[0] for l, t, d in anc if l == socket.IPPROTO_IP and t == IP_TTL]
                        out.write("from %s:%d ttl=%d %s\\n" % (addr[0], addr[1], ttl[0] if ttl else -1, data.hex()))
                        out.flush()

            def send_udp(dst, port, sport, payload):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("0.0.0.0", sport))
                s.sendto(bytes.fromhex(payload), (dst, port))
                print("SENT")

            if sys.argv[1] == "capture":
                capture(sys.argv[2], sys.argv[3], float(sys.argv[4]))
            elif sys.argv[1] == "serve-udp":
                serve_udp(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
            else:
                send_udp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
            """;

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
