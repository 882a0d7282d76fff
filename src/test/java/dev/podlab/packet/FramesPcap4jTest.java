package dev.podlab.packet;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pcap4j.packet.ArpPacket;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV4CommonPacket;
import org.pcap4j.packet.IcmpV4DestinationUnreachablePacket;
import org.pcap4j.packet.IcmpV4EchoPacket;
import org.pcap4j.packet.IcmpV4EchoReplyPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.SctpPacket;
import org.pcap4j.packet.TcpMaximumSegmentSizeOption;
import org.pcap4j.packet.TcpNoOperationOption;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.TcpSackOption;
import org.pcap4j.packet.TcpSackPermittedOption;
import org.pcap4j.packet.TcpTimestampsOption;
import org.pcap4j.packet.TcpWindowScaleOption;
import org.pcap4j.packet.UdpPacket;

/**
 * Every {@link Frames} builder's output decoded by pcap4j, an independent decoder: fields equal
 * what was asked for, checksums valid by pcap4j's own verification, and the Linux-specific
 * choices (option order, RST fields, ICMP error TOS and quoting) as the kernel sources say.
 */
class FramesPcap4jTest {
    static final long MAC_A = MacAddress.parse("02:42:0a:f4:01:02");
    static final long MAC_B = MacAddress.parse("02:42:0a:f4:02:03");
    static final int IP_A = Ipv4Address.parse("10.244.1.2");
    static final int IP_B = Ipv4Address.parse("10.244.2.3");

    private final Frames frames = TestFrames.heap();

    static EthernetPacket decode(ByteBuf frame) {
        byte[] b = Hex.bytes(frame);
        try {
            return EthernetPacket.newPacket(b, 0, b.length);
        } catch (IllegalRawDataException e) {
            throw new AssertionError("pcap4j rejects the frame " + Hex.of(b), e);
        }
    }

    static InetAddress inet(int addr) {
        try {
            return InetAddress.getByName(Ipv4Address.toString(addr));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static Ipv4Spec spec() {
        return new Ipv4Spec().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).id(0x1234);
    }

    static void assertIpHeader(IpV4Packet ip, int src, int dst, int ttl, int id, boolean df, int tos) {
        IpV4Packet.IpV4Header h = ip.getHeader();
        assertThat(h.getSrcAddr()).isEqualTo(inet(src));
        assertThat(h.getDstAddr()).isEqualTo(inet(dst));
        assertThat(h.getTtlAsInt()).as("TTL").isEqualTo(ttl);
        assertThat(h.getIdentificationAsInt()).as("IP ID").isEqualTo(id);
        assertThat(h.getDontFragmentFlag()).as("DF").isEqualTo(df);
        assertThat(h.getTos().value() & 0xff).as("TOS").isEqualTo(tos);
        assertThat(h.hasValidChecksum(false)).as("IPv4 header checksum valid (pcap4j)").isTrue();
    }

    // ------------------------------------------------------------------ ARP

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "request,     1, ff:ff:ff:ff:ff:ff, 00:00:00:00:00:00, 10.244.2.3",
        "reply,       2, 02:42:0a:f4:02:03, 02:42:0a:f4:02:03, 10.244.2.3",
        "gratuitous,  1, ff:ff:ff:ff:ff:ff, 00:00:00:00:00:00, 10.244.1.2",
    })
    void arpFramesAre42BytesWithLinuxAddressing(String kind, int op, String ethDst, String tha, String tpa) {
        ByteBuf f = switch (kind) {
            case "request" -> frames.arpRequest(MAC_A, IP_A, IP_B);
            case "reply" -> frames.arpReply(MAC_A, IP_A, MAC_B, IP_B);
            default -> frames.gratuitousArp(MAC_A, IP_A);
        };
        assertThat(f.readableBytes()).as("frame length (no software padding)").isEqualTo(42);
        EthernetPacket e = decode(f);
        assertThat(e.getHeader().getDstAddr().toString()).isEqualTo(ethDst);
        assertThat(e.getHeader().getSrcAddr().toString()).isEqualTo(MacAddress.toString(MAC_A));
        ArpPacket.ArpHeader a = e.get(ArpPacket.class).getHeader();
        assertThat(a.getOperation().value() & 0xffff).isEqualTo(op);
        assertThat(a.getSrcHardwareAddr().toString()).isEqualTo(MacAddress.toString(MAC_A));
        assertThat(a.getSrcProtocolAddr()).isEqualTo(inet(IP_A));
        assertThat(a.getDstHardwareAddr().toString()).isEqualTo(tha);
        assertThat(a.getDstProtocolAddr()).isEqualTo(inet(Ipv4Address.parse(tpa)));
    }

    @Test
    void padToMinimumAddsZeroBytesUpTo60() {
        ByteBuf f = Frames.padToMinimum(frames.arpRequest(MAC_A, IP_A, IP_B));
        assertThat(f.readableBytes()).isEqualTo(60);
        for (int i = 42; i < 60; i++) {
            assertThat(f.getByte(f.readerIndex() + i)).as("pad byte %d", i).isZero();
        }
    }

    // ------------------------------------------------------------------ TCP

    @Test
    void linuxSynCarriesTwentyOptionBytesInTcpOptionsWriteOrder() {
        TcpSpec syn = new TcpSpec().ports(43512, 80).seq(0xdeadbeefL).flags(Tcp.SYN).window(64240)
                .mss(1460).sackPermitted(true).timestamps(0x01020304L, 0).windowScale(7);
        ByteBuf f = frames.tcp(spec(), syn, null);
        EthernetPacket e = decode(f);
        IpV4Packet ip = e.get(IpV4Packet.class);
        assertIpHeader(ip, IP_A, IP_B, 64, 0x1234, true, 0);
        TcpPacket tcp = e.get(TcpPacket.class);
        TcpPacket.TcpHeader h = tcp.getHeader();
        assertThat(h.getSrcPort().valueAsInt()).isEqualTo(43512);
        assertThat(h.getDstPort().valueAsInt()).isEqualTo(80);
        assertThat(h.getSequenceNumberAsLong()).isEqualTo(0xdeadbeefL);
        assertThat(h.getSyn()).isTrue();
        assertThat(h.getAck()).isFalse();
        assertThat(h.getWindowAsInt()).isEqualTo(64240);
        assertThat(h.getDataOffsetAsInt()).as("data offset (40-byte header)").isEqualTo(10);
        List<TcpPacket.TcpOption> o = h.getOptions();
        assertThat(o).hasSize(5);
        assertThat(o.get(0)).isInstanceOf(TcpMaximumSegmentSizeOption.class);
        assertThat(((TcpMaximumSegmentSizeOption) o.get(0)).getMaxSegSizeAsInt()).isEqualTo(1460);
        assertThat(o.get(1)).isInstanceOf(TcpSackPermittedOption.class);
        assertThat(o.get(2)).isInstanceOf(TcpTimestampsOption.class);
        assertThat(((TcpTimestampsOption) o.get(2)).getTsValueAsLong()).isEqualTo(0x01020304L);
        assertThat(((TcpTimestampsOption) o.get(2)).getTsEchoReplyAsLong()).isZero();
        assertThat(o.get(3)).isInstanceOf(TcpNoOperationOption.class);
        assertThat(o.get(4)).isInstanceOf(TcpWindowScaleOption.class);
        assertThat(((TcpWindowScaleOption) o.get(4)).getShiftCountAsInt()).isEqualTo(7);
        // The exact bytes Linux writes (tcp_options_write), e.g. a SYN from any 5.x/6.x host.
        byte[] raw = Hex.bytes(f);
        assertThat(Hex.of(java.util.Arrays.copyOfRange(raw, 54, 74)))
                .isEqualTo("020405b40402080a0102030400000000" + "01030307");
        assertThat(tcp.hasValidChecksum(inet(IP_A), inet(IP_B), false)).as("TCP checksum (pcap4j)").isTrue();
    }

    @Test
    void dataSegmentWithTimestampsAndSackBlocks() {
        TcpSpec s = new TcpSpec().ports(80, 43512).seq(1000).ack(2000).flags(Tcp.ACK | Tcp.PSH).window(502)
                .timestamps(77, 66).addSackBlock(3000, 4000).addSackBlock(5000, 6000);
        ByteBuf payload = Unpooled.wrappedBuffer("hello, world".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        EthernetPacket e = decode(frames.tcp(spec(), s, payload));
        TcpPacket tcp = e.get(TcpPacket.class);
        TcpPacket.TcpHeader h = tcp.getHeader();
        assertThat(h.getPsh()).isTrue();
        assertThat(h.getAck()).isTrue();
        assertThat(h.getAcknowledgmentNumberAsLong()).isEqualTo(2000);
        List<TcpPacket.TcpOption> o = h.getOptions();
        // NOP NOP TS, NOP NOP SACK(2 blocks): 12 + 20 = 32 option bytes
        assertThat(h.getDataOffsetAsInt()).isEqualTo(13);
        assertThat(o.get(2)).isInstanceOf(TcpTimestampsOption.class);
        TcpSackOption sack = (TcpSackOption) o.get(5);
        assertThat(sack.getLengthAsInt()).as("SACK option length, 2 blocks").isEqualTo(18);
        java.nio.ByteBuffer raw = java.nio.ByteBuffer.wrap(sack.getRawData());
        assertThat(raw.getInt(10) & 0xffffffffL).as("second block left edge").isEqualTo(5000);
        assertThat(raw.getInt(14) & 0xffffffffL).as("second block right edge").isEqualTo(6000);
        assertThat(new String(tcp.getPayload().getRawData(), java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("hello, world");
        assertThat(tcp.hasValidChecksum(inet(IP_A), inet(IP_B), false)).isTrue();
    }

    @Test
    void resetForSynToClosedPortIsSeqZeroAckPlusOneWindowZero() {
        TcpSpec syn = new TcpSpec().ports(43512, 8080).seq(0x7fffffffL).flags(Tcp.SYN).window(64240)
                .mss(1460).sackPermitted(true).timestamps(1, 0).windowScale(7);
        ByteBuf synFrame = frames.tcp(new Ipv4Spec().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).id(4321).tos(0x12),
                syn, null);
        ByteBuf rst = frames.tcpResetFor(synFrame, synFrame.readerIndex() + Ethernet.HEADER_LENGTH, MAC_B, MAC_A);
        EthernetPacket e = decode(rst);
        assertThat(e.getHeader().getDstAddr().toString()).isEqualTo(MacAddress.toString(MAC_A));
        IpV4Packet ip = e.get(IpV4Packet.class);
        // ip_send_unicast_reply on the PMTUDISC_DO control socket: DF, ID 0, TTL 64, TOS reflected minus ECN
        assertIpHeader(ip, IP_B, IP_A, 64, 0, true, 0x10);
        TcpPacket.TcpHeader h = e.get(TcpPacket.class).getHeader();
        assertThat(h.getSrcPort().valueAsInt()).isEqualTo(8080);
        assertThat(h.getDstPort().valueAsInt()).isEqualTo(43512);
        assertThat(h.getSequenceNumberAsLong()).isZero();
        assertThat(h.getAcknowledgmentNumberAsLong()).isEqualTo(0x80000000L);
        assertThat(h.getRst()).isTrue();
        assertThat(h.getAck()).isTrue();
        assertThat(h.getSyn()).isFalse();
        assertThat(h.getWindowAsInt()).isZero();
        assertThat(h.getOptions()).isEmpty();
        assertThat(e.get(TcpPacket.class).hasValidChecksum(inet(IP_B), inet(IP_A), false)).isTrue();
    }

    @Test
    void resetForAckedSegmentTakesSeqFromTheirAckAndHasNoAck() {
        TcpSpec s = new TcpSpec().ports(43512, 8080).seq(5).ack(0xfffffff0L).flags(Tcp.ACK).window(100);
        ByteBuf in = frames.tcp(spec(), s, Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
        TcpPacket.TcpHeader h = decode(frames.tcpResetFor(in, in.readerIndex() + 14, MAC_B, MAC_A))
                .get(TcpPacket.class).getHeader();
        assertThat(h.getSequenceNumberAsLong()).isEqualTo(0xfffffff0L);
        assertThat(h.getRst()).isTrue();
        assertThat(h.getAck()).isFalse();
    }

    @Test
    void noResetIsSentForAReset() {
        ByteBuf in = frames.tcp(spec(), new TcpSpec().ports(1, 2).flags(Tcp.RST), null);
        assertThat(frames.tcpResetFor(in, in.readerIndex() + 14, MAC_B, MAC_A)).isNull();
    }

    // ------------------------------------------------------------------ UDP

    @Test
    void udpDatagramFieldsAndChecksum() {
        ByteBuf payload = Unpooled.wrappedBuffer(new byte[] {0x12, 0x34, 0x56});
        EthernetPacket e = decode(frames.udp(spec().df(true), 40000, 53, payload));
        UdpPacket udp = e.get(UdpPacket.class);
        assertThat(udp.getHeader().getSrcPort().valueAsInt()).isEqualTo(40000);
        assertThat(udp.getHeader().getDstPort().valueAsInt()).isEqualTo(53);
        assertThat(udp.getHeader().getLengthAsInt()).isEqualTo(11);
        assertThat(udp.hasValidChecksum(inet(IP_A), inet(IP_B), false)).isTrue();
    }

    @Test
    void computedUdpChecksumOfZeroIsSentAsFfff() {
        // With a zero payload word the checksum is c = ~S; a payload word equal to c makes the
        // one's-complement sum 0xffff, i.e. a computed checksum of 0 (RFC 768: send 0xffff).
        ByteBuf probe = frames.udp(spec(), 1000, 2000, Unpooled.wrappedBuffer(new byte[2]));
        int c = new Udp().wrap(probe, probe.readerIndex() + 34).checksum();
        ByteBuf f = frames.udp(spec(), 1000, 2000, Unpooled.wrappedBuffer(new byte[] {(byte) (c >> 8), (byte) c}));
        Udp u = new Udp().wrap(f, f.readerIndex() + 34);
        assertThat(u.checksum()).as("checksum field").isEqualTo(0xffff);
        assertThat(decode(f).get(UdpPacket.class).hasValidChecksum(inet(IP_A), inet(IP_B), false)).isTrue();
    }

    @Test
    void zeroUdpChecksumMeansNoneAndIsAccepted() {
        ByteBuf f = frames.udp(spec(), 1000, 2000, Unpooled.wrappedBuffer(new byte[] {9, 9, 9}));
        Udp u = new Udp().wrap(f, f.readerIndex() + 34);
        u.checksum(0);
        assertThat(u.verifyChecksum(IP_A, IP_B, 11)).isTrue();
        u.checksum(0x1111);
        assertThat(u.verifyChecksum(IP_A, IP_B, 11)).isFalse();
    }

    // ------------------------------------------------------------------ ICMP

    @Test
    void pingIsIputilsDefault64ByteEchoRequest() {
        long t = 1_700_000_000_123_456_789L;
        EthernetPacket e = decode(frames.ping(spec().df(true), 0x1c2b, 1, t));
        IpV4Packet ip = e.get(IpV4Packet.class);
        assertThat(ip.getHeader().getTotalLengthAsInt()).isEqualTo(84);
        IcmpV4CommonPacket icmp = e.get(IcmpV4CommonPacket.class);
        assertThat(icmp.hasValidChecksum(false)).as("ICMP checksum (pcap4j)").isTrue();
        IcmpV4EchoPacket.IcmpV4EchoHeader h = e.get(IcmpV4EchoPacket.class).getHeader();
        assertThat(h.getIdentifierAsInt()).isEqualTo(0x1c2b);
        assertThat(h.getSequenceNumberAsInt()).isEqualTo(1);
        byte[] data = e.get(IcmpV4EchoPacket.class).getPayload().getRawData();
        assertThat(data).hasSize(56);
        java.nio.ByteBuffer tv = java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(tv.getLong(0)).as("tv_sec").isEqualTo(1_700_000_000L);
        assertThat(tv.getLong(8)).as("tv_usec").isEqualTo(123_456L);
        for (int i = 16; i < 56; i++) {
            assertThat(data[i] & 0xff).as("pattern byte %d", i).isEqualTo(i);
        }
    }

    @Test
    void echoReplyHasNoDfAndCopiesIdSequenceData() {
        ByteBuf rq = frames.ping(spec().tos(0x28), 7, 9, 0);
        ByteBuf rp = frames.icmpEchoReplyTo(rq, rq.readerIndex() + 14, MAC_B, MAC_A, 0x5555);
        EthernetPacket e = decode(rp);
        assertIpHeader(e.get(IpV4Packet.class), IP_B, IP_A, 64, 0x5555, false, 0x28);
        assertThat(e.get(IcmpV4EchoReplyPacket.class).getHeader().getIdentifierAsInt()).isEqualTo(7);
        assertThat(e.get(IcmpV4EchoReplyPacket.class).getHeader().getSequenceNumberAsInt()).isEqualTo(9);
        assertThat(e.get(IcmpV4CommonPacket.class).hasValidChecksum(false)).isTrue();
        assertThat(Hex.of(rp.slice(rp.readerIndex() + 42, 56))).isEqualTo(Hex.of(rq.slice(rq.readerIndex() + 42, 56)));
    }

    @ParameterizedTest(name = "type {0} code {1} info {2}: {3}")
    @CsvSource({
        "3,  0, 0,    net unreachable",
        "3,  1, 0,    host unreachable",
        "3,  3, 0,    port unreachable",
        "3,  4, 1400, fragmentation needed with next-hop MTU",
        "3, 13, 0,    communication administratively prohibited",
        "11, 0, 0,    TTL exceeded in transit",
    })
    void icmpErrorQuotesOffendingDatagramAsIcmpSend(int type, int code, int info, String what) {
        ByteBuf offending = frames.udp(new Ipv4Spec().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).tos(0xb9).id(77),
                5000, 9999, Unpooled.wrappedBuffer(new byte[100]));
        int ipOff = offending.readerIndex() + 14;
        int offendingLength = 128;
        int router = Ipv4Address.parse("10.244.2.1");
        ByteBuf err = frames.icmpError(MAC_B, MAC_A, router, 0x4242, type, code, info, offending, ipOff,
                offendingLength, 1500);
        EthernetPacket e = decode(err);
        IpV4Packet ip = e.get(IpV4Packet.class);
        // TOS: (0xb9 & IPTOS_TOS_MASK) | IPTOS_PREC_INTERNETCONTROL = 0x18 | 0xc0; DF clear (PMTUDISC_DONT)
        assertIpHeader(ip, router, IP_A, 64, 0x4242, false, 0xd8);
        assertThat(ip.getHeader().getTotalLengthAsInt()).isEqualTo(20 + 8 + 128);
        IcmpV4CommonPacket icmp = e.get(IcmpV4CommonPacket.class);
        assertThat(icmp.getHeader().getType().value() & 0xff).isEqualTo(type);
        assertThat(icmp.getHeader().getCode().value() & 0xff).isEqualTo(code);
        assertThat(icmp.hasValidChecksum(false)).as("ICMP checksum (pcap4j)").isTrue();
        byte[] raw = Hex.bytes(err);
        int restOfHeader = ((raw[38] & 0xff) << 24) | ((raw[39] & 0xff) << 16) | ((raw[40] & 0xff) << 8) | (raw[41] & 0xff);
        assertThat(restOfHeader).as("ICMP bytes 4..7").isEqualTo(info);
        if (type == 3) {
            assertThat(e.get(IcmpV4DestinationUnreachablePacket.class).getHeader().getUnused()).isEqualTo(info);
        }
        assertThat(Hex.of(java.util.Arrays.copyOfRange(raw, 42, 42 + 128)))
                .as("quoted datagram").isEqualTo(Hex.of(offending.slice(ipOff, 128)));
    }

    @ParameterizedTest(name = "offending {0} bytes, route MTU {1}: quotes {2}")
    @CsvSource({
        "1000, 1500, 548", // 576 - 20 - 8
        "500,  1500, 500",
        "1000, 300,  272", // room from a small route MTU
        "1000, 48,   -1", // room 20 <= sizeof(iphdr): Linux sends nothing
    })
    void icmpErrorRespects576ByteRoom(int offendingLength, int mtu, int quoted) {
        assertThat(Icmp4.quotedLength(offendingLength, mtu)).isEqualTo(quoted);
        ByteBuf offending = frames.udp(spec(), 1, 2, Unpooled.wrappedBuffer(new byte[1200]));
        ByteBuf err = frames.icmpError(MAC_B, MAC_A, IP_B, 1, Icmp4.DEST_UNREACH, Icmp4.PORT_UNREACH, 0,
                offending, offending.readerIndex() + 14, offendingLength, mtu);
        if (quoted < 0) {
            assertThat(err).isNull();
        } else {
            assertThat(err.readableBytes()).isEqualTo(14 + 28 + quoted);
            assertThat(decode(err).get(IcmpV4CommonPacket.class).hasValidChecksum(false)).isTrue();
        }
    }

    // ------------------------------------------------------------------ SCTP

    @Test
    void sctpInitInitAckAbortHaveValidCrc32c() {
        ByteBuf init = frames.sctpInit(spec(), 5000, 38412, 0x11223344, 106496, 10, 65535, 0x55667788L, null);
        EthernetPacket e = decode(init);
        SctpPacket sctp = e.get(SctpPacket.class);
        assertThat(sctp.hasValidChecksum()).as("CRC32c (pcap4j)").isTrue();
        assertThat(sctp.getHeader().getVerificationTag()).isZero();
        assertThat(sctp.getHeader().getSrcPort().valueAsInt()).isEqualTo(5000);
        assertThat(sctp.getHeader().getChunks()).hasSize(1);
        assertThat(sctp.getHeader().getChunks().get(0).getType().value()).isEqualTo((byte) SctpChunk.INIT);
        SctpInit view = new SctpInit().wrap(init, init.readerIndex() + 34 + 12);
        assertThat(view.initiateTag()).isEqualTo(0x11223344);
        assertThat(view.aRwnd()).isEqualTo(106496);
        assertThat(view.outboundStreams()).isEqualTo(10);
        assertThat(view.inboundStreams()).isEqualTo(65535);
        assertThat(view.initialTsn()).isEqualTo(0x55667788L);

        ByteBuf cookie = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5});
        ByteBuf ack = frames.sctpInitAck(spec(), 38412, 5000, 0x11223344, 0x0a0b0c0d, 106496, 10, 10, 1, cookie, null);
        SctpPacket ackPkt = decode(ack).get(SctpPacket.class);
        assertThat(ackPkt.hasValidChecksum()).isTrue();
        assertThat(ackPkt.getHeader().getVerificationTag()).as("vtag = peer's initiate tag").isEqualTo(0x11223344);
        SctpInit ackView = new SctpInit().wrap(ack, ack.readerIndex() + 46);
        int cookieParam = ackView.findParameter(SctpInit.PARAM_STATE_COOKIE);
        assertThat(cookieParam).isPositive();
        assertThat(ackView.parameterLength(cookieParam)).isEqualTo(9);
        assertThat(ackView.chunkLength()).as("chunk length with padded cookie").isEqualTo(20 + 12);

        ByteBuf abort = frames.sctpAbort(spec(), 38412, 5000, 0x11223344, true);
        SctpPacket abortPkt = decode(abort).get(SctpPacket.class);
        assertThat(abortPkt.hasValidChecksum()).isTrue();
        assertThat(abortPkt.getHeader().getChunks().get(0).getType().value()).isEqualTo((byte) SctpChunk.ABORT);
        assertThat(new SctpAbort().wrap(abort, abort.readerIndex() + 46).tBit()).isTrue();
        assertThat(new Sctp().wrap(abort, abort.readerIndex() + 34).verifyChecksum(16, new CRC32C())).isTrue();
    }

    // ------------------------------------------------------------------ encapsulation

    @Test
    void vxlanEncapsulationPushesHeadersIntoHeadroomWithoutCopy() {
        TcpSpec s = new TcpSpec().ports(43512, 80).seq(1).ack(2).flags(Tcp.ACK).window(100).timestamps(5, 6);
        ByteBuf inner = frames.tcp(new Ipv4Spec().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).tos(0x03).id(9), s, null);
        byte[] innerBytes = Hex.bytes(inner);
        int innerStart = inner.readerIndex();
        int node1 = Ipv4Address.parse("192.168.56.11");
        int node2 = Ipv4Address.parse("192.168.56.12");
        int hash = UdpTunnel.flowHash(IP_A, IP_B, IpProtocol.TCP, 43512, 80, 42);
        int sport = UdpTunnel.sourcePort(hash, 0, 0);
        ByteBuf outer = frames.vxlanEncap(inner, new VxlanSpec().macs(0x0000_5e00_5301L, 0x0000_5e00_5302L)
                .addresses(node1, node2).id(0x3333).srcPort(sport).vni(1));
        assertThat(outer).isSameAs(inner);
        assertThat(outer.readerIndex()).isEqualTo(innerStart - 50);
        EthernetPacket e = decode(outer);
        IpV4Packet ip = e.get(IpV4Packet.class);
        // DF clear (VXLAN_DF_UNSET), TTL 64, TOS: inner CE (0x03) becomes ECT(0) outside
        assertIpHeader(ip, node1, node2, 64, 0x3333, false, 0x02);
        UdpPacket udp = e.get(UdpPacket.class);
        assertThat(udp.getHeader().getDstPort().valueAsInt()).isEqualTo(8472);
        assertThat(udp.getHeader().getSrcPort().valueAsInt()).isEqualTo(sport).isBetween(32768, 60998);
        assertThat(udp.hasValidChecksum(inet(node1), inet(node2), false)).as("outer UDP checksum").isTrue();
        byte[] vx = udp.getPayload().getRawData();
        assertThat(Hex.of(java.util.Arrays.copyOf(vx, 8))).as("VXLAN header").isEqualTo("0800000000000100");
        byte[] innerOut = java.util.Arrays.copyOfRange(vx, 8, vx.length);
        assertThat(Hex.of(innerOut)).as("inner frame untouched").isEqualTo(Hex.of(innerBytes));
        EthernetPacket in;
        try {
            in = EthernetPacket.newPacket(innerOut, 0, innerOut.length);
        } catch (IllegalRawDataException ex) {
            throw new AssertionError(ex);
        }
        TcpPacket tcp = in.get(TcpPacket.class);
        assertThat(tcp.getHeader().getDstPort().valueAsInt()).isEqualTo(80);
        assertThat(tcp.hasValidChecksum(inet(IP_A), inet(IP_B), false)).isTrue();
    }

    @Test
    void vxlanWithoutUdpChecksumSendsZero() {
        ByteBuf inner = frames.arpRequest(MAC_A, IP_A, IP_B);
        ByteBuf outer = frames.vxlanEncap(inner, new VxlanSpec().addresses(1, 2).dstPort(Vxlan.PORT_IANA)
                .vni(0xabcdef).udpChecksum(false));
        UdpPacket udp = decode(outer).get(UdpPacket.class);
        assertThat(udp.getHeader().getChecksum()).isZero();
        assertThat(udp.getHeader().getDstPort().valueAsInt()).isEqualTo(4789);
        assertThat(new Vxlan().wrap(outer, outer.readerIndex() + 42).vni()).isEqualTo(0xabcdef);
    }

    @ParameterizedTest(name = "tunnel ttl {0}, pmtudisc {1}, inner DF {2}: outer ttl {3}, DF {4}")
    @CsvSource({
        "0,  false, true,  61, true",  // tunl0 (Calico): inherit TTL, DF copied from inner
        "0,  false, false, 61, false",
        "0,  true,  false, 61, true",  // ip link add type ipip: pmtudisc sets DF
        "64, false, false, 64, false",
    })
    void ipipOuterHeaderFollowsIpTunnelXmit(int ttl, boolean pmtudisc, boolean innerDf, int outerTtl, boolean outerDf) {
        ByteBuf f = frames.udp(spec().ttl(61).df(innerDf).tos(0x01), 1, 2, Unpooled.wrappedBuffer(new byte[4]));
        f.skipBytes(Ethernet.HEADER_LENGTH);
        int innerLen = f.readableBytes();
        ByteBuf out = frames.ipipEncap(f, new IpipSpec().macs(MAC_A, MAC_B).addresses(0x01020304, 0x05060708)
                .ttl(ttl).pmtudisc(pmtudisc).id(0x77));
        EthernetPacket e = decode(out);
        IpV4Packet outer = e.get(IpV4Packet.class);
        assertIpHeader(outer, 0x01020304, 0x05060708, outerTtl, 0x77, outerDf, 0x01);
        assertThat(outer.getHeader().getProtocol().value()).isEqualTo((byte) 4);
        assertThat(outer.getHeader().getTotalLengthAsInt()).isEqualTo(20 + innerLen);
        // pcap4j does not decode protocol 4 payloads itself: decode the inner bytes separately.
        byte[] innerBytes = outer.getPayload().getRawData();
        IpV4Packet inner;
        try {
            inner = IpV4Packet.newPacket(innerBytes, 0, innerBytes.length);
        } catch (IllegalRawDataException ex) {
            throw new AssertionError(ex);
        }
        assertThat(inner.getHeader().getSrcAddr()).isEqualTo(inet(IP_A));
        assertThat(inner.getHeader().hasValidChecksum(false)).isTrue();
    }
}
