package dev.podlab.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Round trips through every view: each field set through the view reads back, lands at the
 * offset the RFC figure gives (checked against hand-placed bytes), and leaves its neighbours
 * alone. Views work at any offset, so each test wraps at a non-zero one.
 */
class HeaderViewsTest {
    static final int AT = 7;

    static ByteBuf buf(int size) {
        return Unpooled.buffer(AT + size).writeZero(AT + size);
    }

    static String hex(ByteBuf b, int len) {
        return Hex.of(b.slice(AT, len));
    }

    @Test
    void ethernetFieldsRoundTripAtRfcOffsets() {
        ByteBuf b = buf(14);
        Ethernet e = new Ethernet().wrap(b, AT).dst(0x0102_0304_0506L).src(0xa1a2_a3a4_a5a6L).etherType(0x0800);
        assertThat(hex(b, 14)).isEqualTo("010203040506a1a2a3a4a5a60800");
        assertThat(e.dst()).isEqualTo(0x0102_0304_0506L);
        assertThat(e.src()).isEqualTo(0xa1a2_a3a4_a5a6L);
        assertThat(e.dstByte(5)).isEqualTo(6);
        assertThat(e.srcByte(0)).isEqualTo(0xa1);
        assertThat(e.etherType()).isEqualTo(EtherType.IPV4);
        assertThat(Ethernet.fits(13)).isFalse();
        assertThat(Ethernet.fits(14)).isTrue();
    }

    @Test
    void vlanTagFields() {
        ByteBuf b = buf(6);
        Vlan v = new Vlan().wrap(b, AT).tpid(EtherType.VLAN).tci(0xa00a).nextType(EtherType.ARP);
        assertThat(hex(b, 6)).isEqualTo("8100a00a0806");
        assertThat(v.pcp()).isEqualTo(5);
        assertThat(v.dei()).isFalse();
        assertThat(v.vid()).isEqualTo(10);
        assertThat(Vlan.isTpid(0x88a8)).isTrue();
    }

    @Test
    void arpFieldsRoundTrip() {
        ByteBuf b = buf(28);
        Arp a = new Arp().wrap(b, AT).hardwareType(1).protocolType(0x0800).hardwareLength(6).protocolLength(4)
                .op(Arp.OP_REPLY).sha(0x0a0b0c0d0e0fL).spa(0x0a000001).tha(0x111213141516L).tpa(0x0a000002);
        assertThat(hex(b, 28)).isEqualTo("0001080006040002" + "0a0b0c0d0e0f0a000001" + "1112131415160a000002");
        assertThat(a.isEthernetIpv4()).isTrue();
        assertThat(a.headerLength()).isEqualTo(28);
        assertThat(a.fits(27)).isFalse();
        assertThat(a.isGratuitous()).isFalse();
        a.tpa(a.spa());
        assertThat(a.isGratuitous()).isTrue();
    }

    @Test
    void ipv4FieldsRoundTripAndChecksum() {
        ByteBuf b = buf(24);
        Ipv4 ip = new Ipv4().wrap(b, AT).versionIhl(4, 6).tos(0xb9).totalLength(0x1234).id(0xbeef)
                .flagsFragment(Ipv4.FLAG_DF | Ipv4.FLAG_MF | 0x0123).ttl(63).protocol(IpProtocol.UDP)
                .src(Ipv4Address.parse("192.168.1.2")).dst(Ipv4Address.parse("10.0.0.1"));
        assertThat(ip.version()).isEqualTo(4);
        assertThat(ip.ihl()).isEqualTo(6);
        assertThat(ip.headerLength()).isEqualTo(24);
        assertThat(ip.hasOptions()).isTrue();
        assertThat(ip.dscp()).isEqualTo(0xb9 >> 2);
        assertThat(ip.ecn()).isEqualTo(1);
        assertThat(ip.dontFragment()).isTrue();
        assertThat(ip.moreFragments()).isTrue();
        assertThat(ip.reservedFlag()).isFalse();
        assertThat(ip.fragmentOffset()).isEqualTo(0x0123 * 8);
        assertThat(ip.isFragment()).isTrue();
        assertThat(ip.ttl()).isEqualTo(63);
        assertThat(ip.protocol()).isEqualTo(17);
        assertThat(Ipv4Address.toString(ip.src())).isEqualTo("192.168.1.2");
        assertThat(ip.payloadOffset()).isEqualTo(AT + 24);
        assertThat(ip.fits(23)).isFalse();
        assertThat(ip.fits(24)).isTrue();
        ip.updateChecksum();
        assertThat(ip.verifyChecksum()).isTrue();
        assertThat(ip.checksum()).isEqualTo(referenceChecksum(b, AT, 24, 10));
    }

    @Test
    void ipv4ChecksumOfTheRfc791ExampleHeader() {
        // A well-known header: 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7 (checksum b861).
        ByteBuf b = Unpooled.wrappedBuffer(Hex.parse("450000730000400040110000c0a80001c0a800c7"));
        Ipv4 ip = new Ipv4().wrap(b, 0);
        assertThat(ip.computeChecksum()).isEqualTo(0xb861);
    }

    @ParameterizedTest(name = "TTL decrement from {0}")
    @CsvSource({"64", "1", "255", "128"})
    void ttlDecrementPatchesChecksumLikeAFullRecompute(int ttl) {
        ByteBuf b = Unpooled.wrappedBuffer(Hex.parse("450000730000400040110000c0a80001c0a800c7"));
        Ipv4 ip = new Ipv4().wrap(b, 0).ttl(ttl).updateChecksum();
        ip.decrementTtl();
        assertThat(ip.ttl()).isEqualTo(ttl - 1);
        assertThat(ip.checksum()).as("incremental vs full").isEqualTo(ip.computeChecksum());
    }

    @Test
    void natRewritePatchesIpChecksumIncrementally() {
        ByteBuf b = Unpooled.wrappedBuffer(Hex.parse("450000730000400040110000c0a80001c0a800c7"));
        Ipv4 ip = new Ipv4().wrap(b, 0).updateChecksum();
        ip.rewriteSrc(Ipv4Address.parse("10.244.1.7")).rewriteDst(Ipv4Address.parse("172.16.0.1"));
        assertThat(ip.checksum()).isEqualTo(ip.computeChecksum());
        assertThat(ip.verifyChecksum()).isTrue();
    }

    @Test
    void icmpFieldsRoundTrip() {
        ByteBuf b = buf(8);
        Icmp4 i = new Icmp4().wrap(b, AT).type(Icmp4.DEST_UNREACH).code(Icmp4.FRAG_NEEDED).rest(0).nextHopMtu(1450);
        assertThat(hex(b, 8)).isEqualTo("0304000000000" + "5aa");
        i.type(Icmp4.ECHO).code(0).id(0x1234).sequence(0x5678);
        assertThat(hex(b, 8)).isEqualTo("0800000012345678");
        i.updateChecksum(8);
        assertThat(i.verifyChecksum(8)).isTrue();
        assertThat(Icmp4.isError(Icmp4.TIME_EXCEEDED)).isTrue();
        assertThat(Icmp4.isError(Icmp4.ECHO_REPLY)).isFalse();
        assertThat(Icmp4.errorTos(0xff)).isEqualTo(0xde);
    }

    @Test
    void tcpFieldsAndAllNineFlags() {
        ByteBuf b = buf(20);
        Tcp t = new Tcp().wrap(b, AT).srcPort(0xabcd).dstPort(443).seq(0xfedcba98L).ack(0x01234567L).dataOffset(5)
                .flags(Tcp.FIN | Tcp.SYN | Tcp.RST | Tcp.PSH | Tcp.ACK | Tcp.URG | Tcp.ECE | Tcp.CWR | Tcp.AE)
                .window(0xffff).urgentPointer(0x0102);
        assertThat(hex(b, 20)).isEqualTo("abcd01bbfedcba98012345675" + "1ffffff00000102");
        assertThat(t.seq()).isEqualTo(0xfedcba98L);
        assertThat(t.flags()).isEqualTo(0x1ff);
        assertThat(t.fin() && t.syn() && t.rst() && t.psh() && t.ackFlag() && t.urg() && t.ece() && t.cwr() && t.ae())
                .isTrue();
        t.flags(Tcp.SYN);
        assertThat(t.ae()).isFalse();
        assertThat(t.dataOffset()).as("data offset survives flag changes").isEqualTo(5);
        assertThat(t.reserved()).isZero();
        assertThat(t.fits(19)).isFalse();
    }

    @Test
    void tcpOptionCursorWalksEveryKind() {
        // MSS 1460, NOP, WS 7, SACK_PERM, TS 1/2, NOP NOP SACK 1 block, EOL + pad
        byte[] o = Hex.parse("020405b4" + "01030307" + "0402" + "080a0000000100000002" + "0101050a0000000a00000014"
                + "00000000");
        ByteBuf b = buf(20 + o.length);
        b.setBytes(AT + 20, o);
        Tcp t = new Tcp().wrap(b, AT).dataOffset((20 + o.length) / 4);
        Tcp.Options c = new Tcp.Options().wrap(t, 20 + o.length);
        StringBuilder seen = new StringBuilder();
        while (c.next()) {
            seen.append(c.kind()).append(':');
            switch (c.kind()) {
                case Tcp.OPT_MSS -> assertThat(c.mss()).isEqualTo(1460);
                case Tcp.OPT_WINDOW -> assertThat(c.windowScale()).isEqualTo(7);
                case Tcp.OPT_TIMESTAMP -> {
                    assertThat(c.tsVal()).isEqualTo(1);
                    assertThat(c.tsEcr()).isEqualTo(2);
                }
                case Tcp.OPT_SACK -> {
                    assertThat(c.sackBlocks()).isEqualTo(1);
                    assertThat(c.sackLeft(0)).isEqualTo(10);
                    assertThat(c.sackRight(0)).isEqualTo(20);
                }
                default -> { }
            }
            assertThat(c.hasExpectedLength()).isTrue();
        }
        assertThat(seen.toString()).isEqualTo("2:1:3:4:8:1:1:5:0:");
        assertThat(c.malformed()).isFalse();
        assertThat(t.findOption(Tcp.OPT_TIMESTAMP)).isEqualTo(AT + 20 + 10);
        assertThat(t.findOption(42)).isEqualTo(-1);
    }

    @Test
    void tcpOptionCursorStopsAtBadLengthAndAtCaptureEnd() {
        ByteBuf b = buf(36);
        b.setBytes(AT + 20, Hex.parse("02010000" + "01010101"));
        Tcp t = new Tcp().wrap(b, AT).dataOffset(7);
        Tcp.Options c = new Tcp.Options().wrap(t, 28);
        assertThat(c.next()).isFalse();
        assertThat(c.malformed()).as("length byte 1").isTrue();
        b.setBytes(AT + 20, Hex.parse("020405b4" + "080a0000"));
        c.wrap(t, 28);
        assertThat(c.next()).isTrue();
        assertThat(c.next()).as("timestamp option longer than the header").isFalse();
        assertThat(c.malformed()).isTrue();
        t.dataOffset(9);
        c.wrap(t, 30);
        assertThat(c.next()).isTrue();
        assertThat(c.next()).as("timestamp option cut by the capture").isFalse();
        assertThat(c.truncated()).isTrue();
    }

    @Test
    void udpFieldsRoundTrip() {
        ByteBuf b = buf(8);
        Udp u = new Udp().wrap(b, AT).srcPort(53).dstPort(0xc000).length(8).checksum(0xffff);
        assertThat(hex(b, 8)).isEqualTo("0035c0000008ffff");
        assertThat(u.length()).isEqualTo(8);
        assertThat(u.payloadOffset()).isEqualTo(AT + 8);
    }

    @Test
    void sctpCommonHeaderStoresCrc32cLittleEndian() {
        // RFC 9260 B: the CRC32c is stored so that its least significant byte comes first.
        ByteBuf b = buf(16);
        Sctp s = new Sctp().wrap(b, AT).srcPort(1).dstPort(2).verificationTag(0x01020304);
        new SctpChunk().wrap(b, AT + 12).type(SctpChunk.ABORT).flags(SctpChunk.FLAG_T).length(4);
        CRC32C crc = new CRC32C();
        s.updateChecksum(16, crc);
        CRC32C ref = new CRC32C();
        byte[] bytes = Hex.bytes(b.slice(AT, 16));
        bytes[8] = bytes[9] = bytes[10] = bytes[11] = 0;
        ref.update(bytes);
        long v = ref.getValue();
        assertThat(hex(b, 16).substring(16, 24)).isEqualTo(String.format("%02x%02x%02x%02x",
                v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff));
        assertThat(s.verifyChecksum(16, crc)).isTrue();
        SctpChunk c = new SctpChunk().wrap(b, AT + 12);
        assertThat(c.tBit()).isTrue();
        assertThat(c.paddedLength()).isEqualTo(4);
    }

    @Test
    void sctpInitFieldsRoundTrip() {
        ByteBuf b = buf(28);
        b.setByte(AT, SctpChunk.INIT);
        b.setShort(AT + 2, 28);
        SctpInit i = new SctpInit().wrap(b, AT).initiateTag(0x0a0b0c0d).aRwnd(0xfffffffeL).outboundStreams(10)
                .inboundStreams(2048).initialTsn(0x80000000L);
        b.setShort(AT + 20, SctpInit.PARAM_SUPPORTED_ADDRESS_TYPES);
        b.setShort(AT + 22, 6);
        b.setShort(AT + 24, 5);
        assertThat(i.aRwnd()).isEqualTo(0xfffffffeL);
        assertThat(i.initialTsn()).isEqualTo(0x80000000L);
        assertThat(i.inboundStreams()).isEqualTo(2048);
        assertThat(i.findParameter(SctpInit.PARAM_SUPPORTED_ADDRESS_TYPES)).isEqualTo(AT + 20);
        assertThat(i.nextParameterOffset(AT + 20)).isEqualTo(AT + 28);
    }

    @Test
    void vxlanFieldsRoundTrip() {
        ByteBuf b = buf(8);
        Vxlan v = new Vxlan().wrap(b, AT).flags(Vxlan.FLAG_I).vni(0xabcdef);
        assertThat(hex(b, 8)).isEqualTo("0800000000abcdef".substring(0, 8) + "abcdef00");
        assertThat(v.iFlag()).isTrue();
        assertThat(v.reservedBitsClear()).isTrue();
        v.reserved2(1);
        assertThat(v.reservedBitsClear()).isFalse();
        assertThat(v.vni()).isEqualTo(0xabcdef);
    }

    @Test
    void checksumsMatchRfc1071WorkedExample() {
        // RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2; checksum is its complement.
        ByteBuf b = Unpooled.wrappedBuffer(Hex.parse("0001f203f4f5f6f7"));
        assertThat(Checksums.internetChecksum(b, 0, 8)).isEqualTo(~0xddf2 & 0xffff);
        assertThat(Checksums.internetChecksum(b, 0, 7)).as("odd length pads a zero byte")
                .isEqualTo(referenceChecksum(b, 0, 7, -1));
    }

    @Test
    void checksumIsTheSameOverHeapDirectAndCompositeBuffersAtAnyOffsetAndLength() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        byte[] data = new byte[300];
        for (int j = 0; j < data.length; j++) {
            data[j] = (byte) r.nextInt(256);
        }
        ByteBuf heap = Unpooled.wrappedBuffer(data);
        ByteBuf direct = Unpooled.directBuffer(300).writeBytes(data);
        ByteBuf composite = Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(data, 0, 100),
                Unpooled.wrappedBuffer(data, 100, 200));
        for (int off = 0; off < 20; off++) {
            for (int len = 0; len < 280; len += 7) {
                int want = referenceChecksum(heap, off, len, -1);
                assertThat(Checksums.internetChecksum(heap, off, len)).as("heap %d+%d", off, len).isEqualTo(want);
                assertThat(Checksums.internetChecksum(direct, off, len)).as("direct %d+%d", off, len).isEqualTo(want);
                assertThat(Checksums.internetChecksum(composite, off, len)).as("composite %d+%d", off, len)
                        .isEqualTo(want);
            }
        }
        assertThatThrownBy(() -> Checksums.sum(direct, 290, 20)).isInstanceOf(IndexOutOfBoundsException.class);
        direct.release();
    }

    @Test
    void incrementalUpdateEqualsRecomputation() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < 1000; i++) {
            byte[] data = new byte[40];
            for (int j = 0; j < data.length; j++) {
                data[j] = (byte) r.nextInt(256);
            }
            ByteBuf b = Unpooled.wrappedBuffer(data);
            int before = Checksums.internetChecksum(b, 0, 40);
            int old = b.getInt(12);
            int now = r.nextInt();
            b.setInt(12, now);
            assertThat(Checksums.update32(before, old, now)).isEqualTo(Checksums.internetChecksum(b, 0, 40));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"0.0.0.0, 0", "255.255.255.255, -1", "10.244.1.2, 183763202", "192.168.0.1, -1062731775"})
    void ipv4AddressParseAndFormat(String text, int value) {
        assertThat(Ipv4Address.parse(text)).isEqualTo(value);
        assertThat(Ipv4Address.toString(value)).isEqualTo(text);
    }

    @ParameterizedTest(name = "\"{0}\" is rejected")
    @CsvSource({"1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "'1.2.3.4 '", "''"})
    void ipv4AddressRejectsMalformedText(String text) {
        assertThatThrownBy(() -> Ipv4Address.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text);
    }

    @Test
    void macAddressParseAndFormat() {
        assertThat(MacAddress.toString(MacAddress.parse("02:42:AC:11:00:02"))).isEqualTo("02:42:ac:11:00:02");
        assertThat(MacAddress.isMulticast(MacAddress.BROADCAST)).isTrue();
        assertThat(MacAddress.isMulticast(MacAddress.parse("02:42:ac:11:00:02"))).isFalse();
    }

    @Test
    void udpTunnelSourcePortStaysInRangeAndIsStablePerFlow() {
        for (int i = 0; i < 10_000; i++) {
            int h = UdpTunnel.flowHash(i, ~i, 6, i & 0xffff, 80, 1);
            int p = UdpTunnel.sourcePort(h, 0, 0);
            assertThat(p).isBetween(UdpTunnel.EPHEMERAL_LOW, UdpTunnel.EPHEMERAL_HIGH - 1);
            assertThat(UdpTunnel.sourcePort(UdpTunnel.flowHash(i, ~i, 6, i & 0xffff, 80, 1), 0, 0)).isEqualTo(p);
        }
        // the kernel's arithmetic: hash ^= hash << 16; ((u64) hash * (max - min)) >> 32) + min
        assertThat(UdpTunnel.sourcePort(0xffffffff, 1000, 2000)).isEqualTo(1000 + (int) ((0xffffL * 1000) >>> 32));
        assertThat(UdpTunnel.sourcePort(0x80000000, 1000, 2000)).isEqualTo(1500);
    }

    @Test
    void ipIdentFollowsLinuxSelectionRules() {
        IpIdent ids = new IpIdent(42);
        int first = ids.hashed(1, 2, 17);
        assertThat(ids.hashed(1, 2, 17)).as("same bucket increments").isEqualTo((first + 1) & 0xffff);
        assertThat(ids.unconnected(true, false, 1, 2, 6)).as("DF without ignore_df").isZero();
        assertThat(new IpIdent(42).hashed(1, 2, 17)).as("deterministic per seed").isEqualTo(first);
        IpIdent.SocketCounter tcp = new IpIdent.SocketCounter(0xfffe);
        assertThat(tcp.nextTcp(1)).isEqualTo(0xfffe);
        assertThat(tcp.nextTcp(2)).isEqualTo(0xffff);
        assertThat(tcp.nextTcp(1)).as("wraps at 16 bits").isEqualTo(1);
        assertThat(new IpIdent.SocketCounter(10).nextDatagram(1)).as("atomic_add_return").isEqualTo(11);
    }

    /** Internet checksum the slow way over a byte range, skipping a 2-byte field at {@code skip} (or -1). */
    static int referenceChecksum(ByteBuf b, int off, int len, int skip) {
        int sum = 0;
        for (int i = 0; i < len; i++) {
            if (skip >= 0 && (i == skip || i == skip + 1)) {
                continue;
            }
            int v = b.getByte(off + i) & 0xff;
            sum += (i % 2 == 0) ? v << 8 : v;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return ~sum & 0xffff;
    }
}
