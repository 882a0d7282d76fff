package dev.podlab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The labs written from the walkthroughs users follow (labs 10 and up in {@code topologies/labs}):
 * each passes every expectation, and each shows a Felix rule or ipset (lab 10, plain flannel,
 * shows that there is none).
 */
class SeedLabsTest {
    private static final Pattern SEED_LAB = Pattern.compile("([1-9]\\d)-.*\\.yaml");

    static Stream<String> seedLabs() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("topologies/labs"))) {
            return files.filter(f -> SEED_LAB.matcher(f.getFileName().toString()).matches())
                    .map(Path::toString).sorted().toList().stream();
        }
    }

    @Test
    void everyWalkthroughHasItsLab() throws IOException {
        List<String> labs = seedLabs().map(l -> Path.of(l).getFileName().toString()).toList();
        assertThat(labs).hasSizeGreaterThanOrEqualTo(12);
        assertThat(labs).anyMatch(l -> l.contains("default-policies")).anyMatch(l -> l.contains("canal-walkthrough"))
                .anyMatch(l -> l.contains("namespace-isolation")).anyMatch(l -> l.contains("access-nginx"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seedLabs")
    void seedLabPassesEveryExpectation(String lab) throws IOException {
        Cli.Result r = Cli.run("lab", "--color", "never", lab);
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.out()).as("%s", r).contains("lab passed").doesNotContain("FAIL");
        String text = Files.readString(Path.of(lab));
        assertThat(text).containsPattern("view: (iptables|ipsets)");
        if (!text.contains("flannel-vxlan-3node.yaml")) {
            // a canal lab: Felix enforces, so something is dropped, and the topology is canal's
            assertThat(r.out()).as("%s", r).contains("(canal)").contains(": dropped  PASS");
        }
    }
}
