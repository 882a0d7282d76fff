package dev.podlab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.testing.Cli;
import dev.podlab.testing.Tshark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The shipped labs, the lab format's failure reporting, and {@code podlab probe} with its capture. */
class LabsAndProbeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VXLAN = "topologies/clusters/flannel-vxlan-3node.yaml";

    static Stream<String> shippedLabs() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("topologies/labs"))) {
            return files.map(Path::toString).filter(f -> f.endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shippedLabs")
    void shippedLabPassesEveryExpectation(String lab) {
        Cli.Result r = Cli.run("lab", "--color", "never", lab);
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.out()).contains("lab passed").doesNotContain("FAIL");
    }

    @Test
    void aFailingExpectationIsReportedWithThePathAndExit1(@TempDir Path dir) throws IOException {
        Path lab = dir.resolve("lab.yaml");
        Files.writeString(lab, """
                apiVersion: podlab.dev/v1alpha1
                kind: Lab
                metadata: {name: wrong}
                spec:
                  topology: [%s]
                  steps:
                  - probe: {from: default/busy1, to: default/busy2, port: 9999}
                    expect: connected
                  - probe: {from: default/busy1, to: default/busy2, proto: icmp}
                    expect: connected
                """.formatted(Path.of(VXLAN).toAbsolutePath()));
        Cli.Result r = Cli.run("lab", "--color", "never", lab.toString());
        assertThat(r.status()).as("%s", r).isEqualTo(1);
        assertThat(r.out()).contains("refused  FAIL (expected connected)")
                .contains("lab failed: 1 of 2 steps did not go as expected")
                // the failing probe's path is printed: the RST came back from busy2's kernel
                .contains("TCP port 9999 closed: RST sent");
    }

    @Test
    void badLabFileIsOneLineWithFileAndLine(@TempDir Path dir) throws IOException {
        Path lab = dir.resolve("lab.yaml");
        Files.writeString(lab, """
                apiVersion: podlab.dev/v1alpha1
                kind: Lab
                metadata: {name: bad}
                spec:
                  topology: [x.yaml]
                  steps:
                  - probe: {from: default/a}
                """);
        Cli.Result r = Cli.run("lab", lab.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("podlab lab: " + lab + ":7: spec.steps[0].probe.to: Required value\n");
    }

    @Test
    void probeAcrossNodesShowsTheFourVxlanStepsAndItsCaptureIsCleanInTshark(@TempDir Path dir) throws Exception {
        Path pcap = dir.resolve("probe.pcapng");
        Cli.Result r = Cli.run("probe", VXLAN, "--from", "default/busy1", "--to", "default/busy2", "--proto", "icmp",
                "--json", "--pcap", pcap.toString());
        assertThat(r.status()).as("%s", r).isZero();
        JsonNode result = JSON.readTree(r.out());
        assertThat(result.get("verdict").asText()).isEqualTo("connected");
        List<String> steps = new ArrayList<>();
        for (JsonNode hop : result.get("hops")) {
            if (hop.get("node").asText().equals("node1") && hop.get("device").asText().equals("flannel.1")
                    || hop.get("step").asText().equals("route-lookup") && hop.get("node").asText().equals("node1")) {
                steps.add(hop.get("step").asText());
            }
            assertThat(hop.has("t_ns") && hop.has("netns") && hop.has("detail")).isTrue();
        }
        // Seed 002's walkthrough: route lookup, neighbour lookup, FDB lookup, encapsulation, in that order.
        assertThat(steps).containsSubsequence("route-lookup", "neigh-lookup", "fdb-lookup", "encap");

        assertThat(Tshark.expertErrors(pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                "-o", "tcp.check_checksum:TRUE", "-d", "udp.port==8472,vxlan")).isEmpty();
        List<String[]> outer = Tshark.fields(pcap, List.of("-d", "udp.port==8472,vxlan", "-Y", "vxlan"),
                "frame.interface_name", "vxlan.vni", "ip.src", "ip.dst", "udp.dstport");
        assertThat(outer).isNotEmpty();
        for (String[] f : outer) {
            assertThat(f[1]).isEqualTo("1");
            assertThat(f[4]).isEqualTo("8472");
            assertThat(f[2]).isIn("192.168.1.11,10.244.0.3", "192.168.1.13,10.244.2.3");
            assertThat(f[3]).isIn("192.168.1.13,10.244.2.3", "192.168.1.11,10.244.0.3");
        }
    }

    @Test
    void probeToAMissingPodIsOneLine() {
        Cli.Result r = Cli.run("probe", VXLAN, "--from", "default/busy1", "--to", "default/nope");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().lines().toList()).singleElement().asString()
                .startsWith("podlab probe: probe --to: \"default/nope\" is neither a pod, a service nor an IPv4 address");
    }

    @Test
    void showPrintsTheNodesRoutesAsIpRouteDoes() {
        Cli.Result r = Cli.run("show", VXLAN, "node1", "routes");
        assertThat(r.status()).as("%s", r).isZero();
        // flannel.md section 2.3: one onlink route per remote subnet via its .0 address on flannel.1.
        assertThat(r.out()).contains("10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink \n")
                .contains("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n");
    }
}
