package dev.podlab.capture;

import dev.podlab.testing.Tshark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes captures with podlab's writers and reads them back with Wireshark (the independent
 * reader) and with podlab's own reader.
 */
class CaptureWriterTest {
    private static final long T0 = 1_700_000_000_123_456_789L;

    /** One packet to write: device, link type, timestamp, frame, original length. */
    record Sent(String device, int linkType, long timestampNs, byte[] frame, int originalLength) {}

    /**
     * Three devices seen in this order: node1/eth0 and node1/flannel.1 (Ethernet), node2/tunl0
     * (an IPIP tunnel: bare IPv4, LINKTYPE_RAW). One frame is cut short (caplen < len).
     */
    private static List<Sent> traffic() {
        List<Sent> sent = new ArrayList<>();
        sent.add(new Sent("node1/flannel.1", LinkType.ETHERNET, T0, Frames.ethernetIpv4Udp(98, 1), 98));
        sent.add(new Sent("node1/eth0", LinkType.ETHERNET, T0 + 1_001, Frames.ethernetIpv4Udp(148, 2), 148));
        sent.add(new Sent("node2/tunl0", LinkType.RAW, T0 + 2_000_000_007L, Frames.ipv4Udp(61, 3), 61));
        sent.add(new Sent("node1/flannel.1", LinkType.ETHERNET, T0 + 3_000_000_999L, Frames.ethernetIpv4Udp(60, 4), 1514));
        sent.add(new Sent("node2/tunl0", LinkType.RAW, T0 + 4_999_999_999L, Frames.ipv4Udp(1480, 5), 1480));
        return sent;
    }

    private static void writeAll(PcapngWriter writer, List<Sent> sent) throws IOException {
        Packet packet = new Packet();
        for (Sent s : sent) {
            packet.wrap(Unpooled.wrappedBuffer(s.frame()), s.linkType())
                    .timestampNs(s.timestampNs()).originalLength(s.originalLength());
            writer.write(s.device(), packet);
        }
    }

    @Test
    void pcapngWithSeveralInterfacesReadsInTsharkWithNamesLengthsAndNanoseconds(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out.pcapng");
        List<Sent> sent = traffic();
        try (PcapngWriter writer = PcapngWriter.create(file)) {
            writeAll(writer, sent);
        }
        List<String[]> rows = Tshark.fields(file, "frame.interface_name", "frame.len", "frame.cap_len",
                "frame.time_epoch", "frame.protocols");
        assertThat(rows).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            Sent s = sent.get(i);
            String[] row = rows.get(i);
            String want = s.device() + " " + s.originalLength() + " " + s.frame().length + " " + ReadResult.epoch(s.timestampNs());
            String got = row[0] + " " + row[1] + " " + row[2] + " " + row[3];
            assertThat(got).as("frame %d: got %s, want %s", i + 1, got, want).isEqualTo(want);
            String protocols = s.linkType() == LinkType.RAW ? "raw:ip:udp" : "eth:ethertype:ip:udp";
            assertThat(row[4]).as("frame %d protocols: got %s, want prefix %s", i + 1, row[4], protocols).startsWith(protocols);
        }
    }

    @Test
    void capinfosSeesOneNanosecondInterfacePerDeviceInOrderOfFirstPacket(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out.pcapng");
        try (PcapngWriter writer = PcapngWriter.create(file)) {
            writeAll(writer, traffic());
        }
        List<String> lines = Tshark.capinfos(file, "-c", "-I", "-M");
        List<String> names = new ArrayList<>();
        List<String> resolutions = new ArrayList<>();
        List<String> encapsulations = new ArrayList<>();
        List<String> packetsPerInterface = new ArrayList<>();
        String packets = null;
        for (String line : lines) {
            String t = line.strip();
            if (t.startsWith("Number of packets:")) {
                packets = t.substring(t.indexOf(':') + 1).strip();
            } else if (t.startsWith("Name = ")) {
                names.add(t.substring(7));
            } else if (t.startsWith("Time resolution = ")) {
                resolutions.add(t.substring(18));
            } else if (t.startsWith("Encapsulation = ")) {
                encapsulations.add(t.substring(16));
            } else if (t.startsWith("Number of packets = ")) {
                packetsPerInterface.add(t.substring(20));
            }
        }
        assertThat(packets).as("capinfos packet count").isEqualTo("5");
        assertThat(names).as("interface names: got %s", names).containsExactly("node1/flannel.1", "node1/eth0", "node2/tunl0");
        assertThat(resolutions).as("if_tsresol").containsExactly("0x09", "0x09", "0x09");
        assertThat(encapsulations.get(0)).contains("Ethernet");
        assertThat(encapsulations.get(2)).as("tunl0 encapsulation").containsIgnoringCase("raw ip");
        assertThat(packetsPerInterface).containsExactly("2", "1", "2");
    }

    @Test
    void pcapngReadsBackWithPodlabsReader() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Sent> sent = traffic();
        try (PcapngWriter writer = new PcapngWriter(bytes)) {
            writeAll(writer, sent);
        }
        ReadResult result = ReadResult.read(new ByteArrayInputStream(bytes.toByteArray()), "out.pcapng");
        assertThat(result.readError).isNull();
        assertThat(result.application).as("shb_userappl").isEqualTo("podlab");
        assertThat(result.interfaces).extracting(CaptureInterface::name)
                .containsExactly("node1/flannel.1", "node1/eth0", "node2/tunl0");
        assertThat(result.interfaces).extracting(CaptureInterface::timestampResolution).containsOnly(9);
        assertThat(result.rows).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            Sent s = sent.get(i);
            ReadResult.Row r = result.rows.get(i);
            assertThat(r.interfaceName()).isEqualTo(s.device());
            assertThat(r.linkType()).isEqualTo(s.linkType());
            assertThat(r.timestampNs()).as("timestamp of packet %d: got %d, want %d", i, r.timestampNs(), s.timestampNs())
                    .isEqualTo(s.timestampNs());
            assertThat(r.originalLength()).isEqualTo(s.originalLength());
            assertThat(r.data()).isEqualTo(s.frame());
        }
    }

    @Test
    void declaredInterfacesComeFirstAndKeepTheirIds() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PcapngWriter writer = new PcapngWriter(bytes)) {
            int tunl = writer.addInterface("node2/tunl0", LinkType.RAW);
            int eth = writer.addInterface("node1/eth0", LinkType.ETHERNET);
            assertThat(writer.addInterface("node1/eth0", LinkType.ETHERNET)).isEqualTo(eth);
            assertThatThrownBy(() -> writer.addInterface("node1/eth0", LinkType.RAW))
                    .isInstanceOf(IllegalArgumentException.class);
            writer.writePacket(eth, T0, Unpooled.wrappedBuffer(Frames.ethernetIpv4Udp(64, 9)), 64);
            writer.writePacket(tunl, T0 + 1, Unpooled.wrappedBuffer(Frames.ipv4Udp(40, 9)), 40);
        }
        ReadResult result = ReadResult.read(new ByteArrayInputStream(bytes.toByteArray()), "declared.pcapng");
        assertThat(result.blocks).containsExactly("SHB", "IDB", "IDB", "EPB", "EPB");
        assertThat(result.rows).extracting(ReadResult.Row::interfaceName).containsExactly("node1/eth0", "node2/tunl0");
    }

    @Test
    void sameTrafficGivesTheSameBytes() throws Exception {
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (PcapngWriter w = new PcapngWriter(a)) {
            writeAll(w, traffic());
        }
        try (PcapngWriter w = new PcapngWriter(b)) {
            writeAll(w, traffic());
        }
        assertThat(a.toByteArray()).isEqualTo(b.toByteArray());
    }

    @Test
    void packetsWrittenBeforeAFailureSurviveIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("failed.pcapng");
        List<Sent> sent = traffic();
        try (PcapngWriter writer = PcapngWriter.create(file)) {
            writeAll(writer, sent.subList(0, 3));
            throw new IllegalStateException("simulated failure in the emulator");
        } catch (IllegalStateException expected) {
            // the writer was closed by try-with-resources
        }
        assertThat(Tshark.fields(file, "frame.len")).as("frames tshark reads after the failure").hasSize(3);
    }

    @Test
    void unclosedWriterLeavesOnlyWholeBlocksInTheStream() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PcapngWriter writer = new PcapngWriter(bytes);
        int id = writer.addInterface("node1/eth0", LinkType.ETHERNET);
        byte[] frame = Frames.ethernetIpv4Udp(1514, 7);
        for (int i = 0; i < 200; i++) {   // about 300 KB: several buffer drains, never closed
            writer.writePacket(id, T0 + i, Unpooled.wrappedBuffer(frame), 1514);
        }
        ReadResult result = ReadResult.read(new ByteArrayInputStream(bytes.toByteArray()), "unclosed.pcapng");
        assertThat(result.readError).as("a never-closed file must end on a block boundary").isNull();
        assertThat(result.rows.size()).isGreaterThan(100).isLessThan(200);
    }

    @Test
    void nanosecondPcapReadsInTsharkAndBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out.pcap");
        List<Sent> sent = traffic().stream().filter(s -> s.linkType() == LinkType.ETHERNET).toList();
        try (PcapWriter writer = PcapWriter.create(file, LinkType.ETHERNET)) {
            Packet packet = new Packet();
            for (Sent s : sent) {
                writer.write(packet.wrap(Unpooled.wrappedBuffer(s.frame()), s.linkType())
                        .timestampNs(s.timestampNs()).originalLength(s.originalLength()));
            }
        }
        List<String[]> rows = Tshark.fields(file, "frame.len", "frame.cap_len", "frame.time_epoch");
        assertThat(rows).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            Sent s = sent.get(i);
            String want = s.originalLength() + " " + s.frame().length + " " + ReadResult.epoch(s.timestampNs());
            String got = String.join(" ", rows.get(i));
            assertThat(got).as("frame %d: got %s, want %s", i + 1, got, want).isEqualTo(want);
        }
        ReadResult result = ReadResult.read(file);
        assertThat(result.format).isEqualTo(CaptureFormat.PCAP);
        assertThat(result.rows).extracting(ReadResult.Row::timestampNs)
                .containsExactlyElementsOf(sent.stream().map(Sent::timestampNs).toList());
    }

    @Test
    void microsecondPcapTruncatesTimestampsToMicroseconds(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out-us.pcap");
        try (PcapWriter writer = PcapWriter.create(file, LinkType.RAW, PcapWriter.Precision.MICROSECONDS)) {
            writer.writePacket(T0, Unpooled.wrappedBuffer(Frames.ipv4Udp(40, 1)), 40);
        }
        List<String[]> rows = Tshark.fields(file, "frame.time_epoch", "frame.protocols");
        // 1700000000.123456789 s written at microsecond resolution: tshark prints ...123456000.
        assertThat(rows.get(0)[0]).isEqualTo("1700000000.123456000");
        assertThat(rows.get(0)[1]).startsWith("raw:ip:udp");
        assertThat(ReadResult.read(file).rows.get(0).timestampNs()).isEqualTo(1_700_000_000_123_456_000L);
    }

    @Test
    void pcapWriterRefusesAPacketOfAnotherLinkType() throws Exception {
        try (PcapWriter writer = new PcapWriter(new ByteArrayOutputStream(), LinkType.ETHERNET)) {
            Packet raw = new Packet(Unpooled.wrappedBuffer(Frames.ipv4Udp(40, 1)), LinkType.RAW);
            assertThatThrownBy(() -> writer.write(raw)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
