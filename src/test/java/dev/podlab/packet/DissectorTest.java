package dev.podlab.packet;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The dissector over the corpus: link types, tunnels and malformed packets. Expected results
 * are taken from the corpus README descriptions (and tcpdump's expected outputs where they
 * exist), written here as a one-line summary per encapsulation level:
 * {@code L2/L3/L4 [tunnel] {flags}}, levels separated by " | ".
 */
class DissectorTest {
    private final Dissector dissector = new Dissector();
    private final Dissector verifying = new Dissector(true, Vxlan.PORT_IANA, Vxlan.PORT_LINUX);
    private final Layers layers = new Layers();

    static Stream<Arguments> corpusCases() {
        return Stream.of(
            // name, file, record, verify checksums, expected summary
            Arguments.of("Ethernet IPv4 TCP SYN", "print-flags.pcap", 0, true, "ETH/IPv4/TCP"),
            Arguments.of("Ethernet IPv4 UDP DNS", "dns_udp.pcap", 0, true, "ETH/IPv4/UDP"),
            Arguments.of("ARP request padded to 60 bytes by the sender's NIC", "sv_decode-arp-2_arp.pcap", 0, false,
                    "ETH/ARP/- {TRAILER}"),
            Arguments.of("ARP reply, 42 bytes", "sv_decode-arp-2_arp.pcap", 1, false, "ETH/ARP/-"),
            Arguments.of("ICMP echo request", "sv_decode-arp-2_arp.pcap", 2, true, "ETH/IPv4/ICMP"),
            Arguments.of("VXLAN 4789 VNI 100, inner ICMP", "vxlan.pcap", 0, true,
                    "ETH/IPv4/UDP vxlan:100 | ETH/IPv4/ICMP"),
            Arguments.of("VXLAN 4789, inner ARP", "vxlan.pcap", 1, true, "ETH/IPv4/UDP vxlan:100 | ETH/ARP/-"),
            Arguments.of("VXLAN on flannel's port 8472", "vxlan_port_8472.pcap", 0, true,
                    "ETH/IPv4/UDP vxlan:100 | ETH/IPv4/ICMP"),
            Arguments.of("VXLAN VNI 37 with inner UDP", "sv_vxlan-decoder-01_input.pcap", 0, false,
                    "ETH/IPv4/UDP vxlan:37 | ETH/IPv4/UDP"),
            Arguments.of("untunnelled UDP in a 60-byte (padded) frame", "sv_vxlan-decoder-01_input.pcap", 1, false,
                    "ETH/IPv4/UDP {TRAILER}"),
            // zeek's triple VXLAN (VXLAN-GPE headers, flags 0x0c: reserved bits per RFC 7348)
            Arguments.of("three nested VXLAN layers VNI 1, 2, 3", "vxlan-triple-v2.pcap", 0, true,
                    "ETH/IPv4/UDP vxlan:1 {VXLAN_RESERVED_SET} | ETH/IPv4/UDP vxlan:2 {VXLAN_RESERVED_SET}"
                            + " | ETH/IPv4/UDP vxlan:3 {VXLAN_RESERVED_SET} | ETH/IPv4/UDP"),
            Arguments.of("VXLAN flags 0xff and reserved fields set", "sv_vxlan-non-zero-reserved-fields_input.pcap", 0,
                    false, "ETH/IPv4/UDP vxlan:* {VXLAN_RESERVED_SET} | ETH/IPv4/TCP"),
            Arguments.of("VXLAN inner TCP SYN with a wrong checksum", "vxlan-inner-tcp-bad-checksum.pcap", 0, true,
                    "ETH/IPv4/UDP vxlan:* | ETH/IPv4/TCP {BAD_L4_CHECKSUM}"),
            Arguments.of("GSO super-packet: VXLAN frame larger than any MTU", "gso-ipv4-vxlan-ipv4.pcap", 0, false,
                    "ETH/IPv4/UDP vxlan:5001 | ETH/IPv4/TCP"),
            Arguments.of("Geneve (6081) not decoded; snaplen 176 cuts the frame", "geneve-vxlan-dns-truncated.pcap", 0,
                    false, "ETH/IPv4/UDP {IP_SNAPLEN_CUT}"),
            Arguments.of("IP-in-IP 10.1.0.1>10.1.0.2, inner TCP", "sv_bug-4571-01_ipv4_over_ipv4.pcap", 0, true,
                    "ETH/IPv4/OTHER ipip | -/IPv4/TCP"),
            Arguments.of("IP-in-IP 1.2.3.4>5.6.7.8, inner UDP", "4in4.pcap", 0, true, "ETH/IPv4/OTHER ipip | -/IPv4/UDP"),
            Arguments.of("IPv6 in IPv4 (protocol 41)", "6in4.pcap", 0, false, "ETH/IPv4/OTHER 6in4 | -/IPv6/-"),
            // malformed
            Arguments.of("IHL 4 (16-byte header)", "ipv4_invalid_hdr_length.pcap", 0, false, "ETH/IPv4/- {BAD_IHL}"),
            Arguments.of("Ethernet + 6 bytes of IPv4 header", "ip4-trunc.pcap", 0, false, "ETH/IPv4/- {TRUNCATED}"),
            Arguments.of("8 of 78 bytes captured: Ethernet header cut", "trunc-hdr.pcap", 0, false,
                    "ETH/-/- {TRUNCATED}"),
            // Linux trims to the UDP length and verifies over it (__udp4_lib_rcv): the checksum is bad.
            Arguments.of("UDP length 103, IP payload 104, bad UDP checksum", "sv_udp-5379_udp-hlen-invalid-strict_input.pcap",
                    0, true, "ETH/IPv4/UDP {BAD_L4_CHECKSUM,UDP_LENGTH_MISMATCH,TRAILER}"),
            Arguments.of("IPv4 total length 65028 beyond the 1530-byte frame", "sv_ipv4-truncated_truncated.pcap", 0,
                    false, "ETH/IPv4/UDP {IP_SNAPLEN_CUT}"),
            Arguments.of("IPv4 total length 0", "ip-bogus-header-len.pcap", 0, false, "ETH/IPv4/- {BAD_IP_TOTAL_LENGTH}"),
            Arguments.of("IPv4 header checksum wrong", "ip4-bad-chksum.pcap", 0, true,
                    "ETH/IPv4/UDP {BAD_IP_CHECKSUM}"),
            Arguments.of("TCP header cut at 46 bytes, IP length 12336", "tcp_header_heapoverflow.pcap", 0, false,
                    "ETH/IPv4/TCP {TRUNCATED,IP_SNAPLEN_CUT}"),
            Arguments.of("UDP header cut at 38 bytes", "udp-length-heapoverflow.pcap", 0, false,
                    "ETH/IPv4/UDP {TRUNCATED,IP_SNAPLEN_CUT}"),
            Arguments.of("ICMP echo captured at 80 of 98 bytes", "icmp-payload-trunc.pcap", 0, true,
                    "ETH/IPv4/ICMP {IP_SNAPLEN_CUT,L4_CHECKSUM_UNVERIFIED}"),
            Arguments.of("802.1ad-tagged ARP with hardware length 14", "arp-too-long-tha.pcap", 0, false,
                    "ETH+1vlan/ARP/- {TRAILER,ARP_NOT_ETHERNET_IPV4}"),
            Arguments.of("ATA over Ethernet 0x88a2", "aoe-oobr-1.pcap", 0, false, "ETH/OTHER/-"),
            // link types
            Arguments.of("LINKTYPE_RAW IPv4 UDP DNS", "LINKTYPE_RAW_ipv4.pcap", 0, true, "-/IPv4/UDP"),
            Arguments.of("LINKTYPE_IPV4 UDP DNS", "LINKTYPE_IPV4.pcap", 0, true, "-/IPv4/UDP"),
            Arguments.of("LINKTYPE_IPV4 carrying IPv6 (version 6 != 4)", "LINKTYPE_IPV4_invalid.pcap", 0, false,
                    "-/IPv4/- {BAD_IP_VERSION}"),
            Arguments.of("LINUX_SLL2 ICMP", "linux_dlt_sll2.pcap", 0, true, "SLL2/IPv4/ICMP"),
            Arguments.of("LINUX_SLL ARP (46-byte padded payload)", "linuxsll-arp.pcap", 0, false, "SLL/ARP/- {TRAILER}"),
            Arguments.of("LINUX_SLL TCP handshake", "tcp-handshake-nano.pcap", 0, true, "SLL/IPv4/TCP"),
            Arguments.of("LINUX_SLL2 TCP", "sv_decode-sll2-01_input.pcap", 0, false, "SLL2/IPv4/TCP"));
    }

    @ParameterizedTest(name = "{0} ({1} #{2})")
    @MethodSource("corpusCases")
    void dissectsCorpusPacket(String name, String file, int index, boolean verify, String want) {
        CorpusPcap.File f = CorpusPcap.read(file);
        byte[] data = f.packet(index);
        ByteBuf buf = Unpooled.wrappedBuffer(data);
        (verify ? verifying : dissector).dissect(buf, 0, data.length, f.linkType(), layers);
        String got = summary(layers);
        assertThat(matches(got, want)).as("got %s, want %s (%s)", got, want, problems(layers)).isTrue();
    }

    @ParameterizedTest(name = "{0}: same layers from a direct buffer at offset 50")
    @MethodSource("corpusCases")
    void directBufferAtAnOffsetGivesTheSameLayers(String name, String file, int index, boolean verify, String want) {
        CorpusPcap.File f = CorpusPcap.read(file);
        byte[] data = f.packet(index);
        Dissector d = verify ? verifying : dissector;
        d.dissect(Unpooled.wrappedBuffer(data), 0, data.length, f.linkType(), layers);
        String heap = summary(layers);
        int heapPayload = layers.payloadOffset(layers.innermost());
        ByteBuf direct = Unpooled.directBuffer(50 + data.length + 10).writeZero(50).writeBytes(data).writeZero(10);
        d.dissect(direct, 50, data.length, f.linkType(), layers);
        assertThat(summary(layers)).isEqualTo(heap);
        assertThat(layers.payloadOffset(layers.innermost())).isEqualTo(heapPayload < 0 ? -1 : heapPayload + 50);
        direct.release();
    }

    @Test
    void ipv4TruncationNamesHeaderOffsetAndByteCounts() {
        dissect("ip4-trunc.pcap", 0, dissector);
        assertThat(layers.truncatedHeader(0)).isEqualTo(Layers.HDR_IPV4);
        assertThat(layers.truncatedOffset(0)).isEqualTo(14);
        assertThat(layers.truncatedAvailable(0)).as("bytes of IPv4 header captured").isEqualTo(6);
        assertThat(layers.truncatedNeeded(0)).isEqualTo(20);
        assertThat(problems(layers)).isEqualTo("level 0: IPv4 header truncated at offset 14: 6 of 20 bytes captured");
    }

    @Test
    void ethernetTruncationIn8ByteRecord() {
        dissect("trunc-hdr.pcap", 0, dissector);
        assertThat(layers.truncatedHeader(0)).isEqualTo(Layers.HDR_ETHERNET);
        assertThat(layers.truncatedAvailable(0)).isEqualTo(8);
        assertThat(layers.truncatedNeeded(0)).isEqualTo(14);
    }

    @Test
    void paddedArpHas18TrailerBytes() {
        dissect("sv_decode-arp-2_arp.pcap", 0, dissector);
        assertThat(layers.l3HeaderLength(0)).isEqualTo(28);
        assertThat(layers.trailerLength(0)).isEqualTo(60 - 42);
    }

    @Test
    void tripleVxlanRecordsEachVniAndTheInnermostDnsPayload() {
        dissect("vxlan-triple-v2.pcap", 0, dissector);
        assertThat(layers.levels()).isEqualTo(4);
        assertThat(layers.vni(0)).isEqualTo(1);
        assertThat(layers.vni(1)).isEqualTo(2);
        assertThat(layers.vni(2)).isEqualTo(3);
        assertThat(layers.vni(3)).isEqualTo(-1);
        ByteBuf b = Unpooled.wrappedBuffer(CorpusPcap.read("vxlan-triple-v2.pcap").packet(0));
        assertThat(new Udp().wrap(b, layers.l4Offset(3)).dstPort()).isEqualTo(53);
        assertThat(layers.payloadLength(3)).as("DNS query bytes").isEqualTo(29);
        assertThat(Ipv4Address.toString(new Ipv4().wrap(b, layers.l3Offset(3)).src())).isEqualTo("4.4.4.4");
    }

    @Test
    void vlanTagIsRecordedWithTpidAndTci() {
        dissect("arp-too-long-tha.pcap", 0, dissector);
        assertThat(layers.vlanCount(0)).isEqualTo(1);
        assertThat(layers.vlanTpid(0, 0)).isEqualTo(EtherType.QINQ);
        assertThat(layers.etherType(0)).isEqualTo(EtherType.ARP);
        assertThat(layers.l3Offset(0)).isEqualTo(18);
    }

    @Test
    void nonIpEtherTypeIsRecordedForThePrinter() {
        dissect("aoe-oobr-1.pcap", 0, dissector);
        assertThat(layers.etherType(0)).isEqualTo(0x88a2);
        assertThat(layers.l3Kind(0)).isEqualTo(Layers.L3_OTHER);
    }

    @Test
    void port8472IsPlainUdpWhenOnlyIanaPortIsConfigured() {
        CorpusPcap.File f = CorpusPcap.read("vxlan_port_8472.pcap");
        byte[] d = f.packet(0);
        new Dissector(false, Vxlan.PORT_IANA).dissect(Unpooled.wrappedBuffer(d), 0, d.length, f.linkType(), layers);
        assertThat(summary(layers)).isEqualTo("ETH/IPv4/UDP");
    }

    @Test
    void nullLinkTypeInEitherByteOrder() {
        ByteBuf ip = TestFrames.heap().udp(
                new Ipv4Spec().addresses(0x7f000001, 0x7f000001), 1, 2, Unpooled.wrappedBuffer(new byte[3]));
        ip.skipBytes(Ethernet.HEADER_LENGTH);
        for (boolean littleEndian : new boolean[] {true, false}) {
            ByteBuf f = Unpooled.buffer();
            if (littleEndian) {
                f.writeIntLE(2);
            } else {
                f.writeInt(2);
            }
            f.writeBytes(ip.duplicate());
            dissector.dissect(f, 0, f.readableBytes(), LinkType.NULL, layers);
            assertThat(summary(layers)).as("AF_INET %s", littleEndian ? "LE" : "BE").isEqualTo("NULL/IPv4/UDP");
        }
    }

    @Test
    void unknownLinkTypeSetsAFlagAndStops() {
        dissector.dissect(Unpooled.wrappedBuffer(new byte[40]), 0, 40, 147, layers);
        assertThat(layers.has(0, Layers.FLAG_UNKNOWN_LINK_TYPE)).isTrue();
        assertThat(layers.l2Kind(0)).isEqualTo(Layers.L2_NONE);
        assertThat(problems(layers)).isEqualTo("level 0: unknown link type 147");
    }

    @Test
    void everyPrefixOfEveryCorpusPacketDissectsWithoutException() {
        // Cutting real packets at every length exercises every truncation branch.
        String[] files = {"vxlan-triple-v2.pcap", "print-flags.pcap", "sv_bug-4571-01_ipv4_over_ipv4.pcap",
            "arp-too-long-tha.pcap", "linux_dlt_sll2.pcap", "6in4.pcap", "gso-ipv4-vxlan-ipv4.pcap"};
        for (String file : files) {
            CorpusPcap.File f = CorpusPcap.read(file);
            for (CorpusPcap.Record r : f.records()) {
                ByteBuf b = Unpooled.wrappedBuffer(r.data());
                for (int len = 0; len <= r.data().length; len++) {
                    verifying.dissect(b, 0, len, f.linkType(), layers);
                    assertThat(layers.levels()).isPositive();
                    for (int lv = 0; lv < layers.levels(); lv++) {
                        assertThat(layers.has(lv, Layers.FLAG_TRUNCATED) && layers.truncatedHeader(lv) == Layers.HDR_NONE)
                                .as("%s cut at %d: a read went past the captured bytes (%s)", file, len, problems(layers))
                                .isFalse();
                    }
                    if (len < r.data().length && len < 14 && f.linkType() == LinkType.ETHERNET) {
                        assertThat(layers.has(0, Layers.FLAG_TRUNCATED)).isTrue();
                    }
                }
            }
        }
    }

    @Test
    void dissectingAllocatesNothing() {
        CorpusPcap.File f = CorpusPcap.read("vxlan-triple-v2.pcap");
        byte[] d = f.packet(0);
        ByteBuf b = Unpooled.directBuffer(d.length).writeBytes(d);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) {
            verifying.dissect(b, 0, d.length, LinkType.ETHERNET, layers);
        }
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            verifying.dissect(b, 0, d.length, LinkType.ETHERNET, layers);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        b.release();
        assertThat(allocated).as("bytes allocated by 100000 dissections").isLessThan(4096);
    }

    // ------------------------------------------------------------------ helpers

    private void dissect(String file, int index, Dissector d) {
        CorpusPcap.File f = CorpusPcap.read(file);
        byte[] data = f.packet(index);
        d.dissect(Unpooled.wrappedBuffer(data), 0, data.length, f.linkType(), layers);
    }

    /** "vxlan:*" in the wanted summary matches any VNI. */
    private static boolean matches(String got, String want) {
        String[] parts = want.split("vxlan:\\*", -1);
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                re.append("vxlan:\\d+");
            }
            re.append(java.util.regex.Pattern.quote(parts[i]));
        }
        return got.matches(re.toString());
    }

    static String problems(Layers l) {
        StringBuilder sb = new StringBuilder();
        for (int lv = 0; lv < Math.max(1, l.levels()); lv++) {
            if (sb.length() > 0 && l.flags(lv) != 0) {
                sb.append(" / ");
            }
            l.describeProblems(lv, sb);
        }
        return sb.toString();
    }

    static String summary(Layers l) {
        StringBuilder sb = new StringBuilder();
        for (int lv = 0; lv < l.levels(); lv++) {
            if (lv > 0) {
                sb.append(" | ");
            }
            sb.append(switch (l.l2Kind(lv)) {
                case Layers.L2_ETHERNET -> "ETH";
                case Layers.L2_SLL -> "SLL";
                case Layers.L2_SLL2 -> "SLL2";
                case Layers.L2_NULL -> "NULL";
                default -> "-";
            });
            if (l.vlanCount(lv) > 0) {
                sb.append('+').append(l.vlanCount(lv)).append("vlan");
            }
            sb.append('/').append(switch (l.l3Kind(lv)) {
                case Layers.L3_IPV4 -> "IPv4";
                case Layers.L3_IPV6 -> "IPv6";
                case Layers.L3_ARP -> "ARP";
                case Layers.L3_OTHER -> "OTHER";
                default -> "-";
            });
            sb.append('/').append(switch (l.l4Kind(lv)) {
                case Layers.L4_TCP -> "TCP";
                case Layers.L4_UDP -> "UDP";
                case Layers.L4_ICMP -> "ICMP";
                case Layers.L4_SCTP -> "SCTP";
                case Layers.L4_OTHER -> "OTHER";
                default -> "-";
            });
            switch (l.tunnelKind(lv)) {
                case Layers.TUNNEL_VXLAN -> sb.append(" vxlan:").append(l.vni(lv));
                case Layers.TUNNEL_IPIP -> sb.append(" ipip");
                case Layers.TUNNEL_6IN4 -> sb.append(" 6in4");
                default -> { }
            }
            int flags = l.flags(lv);
            if (flags != 0) {
                sb.append(" {");
                String[] names = {"TRUNCATED", "BAD_IHL", "BAD_IP_VERSION", "IP_SNAPLEN_CUT", "BAD_IP_TOTAL_LENGTH",
                    "IP_FRAGMENT", "BAD_IP_CHECKSUM", "BAD_L4_CHECKSUM", "UDP_LENGTH_MISMATCH", "BAD_UDP_LENGTH",
                    "BAD_TCP_DATA_OFFSET", "VXLAN_NO_VNI_FLAG", "VXLAN_RESERVED_SET", "UNKNOWN_LINK_TYPE",
                    "TOO_MANY_LEVELS", "TRAILER", "ARP_NOT_ETHERNET_IPV4", "L4_CHECKSUM_UNVERIFIED",
                    "UNKNOWN_ADDRESS_FAMILY"};
                boolean first = true;
                for (int i = 0; i < names.length; i++) {
                    if ((flags & (1 << i)) != 0) {
                        sb.append(first ? "" : ",").append(names[i]);
                        first = false;
                    }
                }
                sb.append('}');
            }
        }
        return sb.toString();
    }
}
