package dev.podlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.capture.PcapngWriter;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.TestFrames;
import dev.podlab.testing.Cli;
import dev.podlab.testing.Shared;
import dev.podlab.testing.Tshark;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code podlab decode} as a user runs it: exit status, what goes to stdout and to stderr. */
class DecodeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0}: {1} packets, then the error")
    @CsvSource({
        // Good packets before the damage: libpcap's counts from the corpus README.
        "sv_bug-6875-01_fuzz.pcap, 1, offset 228: record capture length 1409179648 exceeds the maximum 262144",
        "sv_bug-1450-04_tls_DER-incomplete-header.pcap, 6, offset 5035:",
    })
    void damagedFilePrintsTheGoodPacketsThenOneErrorLineAndExits1(String file, int good, String error) {
        Cli.Result r = Cli.run("decode", Shared.corpus(file).toString());
        assertThat(r.status()).as("%s", r).isEqualTo(1);
        assertThat(r.outLines()).as("packets printed before the damage").hasSize(good);
        assertThat(r.err().lines().toList()).as("stderr").hasSize(1);
        assertThat(r.err()).startsWith("podlab decode: ").contains(file).contains(error);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "pcap-invalid-version-1.pcap", "pcapng-invalid-vers-1.pcapng", "shb-option-too-long.pcapng",
        "linktype-reserved-field-not-zero.pcap"})
    void fileTheReaderRefusesIsOneLineNamingTheFile(String file) {
        Cli.Result r = Cli.run("decode", Shared.corpus(file).toString());
        assertThat(r.status()).as("%s", r).isNotZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).hasSize(1);
        assertThat(r.err()).contains(file).doesNotContain("Exception");
    }

    @Test
    void missingFileIsExit2WithOneLine() {
        Cli.Result r = Cli.run("decode", "no/such/file.pcap");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("podlab decode: no/such/file.pcap: no such file\n");
    }

    @Test
    void headerOnlyFileIsCleanAndEmpty() {
        Cli.Result r = Cli.run("decode", Shared.corpus("empty.pcapng").toString());
        assertThat(r.status()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEmpty();
    }

    @Test
    void gzipOnStandardInputDecodesLikeTheFile() throws Exception {
        Path file = Shared.corpus("vxlan.pcap");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(Files.readAllBytes(file));
        }
        Cli.Result fromFile = Cli.run("decode", "-e", file.toString());
        Cli.Result fromStdin = Cli.runWithInput(gz.toByteArray(), "decode", "-e", "-");
        assertThat(fromStdin.status()).as("%s", fromStdin).isZero();
        assertThat(fromStdin.out()).isEqualTo(fromFile.out());
    }

    @Test
    void countOptionStopsAfterNPackets() {
        Cli.Result r = Cli.run("decode", "-c", "3", Shared.corpus("dns_tcp.pcap").toString());
        assertThat(r.status()).isZero();
        assertThat(r.outLines()).hasSize(3);
    }

    @Test
    void vxlanPortOptionChoosesWhichPortsAreDecodedAsVxlan() {
        String file = Shared.corpus("vxlan.pcap").toString(); // VXLAN on 4789
        assertThat(Cli.run("decode", file).out()).contains("VXLAN, flags [I] (0x08), vni 100");
        Cli.Result only8472 = Cli.run("decode", "--vxlan-port", "8472", file);
        assertThat(only8472.out()).doesNotContain("VXLAN").contains(".4789: UDP, length ");
    }

    @Test
    void unsupportedLinkTypesAreSkippedWithACountedWarning(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mixed.pcapng");
        try (PcapngWriter w = PcapngWriter.create(file)) {
            int eth = w.addInterface("node1/eth0", LinkType.ETHERNET);
            int usb = w.addInterface("usb0", 189); // LINKTYPE_USB_LINUX: not a podlab link type
            ByteBuf arp = TestFrames.heap().arpRequest(0x0a580af40102L, 0x0af40102, 0x0af40101);
            w.writePacket(eth, 1, arp, arp.readerIndex(), arp.readableBytes(), arp.readableBytes());
            w.writePacket(usb, 2, arp, arp.readerIndex(), arp.readableBytes(), arp.readableBytes());
            w.writePacket(usb, 3, arp, arp.readerIndex(), arp.readableBytes(), arp.readableBytes());
            w.writePacket(eth, 4, arp, arp.readerIndex(), arp.readableBytes(), arp.readableBytes());
        }
        Cli.Result r = Cli.run("decode", file.toString());
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.outLines()).hasSize(2);
        assertThat(r.outLines()[1]).startsWith("    4  "); // numbers stay those of the file, as in tshark
        assertThat(r.err()).isEqualTo("podlab decode: warning: skipped 2 packets of unsupported link type 189"
                + " (LINKTYPE_189)\n");
    }

    @Test
    void jsonFieldsAgreeWithTshark() throws Exception {
        Path file = Shared.corpus("vxlan_port_8472.pcap");
        Cli.Result r = Cli.run("decode", "--json", file.toString());
        assertThat(r.status()).as("%s", r).isZero();
        List<String[]> want = Tshark.fields(file, List.of("-d", "udp.port==8472,vxlan"), "frame.len", "ip.src",
                "ip.dst", "ip.ttl", "udp.srcport", "vxlan.vni", "eth.src", "icmp.seq", "arp.dst.proto_ipv4");
        String[] lines = r.outLines();
        assertThat(lines).hasSameSizeAs(want.toArray());
        for (int i = 0; i < lines.length; i++) {
            JsonNode packet = JSON.readTree(lines[i]);
            String[] w = want.get(i);
            assertThat(packet.get("len").asText()).isEqualTo(w[0]);
            assertThat(join(packet, "ipv4", "src")).as("ip.src of packet %d", i + 1).isEqualTo(w[1]);
            assertThat(join(packet, "ipv4", "dst")).isEqualTo(w[2]);
            assertThat(join(packet, "ipv4", "ttl")).isEqualTo(w[3]);
            assertThat(join(packet, "udp", "src_port")).isEqualTo(w[4]);
            assertThat(join(packet, "vxlan", "vni")).isEqualTo(w[5]);
            assertThat(join(packet, "ethernet", "src")).isEqualTo(w[6]);
            assertThat(join(packet, "icmp", "seq")).isEqualTo(w[7]);
            assertThat(join(packet, "arp", "target_ip")).isEqualTo(w[8]);
            assertThat(packet.get("problems")).isEmpty();
        }
    }

    /** The values of one field over the layers of a type, outermost first, comma-joined as tshark prints them. */
    private static String join(JsonNode packet, String type, String field) {
        List<String> values = new ArrayList<>();
        for (JsonNode layer : packet.get("layers")) {
            if (layer.get("type").asText().equals(type) && layer.has(field)) {
                values.add(layer.get(field).asText());
            }
        }
        return String.join(",", values);
    }
}
