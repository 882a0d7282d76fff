package dev.podlab.capture;

import dev.podlab.testing.Tshark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Wireshark as the independent reader: per packet, the timestamp tshark prints with nanosecond
 * precision (frame.time_epoch), the captured and original lengths and the interface name must be
 * what podlab's reader delivers.
 */
class TsharkComparisonTest {

    static Stream<String> files() {
        return Stream.of(
                "tcp-handshake-nano.pcap",           // nanosecond magic
                "get-to-ssh-server.pcap",            // nanosecond magic
                "pptp.pcap",                         // big-endian, microseconds
                "sv_nfs3-01_input.pcap",             // big-endian, version 2.1
                "truncated-header.pcap",             // caplen < len everywhere
                "pcapng-multi-interface.pcapng",     // one ns and one us interface
                "gap-data-missing.pcapng",           // 126 interfaces, us and ns
                "pcapng-gen_be_basic_test001.pcapng",// big-endian section
                "pcapng-gen_le_difficult_test202.pcapng"); // three sections, LE/BE/LE, SPBs
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void timestampsLengthsAndInterfaceNamesMatchTshark(String name) throws Exception {
        Path file = Corpus.file(name);
        // Wireshark 4.0 resolves the interface ids of a later pcapng section against the first
        // section's interfaces (test202's section 1 has one IDB, "silly ethernet interface 2",
        // snaplen 128, yet tshark names its packets "eth0"): names are compared for single-section
        // files only. PcapngStructureTest checks per-section interface ids against the generator.
        boolean compareNames = !name.contains("difficult");
        boolean pcapng = name.endsWith(".pcapng");
        List<String> want = new ArrayList<>();
        for (String[] row : Tshark.fields(file, "frame.encap_type", "frame.time_epoch", "frame.cap_len",
                "frame.len", "frame.interface_name")) {
            if (row[0].isEmpty()) {
                continue; // tshark lists custom blocks as frames without an encapsulation: not packets
            }
            // A Simple Packet Block has no timestamp: tshark prints nothing, podlab gives 0.
            String time = row[1].isEmpty() ? "0.000000000" : row[1];
            want.add(time + " " + row[2] + " " + row[3] + (compareNames ? " " + row[4] : ""));
        }
        ReadResult result = ReadResult.read(file);
        List<String> got = new ArrayList<>();
        for (ReadResult.Row r : result.rows) {
            // tshark escapes control characters in names and says "unknown" for a pcapng
            // interface without if_name (and nothing for classic pcap).
            String ifName = r.interfaceName() == null ? (pcapng ? "unknown" : "")
                    : r.interfaceName().replace("\r", "\\r").replace("\n", "\\n");
            got.add(ReadResult.epoch(r.timestampNs()) + " " + r.capturedLength() + " " + r.originalLength()
                    + (compareNames ? " " + ifName : ""));
        }
        assertThat(got).as("time caplen len interface of %s:%n got %s%n want %s", name, got, want).isEqualTo(want);
    }

    static Stream<String> invalidTimestampFiles() {
        return Stream.of("timestamp_invalid_micro", "timestamp_invalid_nano");
    }

    /**
     * tcpdump's expected output (corpus/pcap/expected/timestamp_invalid_*.out, run with TZ=GMT0)
     * prints an out-of-range sub-second field as is and marks it, e.g.
     * {@code 17:16:10.2147483648 (invalid us)}. podlab must read such records, flag them, and keep
     * the raw fraction: its timestamp is seconds * 10^9 + fraction * unit.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidTimestampFiles")
    void outOfRangeSubsecondFieldsAreDeliveredAndFlaggedAsTcpdumpPrintsThem(String base) throws Exception {
        List<String> lines = java.nio.file.Files.readAllLines(Corpus.expected(base + ".out"));
        ReadResult result = ReadResult.read(Corpus.file(base + ".pcap"));
        assertThat(result.rows).hasSize(lines.size());
        long unit = base.endsWith("micro") ? 1000 : 1;
        for (int i = 0; i < lines.size(); i++) {
            String[] words = lines.get(i).strip().split("\\s+");
            String clock = words[1];                     // HH:MM:SS.fraction
            boolean invalid = lines.get(i).contains("(invalid");
            String[] hms = clock.substring(0, clock.indexOf('.')).split(":");
            long secondOfDay = Long.parseLong(hms[0]) * 3600 + Long.parseLong(hms[1]) * 60 + Long.parseLong(hms[2]);
            long fraction = Long.parseLong(clock.substring(clock.indexOf('.') + 1));
            ReadResult.Row row = result.rows.get(i);
            long seconds = Math.floorDiv(row.timestampNs() - fraction * unit, 1_000_000_000L);
            long rest = Math.floorMod(row.timestampNs() - fraction * unit, 1_000_000_000L);
            assertThat(row.timestampValid()).as("record %d valid: got %s, want %s", i + 1, row.timestampValid(), !invalid)
                    .isEqualTo(!invalid);
            assertThat(rest).as("record %d: timestamp minus the raw fraction must be whole seconds", i + 1).isZero();
            assertThat(Math.floorMod(seconds, 86400L)).as("record %d second of day: got %d, want %d (%s)",
                    i + 1, Math.floorMod(seconds, 86400L), secondOfDay, clock).isEqualTo(secondOfDay);
        }
    }
}
