package dev.podlab.topologies;

import dev.podlab.capture.PcapngWriter;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Frames;
import dev.podlab.packet.IpIdent;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.MacAddress;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.TcpSpec;
import dev.podlab.packet.TestFrames;
import dev.podlab.packet.UdpTunnel;
import dev.podlab.packet.VxlanSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds the shipped capture {@code topologies/captures/flannel-vxlan-pod-to-pod.pcapng}: one TCP
 * connection (an HTTP GET) from pod A (10.244.1.2 on node1) to pod B (10.244.2.3 on node2) of a
 * flannel VXLAN cluster, recorded on every device it crosses, with the node state of
 * shared/reference/flannel.md section 2 (VNI 1, UDP 8472, flannel.1 MACs in the permanent
 * neighbour and FDB entries, TTL 64 / 63 / 62 along the path, outer DF clear, outer UDP checksum
 * computed, outer source port from the inner flow hash).
 *
 * <pre>
 *  pod A 10.244.1.2                                                         pod B 10.244.2.3
 *   eth0 ── veth-pod-a ── cni0 10.244.1.1          cni0 10.244.2.1 ── veth-pod-b ── eth0
 *                          │ route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
 *                       flannel.1 10.244.1.0/32 ── VXLAN VNI 1, UDP 8472 ── flannel.1 10.244.2.0/32
 *                       eth0 192.168.1.11  ═════════ underlay L2 ═════════  eth0 192.168.1.12
 * </pre>
 *
 * It is put together hop by hop from podlab's packet builders (the node datapath that will
 * produce it by itself is the next step); its bytes were checked by hand against the reference
 * and by tshark with checksum validation (see ShippedCaptureTest). Regenerate with
 * {@code mvn test -Dtest=ShippedCaptureTest -Dpodlab.regenerate=true} and read the diff of
 * {@code ./podlab decode -e} before committing.
 */
final class FlannelVxlanCapture {
    static final String FILE = "topologies/captures/flannel-vxlan-pod-to-pod.pcapng";

    static final int NODE1 = Ipv4Address.of(192, 168, 1, 11);
    static final int NODE2 = Ipv4Address.of(192, 168, 1, 12);
    static final int POD_A = Ipv4Address.of(10, 244, 1, 2);
    static final int POD_B = Ipv4Address.of(10, 244, 2, 3);
    static final int CNI0_NODE1 = Ipv4Address.of(10, 244, 1, 1);
    static final int CNI0_NODE2 = Ipv4Address.of(10, 244, 2, 1);

    // MACs: the bridge CNI plugin derives a pod's MAC from its IP (0a:58 + the address); the
    // flannel.1 and NIC MACs are locally administered values standing for random ones.
    static final long MAC_POD_A = MacAddress.parse("0a:58:0a:f4:01:02");
    static final long MAC_POD_B = MacAddress.parse("0a:58:0a:f4:02:03");
    static final long MAC_CNI0_NODE1 = MacAddress.parse("0a:58:0a:f4:01:01");
    static final long MAC_CNI0_NODE2 = MacAddress.parse("0a:58:0a:f4:02:01");
    static final long MAC_FLANNEL_NODE1 = MacAddress.parse("8e:2a:5f:01:00:01");
    static final long MAC_FLANNEL_NODE2 = MacAddress.parse("8e:2a:5f:02:00:01");
    static final long MAC_ETH0_NODE1 = MacAddress.parse("52:54:00:12:34:11");
    static final long MAC_ETH0_NODE2 = MacAddress.parse("52:54:00:12:34:12");

    static final int VNI = 1;
    static final int CLIENT_PORT = 43512;
    static final int SERVER_PORT = 80;

    /** Per-hop latency in virtual time: a veth or bridge hop, and the underlay wire. */
    private static final long HOP_NS = 2_000;
    private static final long WIRE_NS = 50_000;

    private final Frames frames = TestFrames.heap();
    private final Ipv4Spec ip = new Ipv4Spec();
    private final TcpSpec tcp = new TcpSpec();
    private final VxlanSpec vxlan = new VxlanSpec();
    private final IpIdent outerIds = new IpIdent(1);
    private final IpIdent.SocketCounter clientIds = new IpIdent.SocketCounter(0x3a1c);
    private final IpIdent.SocketCounter serverIds = new IpIdent.SocketCounter(0x77d0);
    private final Ipv4 ipView = new Ipv4();
    private PcapngWriter writer;
    private long now;

    /** Writes the capture to {@code out}. */
    void write(OutputStream out) throws IOException {
        writer = new PcapngWriter(out);
        for (String device : new String[] {"node1/veth-pod-a", "node1/cni0", "node1/flannel.1", "node1/eth0",
                "node2/eth0", "node2/flannel.1", "node2/cni0", "node2/veth-pod-b"}) {
            writer.addInterface(device, LinkType.ETHERNET);
        }
        now = 1_000_000_000L;

        // Pod A resolves its default gateway (cni0) before the first packet.
        emit("node1/veth-pod-a", frames.arpRequest(MAC_POD_A, POD_A, CNI0_NODE1));
        emit("node1/cni0", frames.arpRequest(MAC_POD_A, POD_A, CNI0_NODE1));
        now += HOP_NS;
        emit("node1/cni0", frames.arpReply(MAC_CNI0_NODE1, CNI0_NODE1, MAC_POD_A, POD_A));
        emit("node1/veth-pod-a", frames.arpReply(MAC_CNI0_NODE1, CNI0_NODE1, MAC_POD_A, POD_A));
        now += HOP_NS;

        long clientIsn = 0x6f3e9a11L;
        long serverIsn = 0x1c2d3e4fL;
        long tsClient = 2_044_906_138L;
        long tsServer = 3_716_023_471L;
        byte[] request = ("GET / HTTP/1.1\r\nHost: 10.244.2.3\r\nUser-Agent: Wget\r\nAccept: */*\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] response = ("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
                + "Connection: close\r\n\r\npod-b\n").getBytes(StandardCharsets.US_ASCII);

        // SYN: Linux's option layout (mss, sackOK, TS, nop, wscale 7); window 64860 for MSS 1410.
        tcp.reset().ports(CLIENT_PORT, SERVER_PORT).seq(clientIsn).flags(Tcp.SYN).window(64860)
                .mss(1410).sackPermitted(true).timestamps(tsClient, 0).windowScale(7);
        forward(true, null);
        // Node2 resolves pod B on cni0 before delivering the first packet.
        emit("node2/cni0", frames.arpRequest(MAC_CNI0_NODE2, CNI0_NODE2, POD_B));
        emit("node2/veth-pod-b", frames.arpRequest(MAC_CNI0_NODE2, CNI0_NODE2, POD_B));
        now += HOP_NS;
        emit("node2/veth-pod-b", frames.arpReply(MAC_POD_B, POD_B, MAC_CNI0_NODE2, CNI0_NODE2));
        emit("node2/cni0", frames.arpReply(MAC_POD_B, POD_B, MAC_CNI0_NODE2, CNI0_NODE2));
        now += HOP_NS;
        deliverLastToPodB();

        tcp.reset().ports(SERVER_PORT, CLIENT_PORT).seq(serverIsn).ack(clientIsn + 1).flags(Tcp.SYN | Tcp.ACK)
                .window(64308).mss(1410).sackPermitted(true).timestamps(tsServer, tsClient).windowScale(7);
        forward(false, null);
        tcp.reset().ports(CLIENT_PORT, SERVER_PORT).seq(clientIsn + 1).ack(serverIsn + 1).flags(Tcp.ACK)
                .window(507).timestamps(tsClient + 1, tsServer);
        forward(true, null);
        tcp.reset().ports(CLIENT_PORT, SERVER_PORT).seq(clientIsn + 1).ack(serverIsn + 1)
                .flags(Tcp.PSH | Tcp.ACK).window(507).timestamps(tsClient + 1, tsServer);
        forward(true, request);
        tcp.reset().ports(SERVER_PORT, CLIENT_PORT).seq(serverIsn + 1).ack(clientIsn + 1 + request.length)
                .flags(Tcp.ACK).window(502).timestamps(tsServer + 1, tsClient + 1);
        forward(false, null);
        tcp.reset().ports(SERVER_PORT, CLIENT_PORT).seq(serverIsn + 1).ack(clientIsn + 1 + request.length)
                .flags(Tcp.PSH | Tcp.ACK).window(502).timestamps(tsServer + 1, tsClient + 1);
        forward(false, response);
        tcp.reset().ports(SERVER_PORT, CLIENT_PORT).seq(serverIsn + 1 + response.length)
                .ack(clientIsn + 1 + request.length).flags(Tcp.FIN | Tcp.ACK).window(502)
                .timestamps(tsServer + 1, tsClient + 1);
        forward(false, null);
        tcp.reset().ports(CLIENT_PORT, SERVER_PORT).seq(clientIsn + 1 + request.length)
                .ack(serverIsn + 2 + response.length).flags(Tcp.FIN | Tcp.ACK).window(507)
                .timestamps(tsClient + 2, tsServer + 1);
        forward(true, null);
        tcp.reset().ports(SERVER_PORT, CLIENT_PORT).seq(serverIsn + 2 + response.length)
                .ack(clientIsn + 2 + request.length).flags(Tcp.ACK).window(502).timestamps(tsServer + 2, tsClient + 2);
        forward(false, null);
        writer.flush();
    }

    private ByteBuf pending;

    /**
     * Sends the segment in {@link #tcp} from pod A (toB) or pod B, recording it on every device
     * up to the far cni0; the last hop to the pod is emitted by {@link #deliverLastToPodB} (for
     * the first SYN, which waits for neighbour resolution) or directly.
     */
    private void forward(boolean toB, byte[] payload) throws IOException {
        ByteBuf data = payload == null ? null : Unpooled.wrappedBuffer(payload);
        int src = toB ? POD_A : POD_B;
        int dst = toB ? POD_B : POD_A;
        int id = (toB ? clientIds : serverIds).nextTcp(1);
        // 1. The pod sends to its gateway's MAC (cni0), TTL 64.
        ip.reset().macs(toB ? MAC_POD_A : MAC_POD_B, toB ? MAC_CNI0_NODE1 : MAC_CNI0_NODE2)
                .addresses(src, dst).id(id);
        ByteBuf frame = frames.tcp(ip, tcp, data);
        String near = toB ? "node1" : "node2";
        String far = toB ? "node2" : "node1";
        emit(near + (toB ? "/veth-pod-a" : "/veth-pod-b"), frame);
        emit(near + "/cni0", frame);
        now += HOP_NS;
        // 2. Routed by the near node (TTL 63) out flannel.1 to the far VTEP's MAC
        //    (permanent neighbour entry for the far subnet's .0 address).
        ByteBuf inner = frame.copy(0, frame.capacity());
        inner.readerIndex(frame.readerIndex()).writerIndex(frame.writerIndex());
        rewriteEthernet(inner, toB ? MAC_FLANNEL_NODE1 : MAC_FLANNEL_NODE2, toB ? MAC_FLANNEL_NODE2 : MAC_FLANNEL_NODE1);
        decrementTtl(inner);
        emit(near + "/flannel.1", inner);
        // 3. vxlan_xmit: the FDB maps the far VTEP MAC to the far node's underlay address.
        ByteBuf outer = inner.copy(0, inner.capacity());
        outer.readerIndex(inner.readerIndex()).writerIndex(inner.writerIndex());
        int hash = UdpTunnel.flowHash(src, dst, IpProtocol.TCP, tcp.srcPort(), tcp.dstPort(), 0);
        int nearIp = toB ? NODE1 : NODE2;
        int farIp = toB ? NODE2 : NODE1;
        vxlan.macs(toB ? MAC_ETH0_NODE1 : MAC_ETH0_NODE2, toB ? MAC_ETH0_NODE2 : MAC_ETH0_NODE1)
                .addresses(nearIp, farIp).vni(VNI)
                .srcPort(UdpTunnel.sourcePort(hash, 0, 0))
                .id(outerIds.hashed(nearIp, farIp, IpProtocol.UDP));
        frames.vxlanEncap(outer, vxlan);
        emit(near + "/eth0", outer);
        now += WIRE_NS;
        emit(far + "/eth0", outer);
        now += HOP_NS;
        // 4. Decapsulated on the far flannel.1, routed (TTL 62) to cni0 towards the pod.
        emit(far + "/flannel.1", inner);
        now += HOP_NS;
        ByteBuf last = inner.copy(0, inner.capacity());
        last.readerIndex(inner.readerIndex()).writerIndex(inner.writerIndex());
        rewriteEthernet(last, toB ? MAC_CNI0_NODE2 : MAC_CNI0_NODE1, toB ? MAC_POD_B : MAC_POD_A);
        decrementTtl(last);
        pending = last;
        if (tcp.flags() == Tcp.SYN) {
            return; // waits in the neighbour queue for pod B's MAC
        }
        deliver(toB);
    }

    private void deliverLastToPodB() throws IOException {
        deliver(true);
    }

    private void deliver(boolean toB) throws IOException {
        String far = toB ? "node2" : "node1";
        emit(far + "/cni0", pending);
        emit(far + (toB ? "/veth-pod-b" : "/veth-pod-a"), pending);
        now += HOP_NS;
        pending = null;
    }

    private static void rewriteEthernet(ByteBuf frame, long src, long dst) {
        int off = frame.readerIndex();
        MacAddress.set(frame, off + Ethernet.DST_OFFSET, dst);
        MacAddress.set(frame, off + Ethernet.SRC_OFFSET, src);
    }

    private void decrementTtl(ByteBuf frame) {
        ipView.wrap(frame, frame.readerIndex() + Ethernet.HEADER_LENGTH).decrementTtl();
    }

    private void emit(String device, ByteBuf frame) throws IOException {
        writer.writePacket(writer.interfaceId(device), now, frame, frame.readerIndex(), frame.readableBytes(),
                frame.readableBytes());
        now += 100;
    }
}
