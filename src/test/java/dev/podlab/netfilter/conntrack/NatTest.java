package dev.podlab.netfilter.conntrack;

import static dev.podlab.netfilter.conntrack.ConntrackHarness.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.Tcp;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

/**
 * NAT bindings in conntrack (nf_nat_core.c, nf_nat_proto.c; reference netfilter-conntrack.md
 * section 8 and kube-proxy.md sections 4-5). Checksums are verified with the harness's own
 * one's-complement loop, not with the code under test. The {@code conntrack -L} lines are the
 * reference's examples, printed on real Kubernetes nodes.
 */
class NatTest {
    private final ConntrackHarness h = new ConntrackHarness();

    private static void assertChecksumsValid(ByteBuf frame) {
        int off = ConntrackHarness.ipOffset(frame);
        assertThat(ConntrackHarness.ipChecksumOk(frame, off)).as("IPv4 header checksum").isTrue();
        assertThat(ConntrackHarness.l4ChecksumOk(frame, off, frame.getUnsignedShort(off + 2)))
                .as("TCP/UDP checksum").isTrue();
    }

    @Test
    void dnatToAClusterIpEndpointAndTheReplyUnDnated() {
        // kube-proxy: KUBE-SEP-... -j DNAT --to-destination 10.244.1.3:9376 for ClusterIP 10.96.211.47:80.
        h.dnat = ct -> ct.original().dst() == ip("10.96.211.47")
                ? NatRange.addressPort(ip("10.244.1.3"), 9376) : null;
        ByteBuf syn = h.tcp("10.244.2.4", 41822, "10.96.211.47", 80, Tcp.SYN, 1000, 0);
        PacketConntrack skb = h.forward(syn);
        assertThat(skb.stateBits()).isEqualTo(PacketConntrack.STATE_NEW | PacketConntrack.STATE_DNAT);
        assertThat(ConntrackHarness.dst(syn)).isEqualTo(ip("10.244.1.3"));
        assertThat(ConntrackHarness.dport(syn)).isEqualTo(9376);
        assertThat(ConntrackHarness.src(syn)).isEqualTo(ip("10.244.2.4"));
        assertThat(ConntrackHarness.sport(syn)).isEqualTo(41822);
        assertChecksumsValid(syn);

        ByteBuf synAck = h.tcp("10.244.1.3", 9376, "10.244.2.4", 41822, Tcp.SYN | Tcp.ACK, 5000, 1001);
        assertThat(h.forward(synAck).stateName()).isEqualTo("ESTABLISHED");
        assertThat(ConntrackHarness.src(synAck)).isEqualTo(ip("10.96.211.47"));
        assertThat(ConntrackHarness.sport(synAck)).isEqualTo(80);
        assertThat(ConntrackHarness.dst(synAck)).isEqualTo(ip("10.244.2.4"));
        assertChecksumsValid(synAck);

        // Finish and close the connection, then compare with the line from a real node.
        var c = h.conversation("10.244.2.4", 41822, "10.96.211.47", 80);
        c.cseq = 1001;
        c.sseq = 5001;
        ByteBuf ack = h.tcp("10.244.2.4", 41822, "10.96.211.47", 80, Tcp.ACK, 1001, 5001, 0);
        h.forward(ack);
        assertThat(ConntrackHarness.dst(ack)).isEqualTo(ip("10.244.1.3"));
        assertChecksumsValid(ack);
        c.fromClient(Tcp.FIN | Tcp.ACK, 0);
        c.fromServer("10.244.1.3", 9376, "10.244.2.4", 41822, Tcp.FIN | Tcp.ACK, 0);
        c.fromClient(Tcp.ACK, 0);
        h.advance(2);
        assertThat(h.conntrack.list(h.now)).isEqualTo(
                "tcp      6 118 TIME_WAIT src=10.244.2.4 dst=10.96.211.47 sport=41822 dport=80 "
                        + "src=10.244.1.3 dst=10.244.2.4 sport=9376 dport=41822 [ASSURED] mark=0 use=1\n");
    }

    @Test
    void masqueradeKeepsTheSourcePortWhenFree() {
        h.masqueradeAddress = ip("10.224.0.4");
        h.snat = ct -> NatRange.masquerade();
        var c = h.conversation("10.244.0.11", 53830, "172.64.154.211", 80);
        c.fromClient(Tcp.SYN, 0);
        c.fromServer("172.64.154.211", 80, "10.224.0.4", 53830, Tcp.SYN | Tcp.ACK, 0);
        c.fromClient(Tcp.ACK, 0);
        c.fromClient(Tcp.FIN | Tcp.ACK, 0);
        c.fromServer("172.64.154.211", 80, "10.224.0.4", 53830, Tcp.FIN | Tcp.ACK, 0);
        c.fromClient(Tcp.ACK, 0);
        h.advance(6);
        assertThat(h.conntrack.list(h.now)).isEqualTo(
                "tcp      6 114 TIME_WAIT src=10.244.0.11 dst=172.64.154.211 sport=53830 dport=80 "
                        + "src=172.64.154.211 dst=10.224.0.4 sport=80 dport=53830 [ASSURED] mark=0 use=1\n");
    }

    @Test
    void masqueradePortClashPicksAnotherPortAndRepliesFindTheirWayBack() {
        // The node itself already talks from 10.224.0.4:53830 to 172.64.154.211:80 (no NAT).
        h.masqueradeAddress = ip("10.224.0.4");
        h.snat = ct -> ct.original().src() == ip("10.224.0.4") ? null : NatRange.masquerade();
        h.output(h.tcp("10.224.0.4", 53830, "172.64.154.211", 80, Tcp.SYN, 777, 0));
        assertThat(h.lookupTcp("10.224.0.4", 53830, "172.64.154.211", 80).status()
                & ConntrackEntry.IPS_SRC_NAT).isZero();

        // A pod uses the same source port towards the same server: the masqueraded tuple would
        // equal the node's, so nf_nat_l4proto_unique_tuple picks another unprivileged port.
        ByteBuf syn = h.tcp("10.244.0.11", 53830, "172.64.154.211", 80, Tcp.SYN, 1000, 0);
        PacketConntrack skb = h.forward(syn);
        assertThat(skb.stateBits()).isEqualTo(PacketConntrack.STATE_NEW | PacketConntrack.STATE_SNAT);
        int port = ConntrackHarness.sport(syn);
        assertThat(port).isNotEqualTo(53830).isBetween(1024, 65535);
        assertThat(ConntrackHarness.src(syn)).isEqualTo(ip("10.224.0.4"));
        assertChecksumsValid(syn);
        ConntrackEntry ct = skb.entry();
        assertThat(ct.reply().dst()).isEqualTo(ip("10.224.0.4"));
        assertThat(ct.reply().dstPort()).isEqualTo(port);
        assertThat(h.conntrack.stats().found()).isPositive();

        // The server's answer to the new port is un-SNATed at PREROUTING back to the pod.
        ByteBuf synAck = h.tcp("172.64.154.211", 80, "10.224.0.4", port, Tcp.SYN | Tcp.ACK, 5000, 1001);
        assertThat(h.forward(synAck).entry()).isSameAs(ct);
        assertThat(ConntrackHarness.dst(synAck)).isEqualTo(ip("10.244.0.11"));
        assertThat(ConntrackHarness.dport(synAck)).isEqualTo(53830);
        assertChecksumsValid(synAck);
    }

    @Test
    void nullBindingRemapsALocalConnectionWhoseTupleAMasqueradedOneAlreadyHolds() {
        h.masqueradeAddress = ip("10.224.0.4");
        h.snat = ct -> ct.original().src() == ip("10.224.0.4") ? null : NatRange.masquerade();
        h.forward(h.tcp("10.244.0.11", 40000, "1.1.1.1", 80, Tcp.SYN, 1000, 0));
        assertThat(h.lookupTcp("1.1.1.1", 80, "10.224.0.4", 40000)).isNotNull();

        // Now a node process uses 10.224.0.4:40000 -> 1.1.1.1:80: no nat rule matches, but the
        // null binding (nf_nat_alloc_null_binding) finds the tuple taken and changes the port.
        ByteBuf syn = h.tcp("10.224.0.4", 40000, "1.1.1.1", 80, Tcp.SYN, 2000, 0);
        PacketConntrack skb = h.output(syn);
        assertThat(skb.stateName()).isEqualTo("NEW");
        assertThat(ConntrackHarness.sport(syn)).isNotEqualTo(40000).isBetween(1024, 65535);
        assertThat(skb.entry().hasStatus(ConntrackEntry.IPS_SRC_NAT)).isTrue();
        assertThat(skb.entry().reply().dstPort()).isEqualTo(ConntrackHarness.sport(syn));
        assertChecksumsValid(syn);
        assertThat(h.conntrack.table().count()).isEqualTo(2);
    }

    @Test
    void nodePortIsDnatedToThePodAndSnatedToTheNode() {
        ConntrackSysctls kubeProxy = new ConntrackSysctls();
        kubeProxy.tcpTimeoutEstablished = 86_400; // kube-proxy's --conntrack-tcp-timeout-established
        ConntrackHarness n = new ConntrackHarness(kubeProxy);
        n.dnat = ct -> NatRange.addressPort(ip("10.244.166.159"), 80);
        // --to-source with the port the real node's --random-fully happened to pick.
        n.snat = ct -> NatRange.addressPort(ip("192.168.43.152"), 48815);
        var c = n.conversation("192.168.43.1", 50446, "192.168.43.152", 30000);
        ByteBuf syn = n.tcp("192.168.43.1", 50446, "192.168.43.152", 30000, Tcp.SYN, c.cseq, 0);
        c.cseq++;
        PacketConntrack skb = n.forward(syn);
        assertThat(skb.stateBits()).isEqualTo(
                PacketConntrack.STATE_NEW | PacketConntrack.STATE_SNAT | PacketConntrack.STATE_DNAT);
        assertThat(ConntrackHarness.src(syn)).isEqualTo(ip("192.168.43.152"));
        assertThat(ConntrackHarness.sport(syn)).isEqualTo(48815);
        assertThat(ConntrackHarness.dst(syn)).isEqualTo(ip("10.244.166.159"));
        assertThat(ConntrackHarness.dport(syn)).isEqualTo(80);
        assertChecksumsValid(syn);

        ByteBuf synAck = n.tcp("10.244.166.159", 80, "192.168.43.152", 48815, Tcp.SYN | Tcp.ACK, c.sseq, c.cseq);
        c.sseq++;
        n.forward(synAck);
        assertThat(ConntrackHarness.src(synAck)).isEqualTo(ip("192.168.43.152"));
        assertThat(ConntrackHarness.sport(synAck)).isEqualTo(30000);
        assertThat(ConntrackHarness.dst(synAck)).isEqualTo(ip("192.168.43.1"));
        assertThat(ConntrackHarness.dport(synAck)).isEqualTo(50446);
        assertChecksumsValid(synAck);
        c.fromClient(Tcp.ACK, 0);
        n.advance(6);
        assertThat(n.conntrack.list(n.now)).isEqualTo(
                "tcp      6 86394 ESTABLISHED src=192.168.43.1 dst=192.168.43.152 sport=50446 dport=30000 "
                        + "src=10.244.166.159 dst=192.168.43.152 sport=80 dport=48815 [ASSURED] mark=0 use=1\n");
    }

    @Test
    void snatToARangeKeepsOneAddressPerClientAndDestination() {
        h.snat = ct -> NatRange.addresses(ip("203.0.113.10"), ip("203.0.113.13"));
        ByteBuf a = h.tcp("10.244.0.11", 40001, "198.51.100.7", 443, Tcp.SYN, 1, 0);
        ByteBuf b = h.tcp("10.244.0.11", 40002, "198.51.100.7", 443, Tcp.SYN, 1, 0);
        h.forward(a);
        h.forward(b);
        int first = ConntrackHarness.src(a);
        assertThat(Integer.toUnsignedLong(first)).isBetween(
                Integer.toUnsignedLong(ip("203.0.113.10")), Integer.toUnsignedLong(ip("203.0.113.13")));
        // find_best_ips_proto hashes source and destination: same pair, same address.
        assertThat(ConntrackHarness.src(b)).isEqualTo(first);
        assertThat(ConntrackHarness.sport(a)).isEqualTo(40001);
        assertChecksumsValid(a);
    }

    @Test
    void icmpEchoThroughMasqueradeKeepsItsIdAndComesBack() {
        h.masqueradeAddress = ip("10.224.0.4");
        h.snat = ct -> NatRange.masquerade();
        ByteBuf req = h.echo("10.244.0.11", "8.8.8.8", 8, 77, 1);
        h.forward(req);
        assertThat(ConntrackHarness.src(req)).isEqualTo(ip("10.224.0.4"));
        assertThat(ConntrackHarness.icmpChecksumOk(req, ConntrackHarness.ipOffset(req))).isTrue();
        ByteBuf rep = h.echo("8.8.8.8", "10.224.0.4", 0, 77, 1);
        assertThat(h.forward(rep).stateName()).isEqualTo("ESTABLISHED");
        assertThat(ConntrackHarness.dst(rep)).isEqualTo(ip("10.244.0.11"));
        assertThat(ConntrackHarness.ipChecksumOk(rep, ConntrackHarness.ipOffset(rep))).isTrue();
    }

    @Test
    void masqueradedEntriesAreFlushedWhenTheirInterfaceGoesDown() {
        h.masqueradeAddress = ip("10.224.0.4");
        h.snat = ct -> ct.original().src() == ip("10.0.0.9") ? null : NatRange.masquerade();
        h.forward(h.tcp("10.244.0.11", 40000, "1.1.1.1", 80, Tcp.SYN, 1, 0));
        h.forward(h.tcp("10.0.0.9", 40000, "1.1.1.1", 80, Tcp.SYN, 1, 0));
        assertThat(h.conntrack.nat().flushMasquerade(2)).isEqualTo(1);
        assertThat(h.conntrack.table().count()).isEqualTo(1);
    }
}
