package dev.podlab.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.testing.Cli;
import dev.podlab.testing.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code podlab decode} against tcpdump's own expected outputs from tcpdump's test suite (copied
 * unchanged into the shared corpus, produced with {@code tcpdump -# -n -r FILE -tttt ARGS}): an
 * independent decoder, compared line by line.
 *
 * <p>A podlab line must equal tcpdump's, with two stated exceptions where podlab deliberately
 * stops earlier: application payloads (DNS, PPTP, RST diagnostic text), where podlab's line ends
 * at the transport's {@code length N} and must be a prefix of tcpdump's; and protocols podlab
 * does not print (UDP applications, GRE), where the part before them must match.
 */
class TcpdumpParityTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("vxlan.pcap", "vxlan.out", new String[] {"-e"}),
                Arguments.of("vxlan_port_8472.pcap", "vxlan_port_8472.out", new String[] {"-e"}),
                Arguments.of("dns_tcp.pcap", "dns_tcp.out", new String[] {}),
                Arguments.of("dns_tcp.pcap", "dns_tcp-v.out", new String[] {"-v"}),
                Arguments.of("dns_udp.pcap", "dns_udp-v.out", new String[] {"-v"}),
                Arguments.of("pptp.pcap", "pptp.out", new String[] {}),
                Arguments.of("gso-ipv4-vxlan-ipv4.pcap", "gso-ipv4-vxlan-ipv4.out", new String[] {"-v"}),
                Arguments.of("tcp_rst_data-trunc.pcap", "tcp_rst_data-trunc.out", new String[] {}),
                Arguments.of("tcp_rst_data-trunc.pcap", "tcp_rst_data-trunc-v.out", new String[] {"-v"}),
                Arguments.of("tcp_header_heapoverflow.pcap", "tcp_header_heapoverflow.out", new String[] {"-v"}),
                Arguments.of("udp-length-heapoverflow.pcap", "udp-length-heapoverflow.out", new String[] {"-v"}),
                Arguments.of("ipv4_invalid_hdr_length.pcap", "ipv4_invalid_hdr_length.out", new String[] {"-v"}),
                Arguments.of("LINKTYPE_IPV4_invalid.pcap", "LINKTYPE_IPV4_invalid.out", new String[] {}),
                Arguments.of("LINKTYPE_IPV4_invalid.pcap", "LINKTYPE_IPV4_invalid-e.out", new String[] {"-e"}),
                Arguments.of("LINKTYPE_RAW_ipv4.pcap", "LINKTYPE_RAW_ipv4.out", new String[] {}),
                Arguments.of("LINKTYPE_IPV4.pcap", "LINKTYPE_IPV4-e.out", new String[] {"-e"}));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("cases")
    void decodeMatchesTcpdump(String capture, String expectedFile, String[] options) throws IOException {
        List<String> want = packets(Files.readAllLines(Shared.expected(expectedFile)));
        List<String> args = new ArrayList<>(List.of("decode"));
        args.addAll(List.of(options));
        args.add(Shared.corpus(capture).toString());
        Cli.Result result = Cli.run(args.toArray(String[]::new));
        assertThat(result.status()).as("exit status; %s", result).isZero();
        List<String> got = packets(List.of(result.outLines()));

        assertThat(got).as("packet count").hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
            String[] gotLines = got.get(i).split("\n");
            String[] wantLines = want.get(i).split("\n");
            assertThat(gotLines.length).as("lines of packet %d:\ngot  %s\nwant %s", i + 1, got.get(i), want.get(i))
                    .isEqualTo(wantLines.length);
            for (int j = 0; j < wantLines.length; j++) {
                assertThat(agrees(gotLines[j], wantLines[j]))
                        .as("packet %d line %d:\ngot  %s\nwant %s", i + 1, j + 1, gotLines[j], wantLines[j])
                        .isTrue();
            }
        }
    }

    private static final Pattern ENDS_WITH_LENGTH = Pattern.compile(".*, length \\d+$");
    private static final Pattern UDP_TAIL = Pattern.compile("^(.*: )UDP, length \\d+$");
    private static final Pattern OTHER_PROTOCOL = Pattern.compile("^(.*: )ip-proto-\\d+ \\d+$");

    static boolean agrees(String got, String want) {
        if (got.equals(want)) {
            return true;
        }
        // Application payload after the transport header: podlab stops at "length N".
        if (ENDS_WITH_LENGTH.matcher(got).matches() && want.startsWith(got)
                && (want.charAt(got.length()) == ' ' || want.charAt(got.length()) == ':')) {
            return true;
        }
        // UDP applications and GRE: tcpdump decodes them, podlab names the transport only.
        for (Pattern p : new Pattern[] {UDP_TAIL, OTHER_PROTOCOL}) {
            Matcher m = p.matcher(got);
            if (m.matches() && want.startsWith(m.group(1)) && want.length() > m.group(1).length()) {
                return true;
            }
        }
        return false;
    }

    /** Splits output into packets: a packet starts with tcpdump -#'s right-aligned number. */
    private static final Pattern NUMBERED = Pattern.compile("^ {0,4}\\d+  \\S+ \\S+ (.*)$");

    static List<String> packets(List<String> lines) {
        List<String> packets = new ArrayList<>();
        StringBuilder current = null;
        for (String line : lines) {
            Matcher m = NUMBERED.matcher(line);
            if (m.matches()) {
                if (current != null) {
                    packets.add(current.toString());
                }
                current = new StringBuilder(m.group(1));
            } else if (current != null && !line.isEmpty()) {
                current.append('\n').append(line);
            }
        }
        if (current != null) {
            packets.add(current.toString());
        }
        return packets;
    }
}
