package dev.podlab.netfilter.conntrack;

import static dev.podlab.netfilter.conntrack.ConntrackHarness.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.Sctp;
import dev.podlab.packet.SctpChunk;
import dev.podlab.packet.Tcp;
import io.netty.buffer.ByteBuf;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * UDP (nf_conntrack_proto_udp.c: 30 s unreplied, 120 s and ASSURED for a stream active more than
 * 2 s), ICMP queries (30 s) and errors (RELATED, nf_conntrack_inet_error), SCTP association
 * states. The {@code conntrack -L} lines expected here are the reference's section 9 examples,
 * printed on real nodes.
 */
class UdpIcmpSctpConntrackTest {
    private final ConntrackHarness h = new ConntrackHarness();

    /**
     * nf_ip_checksum at PREROUTING verifies a CHECKSUM_NONE packet (what a NIC without receive
     * offload delivers, what is injected raw) and marks it verified; a CHECKSUM_PARTIAL packet
     * from a local socket, or one verified before, is not verified again (udp_error, tcp_error).
     */
    @Test
    void theChecksumIsVerifiedOnlyWhenThePacketsStateAsksForIt() {
        ByteBuf bad = h.udp("10.0.0.5", 40000, "1.1.1.1", 53, 30);
        int udpCsum = ConntrackHarness.ipOffset(bad) + 20 + 6;
        bad.setShort(udpCsum, bad.getUnsignedShort(udpCsum) ^ 0x0101);
        PacketConntrack none = h.forward(bad.copy(), false);
        assertThat(none.entry()).as("bad checksum, CHECKSUM_NONE: INVALID").isNull();
        assertThat(none.csumUnnecessary()).isFalse();
        PacketConntrack partial = h.forward(bad.copy(), true);
        assertThat(partial.stateName()).as("bad checksum, CHECKSUM_PARTIAL: not verified").isEqualTo("NEW");

        PacketConntrack good = h.forward(h.udp("10.0.0.5", 40001, "1.1.1.1", 53, 30), false);
        assertThat(good.stateName()).isEqualTo("NEW");
        assertThat(good.csumUnnecessary()).as("verified once: csum_valid").isTrue();

        ByteBuf badSyn = h.tcp("10.0.0.5", 40002, "1.1.1.1", 80, Tcp.SYN, 1000, 0);
        int tcpCsum = ConntrackHarness.ipOffset(badSyn) + 20 + 16;
        badSyn.setShort(tcpCsum, badSyn.getUnsignedShort(tcpCsum) ^ 0x0101);
        assertThat(h.forward(badSyn.copy(), false).entry()).isNull();
        assertThat(h.forward(badSyn.copy(), true).stateName()).isEqualTo("NEW");
    }

    @Test
    void unrepliedUdpLivesThirtySeconds() {
        PacketConntrack skb = h.forward(h.udp("10.0.0.5", 40000, "1.1.1.1", 53, 30));
        assertThat(skb.stateName()).isEqualTo("NEW");
        h.advance(1);
        assertThat(h.conntrack.list(h.now)).isEqualTo(
                "udp      17 29 src=10.0.0.5 dst=1.1.1.1 sport=40000 dport=53 [UNREPLIED] "
                        + "src=1.1.1.1 dst=10.0.0.5 sport=53 dport=40000 mark=0 use=1\n");
        h.advance(29);
        assertThat(h.conntrack.list(h.now)).isEmpty();
    }

    @Test
    void dnsAnsweredWithinTwoSecondsKeepsTheShortTimeoutAndIsNotAssured() {
        // kube-dns ClusterIP 10.0.0.10:53 DNATed to the endpoint 10.244.1.4:53.
        h.dnat = ct -> NatRange.addressPort(ip("10.244.1.4"), 53);
        assertThat(h.forward(h.udp("10.244.0.11", 33258, "10.0.0.10", 53, 40)).stateName()).isEqualTo("NEW");
        h.advance(0.01);
        ByteBuf answer = h.udp("10.244.1.4", 53, "10.244.0.11", 33258, 120);
        PacketConntrack skb = h.forward(answer);
        assertThat(skb.stateName()).isEqualTo("ESTABLISHED");
        assertThat(ConntrackHarness.src(answer)).isEqualTo(ip("10.0.0.10"));
        assertThat(ConntrackHarness.sport(answer)).isEqualTo(53);
        h.advance(6);
        assertThat(h.conntrack.list(h.now)).isEqualTo(
                "udp      17 24 src=10.244.0.11 dst=10.0.0.10 sport=33258 dport=53 "
                        + "src=10.244.1.4 dst=10.244.0.11 sport=53 dport=33258 mark=0 use=1\n");
    }

    @Test
    void udpStreamActiveAfterTwoSecondsGets120SecondsAndAssured() {
        h.forward(h.udp("10.0.0.1", 5000, "10.0.0.2", 6000, 10));
        h.advance(0.1);
        h.forward(h.udp("10.0.0.2", 6000, "10.0.0.1", 5000, 10));
        h.advance(1.5);
        h.forward(h.udp("10.0.0.1", 5000, "10.0.0.2", 6000, 10));
        ConntrackEntry ct = h.lookup(IpProtocol.UDP, "10.0.0.1", 5000, "10.0.0.2", 6000);
        assertThat(ct.secondsLeft(h.now)).isEqualTo(30);
        assertThat(ct.isAssured()).isFalse();
        h.advance(1);
        h.forward(h.udp("10.0.0.1", 5000, "10.0.0.2", 6000, 10));
        assertThat(ct.secondsLeft(h.now)).isEqualTo(120);
        assertThat(ct.isAssured()).isTrue();
    }

    @Test
    void icmpEchoTupleHasIdTypeCodeAndLivesThirtySeconds() {
        PacketConntrack req = h.forward(h.echo("172.28.51.6", "172.25.20.143", Icmp4.ECHO, 3, 1));
        assertThat(req.stateName()).isEqualTo("NEW");
        h.advance(0.001);
        PacketConntrack rep = h.forward(h.echo("172.25.20.143", "172.28.51.6", Icmp4.ECHO_REPLY, 3, 1));
        assertThat(rep.stateName()).isEqualTo("ESTABLISHED");
        h.advance(2);
        assertThat(h.conntrack.list(h.now)).isEqualTo(
                "icmp     1 28 src=172.28.51.6 dst=172.25.20.143 type=8 code=0 id=3 "
                        + "src=172.25.20.143 dst=172.28.51.6 type=0 code=0 id=3 mark=0 use=1\n");
        h.advance(28);
        assertThat(h.conntrack.list(h.now)).isEmpty();
    }

    @Test
    void echoReplyWithoutRequestIsInvalid() {
        PacketConntrack skb = h.forward(h.echo("10.0.0.2", "10.0.0.1", Icmp4.ECHO_REPLY, 9, 1));
        assertThat(skb.isInvalid()).isTrue();
        assertThat(h.conntrack.table().count()).isZero();
    }

    @Test
    void portUnreachableQuotingADnatedUdpFlowIsRelatedAndUnNated() {
        h.dnat = ct -> NatRange.addressPort(ip("10.244.1.4"), 53);
        ByteBuf query = h.udp("10.244.0.11", 33258, "10.0.0.10", 53, 40);
        h.forward(query);
        // query now holds what the endpoint received: 10.244.0.11:33258 -> 10.244.1.4:53.
        assertThat(ConntrackHarness.dst(query)).isEqualTo(ip("10.244.1.4"));
        ByteBuf error = h.icmpError("10.244.1.4", Icmp4.DEST_UNREACH, Icmp4.PORT_UNREACH, query);

        PacketConntrack skb = h.forward(error);
        assertThat(skb.stateName()).isEqualTo("RELATED");
        assertThat(skb.ctinfo()).isEqualTo(PacketConntrack.IP_CT_RELATED_REPLY);
        assertThat(skb.stateBits()).isEqualTo(PacketConntrack.STATE_RELATED | PacketConntrack.STATE_DNAT);

        // The client sees an error from the ClusterIP about its packet to the ClusterIP.
        int outer = ConntrackHarness.ipOffset(error);
        int inner = ConntrackHarness.quotedIp(error);
        assertThat(ConntrackHarness.src(error)).isEqualTo(ip("10.0.0.10"));
        assertThat(ConntrackHarness.dst(error)).isEqualTo(ip("10.244.0.11"));
        assertThat(error.getInt(inner + 12)).isEqualTo(ip("10.244.0.11"));
        assertThat(error.getInt(inner + 16)).isEqualTo(ip("10.0.0.10"));
        assertThat(error.getUnsignedShort(inner + 20)).isEqualTo(33258);
        assertThat(error.getUnsignedShort(inner + 22)).isEqualTo(53);
        assertThat(ConntrackHarness.ipChecksumOk(error, outer)).isTrue();
        assertThat(ConntrackHarness.icmpChecksumOk(error, outer)).isTrue();
        assertThat(ConntrackHarness.ipChecksumOk(error, inner)).isTrue();
        assertThat(ConntrackHarness.l4ChecksumOk(error, inner, error.getUnsignedShort(inner + 2))).isTrue();
        // The error neither refreshes nor answers the flow.
        ConntrackEntry ct = h.lookup(IpProtocol.UDP, "10.244.0.11", 33258, "10.0.0.10", 53);
        assertThat(ct.seenReply()).isFalse();
    }

    @Test
    void icmpErrorQuotingNothingOrMisaddressedIsInvalid() {
        ByteBuf stray = h.udp("10.0.0.1", 1111, "10.0.0.2", 2222, 8);
        ByteBuf error = h.icmpError("10.0.0.2", Icmp4.DEST_UNREACH, Icmp4.PORT_UNREACH, stray);
        assertThat(h.forward(error).isInvalid()).isTrue();
        assertThat(h.conntrack.stats().error()).isEqualTo(1);

        // A tracked flow, but the error goes to a third host: "outer daddr != inner".
        ByteBuf real = h.udp("10.0.0.1", 1111, "10.0.0.2", 2222, 8);
        h.forward(real.copy());
        ByteBuf misaddressed = h.icmpError("10.0.0.2", Icmp4.DEST_UNREACH, Icmp4.PORT_UNREACH, real);
        misaddressed.setInt(ConntrackHarness.ipOffset(misaddressed) + 16, ip("10.0.0.99"));
        int off = ConntrackHarness.ipOffset(misaddressed);
        misaddressed.setShort(off + 10, 0);
        misaddressed.setShort(off + 10, ConntrackHarness.onesComplementSum(misaddressed, off, 20, 0) ^ 0xffff);
        assertThat(h.forward(misaddressed).isInvalid()).isTrue();
    }

    /** An SCTP packet with one chunk of {@code type} and no value (COOKIE ECHO, COOKIE ACK). */
    private ByteBuf sctpChunk(String src, int sport, String dst, int dport, int vtag, int type) {
        Ipv4Spec ipSpec = new Ipv4Spec().macs(1, 2).addresses(ip(src), ip(dst));
        ByteBuf f = h.frames.sctpAbort(ipSpec, sport, dport, vtag, false);
        int sctp = ConntrackHarness.l4(f);
        f.setByte(sctp + Sctp.HEADER_LENGTH, type);
        new Sctp().wrap(f, sctp).updateChecksum(f.writerIndex() - sctp, new CRC32C());
        return f;
    }

    @Test
    void sctpAssociationSetupReachesEstablishedAndAssured() {
        int clientTag = 0x11111111;
        int serverTag = 0x22222222;
        Ipv4Spec c2s = new Ipv4Spec().macs(1, 2).addresses(ip("10.0.0.1"), ip("10.0.0.2"));
        Ipv4Spec s2c = new Ipv4Spec().macs(2, 1).addresses(ip("10.0.0.2"), ip("10.0.0.1"));
        assertThat(h.forward(h.frames.sctpInit(c2s, 5000, 3868, clientTag, 65536, 10, 10, 1, null)).stateName())
                .isEqualTo("NEW");
        ConntrackEntry ct = h.lookup(IpProtocol.SCTP, "10.0.0.1", 5000, "10.0.0.2", 3868);
        // Current kernels: INIT in NONE gives CLOSED (sctp_conntracks, ORIGINAL init row).
        assertThat(ct.stateName()).isEqualTo("CLOSED");
        assertThat(ct.secondsLeft(h.now)).isEqualTo(10);

        ByteBuf cookie = io.netty.buffer.Unpooled.wrappedBuffer(new byte[16]);
        h.forward(h.frames.sctpInitAck(s2c, 3868, 5000, clientTag, serverTag, 65536, 10, 10, 1, cookie, null));
        assertThat(ct.stateName()).isEqualTo("COOKIE_WAIT");
        assertThat(ct.secondsLeft(h.now)).isEqualTo(3);

        h.forward(sctpChunk("10.0.0.1", 5000, "10.0.0.2", 3868, serverTag, SctpChunk.COOKIE_ECHO));
        assertThat(ct.stateName()).isEqualTo("COOKIE_ECHOED");
        h.forward(sctpChunk("10.0.0.2", 3868, "10.0.0.1", 5000, clientTag, SctpChunk.COOKIE_ACK));
        assertThat(ct.stateName()).isEqualTo("ESTABLISHED");
        assertThat(ct.isAssured()).isTrue();
        assertThat(h.conntrack.list(h.now)).isEqualTo(
                "sctp     132 210 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=3868 "
                        + "src=10.0.0.2 dst=10.0.0.1 sport=3868 dport=5000 [ASSURED] mark=0 use=1\n");

        // A chunk with the wrong verification tag is invalid.
        assertThat(h.forward(sctpChunk("10.0.0.2", 3868, "10.0.0.1", 5000, 0x5555, SctpChunk.COOKIE_ACK))
                .isInvalid()).isTrue();
    }

    @Test
    void otherProtocolsAreTrackedByTheGenericTrackerFor600Seconds() {
        // An IPIP packet (Calico's encapsulation between nodes): addresses and protocol only.
        ByteBuf ipip = h.udp("10.0.0.1", 1, "10.0.0.2", 2, 8);
        int off = ConntrackHarness.ipOffset(ipip);
        ipip.setByte(off + 9, IpProtocol.IPIP);
        ipip.setShort(off + 10, 0);
        ipip.setShort(off + 10, ConntrackHarness.onesComplementSum(ipip, off, 20, 0) ^ 0xffff);
        assertThat(h.forward(ipip).stateName()).isEqualTo("NEW");
        assertThat(h.conntrack.list(h.now)).isEqualTo(
                "unknown  4 600 src=10.0.0.1 dst=10.0.0.2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 mark=0 use=1\n");
    }
}
