package dev.podlab.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reads every file of the shared capture corpus and checks what a user would see. */
class CaptureCorpusTest {

    /**
     * Packet counts from the corpus README ({@code corpus/README.md}, column "Pkts": capinfos of
     * Wireshark 4.0.17), for every file that a reader must read to its end.
     */
    static final Map<String, Integer> PACKETS = Map.ofEntries(
            Map.entry("raw_packets.pcap", 33),
            Map.entry("print-flags.pcap", 10),
            Map.entry("dns_udp.pcap", 2),
            Map.entry("dns_tcp.pcap", 11),
            Map.entry("gateway_or_not.pcap", 14),
            Map.entry("sv_decode-arp-2_arp.pcap", 6),
            Map.entry("vxlan.pcap", 10),
            Map.entry("vxlan_port_8472.pcap", 10),
            Map.entry("vxlan-encapsulated-http.pcap", 12),
            Map.entry("sv_vxlan-decoder-03_vxlan.pcap", 100),
            Map.entry("sv_vxlan-decoder-01_input.pcap", 3),
            Map.entry("vxlan-triple-v2.pcap", 1),
            Map.entry("gso-ipv4-vxlan-ipv4.pcap", 1),
            Map.entry("sv_vxlan-non-zero-reserved-fields_input.pcap", 10),
            Map.entry("vxlan-inner-tcp-bad-checksum.pcap", 1),
            Map.entry("geneve-vxlan-dns-truncated.pcap", 2),
            Map.entry("sv_bug-4571-01_ipv4_over_ipv4.pcap", 1),
            Map.entry("4in4.pcap", 1),
            Map.entry("6in4.pcap", 1),
            Map.entry("bgp-4byte-asn.pcap", 91),
            Map.entry("bgp-lu-multiple-labels.pcap", 39),
            Map.entry("bgp-large-community.pcap", 1),
            Map.entry("mpbgp-linklocal-nexthop.pcap", 1),
            Map.entry("bgp-shutdown-communication.pcapng", 2),
            Map.entry("bgp-link-bw-extcommunity.pcapng", 1),
            Map.entry("bgp-role.pcapng", 9),
            Map.entry("bgp-addpath.pcap", 1),
            Map.entry("bgp-enhanced-route-refresh-subtype.pcapng", 3),
            Map.entry("bgp-bgp_capabilities_print-oobr-1.pcap", 1),
            Map.entry("bgp_mp_reach_nlri-oobr.pcap", 1),
            Map.entry("bgp-malformed-hard-reset.pcap", 1),
            Map.entry("bgpsec_invalid_signature_block_length.pcap", 1),
            Map.entry("bgp_pmsi_tunnel-oobr.pcap", 1),
            Map.entry("bgp-as-path-oobr.pcap", 4),
            Map.entry("empty.pcapng", 0),
            Map.entry("pcapng-multi-interface.pcapng", 6),
            Map.entry("gap-data-missing.pcapng", 18),
            Map.entry("pcapng-gen_le_basic_test001.pcapng", 4),
            Map.entry("pcapng-gen_be_basic_test001.pcapng", 4),
            Map.entry("pcapng-gen_le_basic_test006.pcapng", 5),
            Map.entry("pcapng-gen_le_basic_test010.pcapng", 4),
            Map.entry("pcapng-gen_le_advanced_test102.pcapng", 5),
            Map.entry("pcapng-gen_le_difficult_test201.pcapng", 4),
            Map.entry("pcapng-gen_le_difficult_test202.pcapng", 8),
            Map.entry("tcp-handshake-nano.pcap", 3),
            Map.entry("get-to-ssh-server.pcap", 9),
            Map.entry("timestamp_invalid_nano.pcap", 3),
            Map.entry("timestamp_invalid_micro.pcap", 3),
            Map.entry("pptp.pcap", 23),
            Map.entry("sv_nfs3-01_input.pcap", 128),
            Map.entry("truncated-header.pcap", 24),
            Map.entry("tcp_rst_data-trunc.pcap", 1),
            Map.entry("icmp-payload-trunc.pcap", 4),
            Map.entry("tcp_header_heapoverflow.pcap", 1),
            Map.entry("udp-length-heapoverflow.pcap", 1),
            Map.entry("ipv4_invalid_hdr_length.pcap", 1),
            Map.entry("arp-too-long-tha.pcap", 1),
            Map.entry("icmp-icmp_print-oobr-1.pcap", 3),
            Map.entry("aoe-oobr-1.pcap", 1),
            Map.entry("LINKTYPE_IPV4_invalid.pcap", 1),
            Map.entry("ip4-trunc.pcap", 1),
            Map.entry("trunc-hdr.pcap", 1),
            Map.entry("ip-bogus-header-len.pcap", 1),
            Map.entry("ip4-bad-chksum.pcap", 1),
            Map.entry("sv_ipv4-truncated_truncated.pcap", 1),
            Map.entry("sv_udp-5379_udp-hlen-invalid-strict_input.pcap", 1),
            Map.entry("empty.pcap", 0),
            Map.entry("linux_dlt_sll2.pcap", 6),
            Map.entry("sv_decode-sll2-01_input.pcap", 5),
            Map.entry("linuxsll-arp.pcap", 12),
            Map.entry("LINKTYPE_RAW_ipv4.pcap", 1),
            Map.entry("LINKTYPE_IPV4.pcap", 1));

    /**
     * Files damaged part-way. Good packets: what libpcap 1.10.3 reads before failing (corpus
     * README). Offset of the bad record header: the 24-byte file header plus, for each good
     * record, its 16-byte header and its captured bytes as tshark lists them (frame.cap_len):
     * 188 for the first file; 74, 74, 66, 361, 66, 4274 for the second.
     */
    record Damaged(int goodPackets, long offset, String problem) {}

    static final Map<String, Damaged> DAMAGED = Map.of(
            "sv_bug-6875-01_fuzz.pcap",
            new Damaged(1, 24 + 16 + 188, "record capture length 1409179648 exceeds the maximum 262144"),
            "sv_bug-1450-04_tls_DER-incomplete-header.pcap",
            new Damaged(6, 24 + 6 * 16 + 74 + 74 + 66 + 361 + 66 + 4274,
                    "record capture length 4325376 exceeds the maximum 262144"));

    /**
     * Files refused at open, with the part of libpcap's error (corpus/pcap/expected/
     * FILE.libpcap-error.txt) that podlab's message must share. For shb-option-too-long.pcapng
     * libpcap, which does not check the section header's own trailer, fails on the next block
     * (header 32); podlab fails on the section header itself (header 52), whose trailer holds the
     * same garbage 0x30303030: the shared gist is the trailer value.
     */
    static final Map<String, String> REJECTED = Map.of(
            "linktype-reserved-field-not-zero.pcap", "linktype reserved field not zero (0x00300000)",
            "pcap-invalid-version-1.pcap", "unsupported pcap savefile version 1.4",
            "pcap-invalid-version-2.pcap", "unsupported pcap savefile version 2.5",
            "pcapng-invalid-vers-1.pcapng", "unsupported pcapng savefile version 0.1",
            "pcapng-invalid-vers-2.pcapng", "unsupported pcapng savefile version 1.1",
            "shb-option-too-long.pcapng", "and trailer 808464432 don't match");

    static Stream<String> allFiles() throws Exception {
        return Corpus.allFiles();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allFiles")
    void everyCorpusFileIsReadWithoutCrashOrHangAndGivesTheReadmeOutcome(String name) throws Exception {
        Path file = Corpus.file(name);
        ReadResult result = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> ReadResult.read(file),
                "reading " + name + " must finish");
        if (PACKETS.containsKey(name)) {
            assertThat(result.openError).as("open error for %s", name).isNull();
            assertThat(result.readError).as("read error for %s", name).isNull();
            assertThat(result.rows.size()).as("packets in %s: got %d, want %d", name, result.rows.size(), PACKETS.get(name))
                    .isEqualTo(PACKETS.get(name));
        } else if (DAMAGED.containsKey(name)) {
            Damaged want = DAMAGED.get(name);
            assertThat(result.openError).as("open error for %s", name).isNull();
            assertThat(result.rows.size()).as("good packets before the damage in %s: got %d, want %d",
                    name, result.rows.size(), want.goodPackets()).isEqualTo(want.goodPackets());
            assertThat(result.readError).as("error after the good packets of %s", name).isNotNull();
            assertThat(result.readError.getMessage())
                    .as("error message of %s", name)
                    .isEqualTo(file + ": offset " + want.offset() + ": " + want.problem())
                    .doesNotContain("\n");
            assertThat(result.readError.offset()).isEqualTo(want.offset());
        } else if (REJECTED.containsKey(name)) {
            String gist = REJECTED.get(name);
            String libpcap = Files.readString(Corpus.expected(name + ".libpcap-error.txt")).strip();
            assertThat(libpcap).as("libpcap's own error for %s", name).contains(gist);
            assertThat(result.openError).as("%s must be refused at open", name).isNotNull();
            assertThat(result.openError.getMessage()).as("error for %s: got %s, want the gist %s",
                    name, result.openError.getMessage(), gist)
                    .startsWith(file + ": offset ").contains(gist).doesNotContain("\n");
        } else {
            Assumptions.abort(name + " is not described in the test tables (new corpus file?): only checked for no crash");
        }
    }

    static Stream<Arguments> filesWhereCaplenExceedsSnaplen() {
        // Corpus README: record caplen above the header snaplen (and for aoe-oobr-1 above the
        // original length). Wireshark keeps every captured byte: tshark frame.cap_len 34, 8, 64.
        return Stream.of(
                Arguments.of("aoe-oobr-1.pcap", 34, 32),
                Arguments.of("trunc-hdr.pcap", 8, 78),
                Arguments.of("icmp-icmp_print-oobr-1.pcap", 64, 65545));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filesWhereCaplenExceedsSnaplen")
    void recordLongerThanSnaplenIsDeliveredWhole(String name, int caplen, int len) throws Exception {
        ReadResult result = ReadResult.read(Corpus.file(name));
        ReadResult.Row first = result.rows.get(0);
        assertThat(first.capturedLength()).as("caplen: got %d, want %d", first.capturedLength(), caplen).isEqualTo(caplen);
        assertThat(first.originalLength()).as("len: got %d, want %d", first.originalLength(), len).isEqualTo(len);
        assertThat(first.data()).hasSize(caplen);
    }
}
