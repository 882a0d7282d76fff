package dev.podlab.topologies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.podlab.testing.Cli;
import dev.podlab.testing.Tshark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The capture the README's first command decodes: it must be exactly what its generator builds
 * (so it cannot drift from the code), open cleanly in Wireshark with checksum validation on, show
 * flannel's VXLAN encoding (UDP 8472, VNI 1, node underlay addresses outside, pod addresses
 * inside) and decode in podlab with the inner packets.
 */
class ShippedCaptureTest {
    private static final Path SHIPPED = Path.of(FlannelVxlanCapture.FILE);

    @Test
    void shippedCaptureIsWhatTheGeneratorBuilds() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new FlannelVxlanCapture().write(out);
        if (Boolean.getBoolean("podlab.regenerate")) {
            Files.createDirectories(SHIPPED.getParent());
            Files.write(SHIPPED, out.toByteArray());
        }
        assertThat(Files.readAllBytes(SHIPPED))
                .as("%s differs from its generator; regenerate with -Dpodlab.regenerate=true and review", SHIPPED)
                .isEqualTo(out.toByteArray());
    }

    @Test
    void tsharkFindsNoMalformedPacketNorExpertErrorWithChecksumsValidated() throws Exception {
        List<String> errors = Tshark.expertErrors(SHIPPED, "-o", "ip.check_checksum:TRUE",
                "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-d", "udp.port==8472,vxlan");
        assertThat(errors).as("tshark expert errors").isEmpty();
    }

    @Test
    void tsharkDecodesFlannelVxlanOnPort8472WithVni1NodeOuterAndPodInnerAddresses() throws Exception {
        List<String[]> rows = Tshark.fields(SHIPPED, List.of("-d", "udp.port==8472,vxlan"), "frame.interface_name", "udp.dstport", "vxlan.vni", "ip.src",
                "ip.dst", "ip.ttl", "ip.flags.df");
        List<String[]> outer = rows.stream().filter(r -> r[0].endsWith("/eth0")).toList();
        assumeTrue(!rows.isEmpty(), "tshark printed nothing");
        assertThat(outer).as("frames on the underlay").hasSize(2 * 9);
        for (String[] r : outer) {
            assertThat(r[1]).as("UDP destination port").isEqualTo("8472");
            assertThat(r[2]).as("VNI").isEqualTo("1");
            // Outer then inner addresses: node underlay IPs, then the pods.
            boolean toB = r[3].startsWith("192.168.1.11");
            assertThat(r[3]).isEqualTo(toB ? "192.168.1.11,10.244.1.2" : "192.168.1.12,10.244.2.3");
            assertThat(r[4]).isEqualTo(toB ? "192.168.1.12,10.244.2.3" : "192.168.1.11,10.244.1.2");
            // Outer TTL 64 with DF clear (vxlan device defaults); inner TTL 63 after one routing hop.
            assertThat(r[5]).isEqualTo("64,63");
            assertThat(r[6]).startsWith("0,");
        }
        List<String[]> delivered = rows.stream()
                .filter(r -> r[0].equals("node2/veth-pod-b") && r[3].equals("10.244.1.2")).toList();
        assertThat(delivered).as("segments delivered to pod B").isNotEmpty();
        assertThat(delivered).allSatisfy(r -> assertThat(r[5]).as("TTL at pod B after two routing hops")
                .isEqualTo("62"));
    }

    @Test
    void podlabDecodeShowsTheInnerPacketOfEveryVxlanFrame() {
        Cli.Result r = Cli.run("decode", SHIPPED.toString());
        assertThat(r.status()).as("%s", r).isZero();
        String[] lines = r.outLines();
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains("node1/eth0") || lines[i].contains("node2/eth0")) {
                assertThat(lines[i]).contains(".8472: VXLAN, flags [I] (0x08), vni 1");
                assertThat(lines[i + 1]).matches("IP 10\\.244\\.(1\\.2\\.43512 > 10\\.244\\.2\\.3\\.80"
                        + "|2\\.3\\.80 > 10\\.244\\.1\\.2\\.43512): Flags .*");
            }
        }
    }
}
