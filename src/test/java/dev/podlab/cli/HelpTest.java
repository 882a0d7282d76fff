package dev.podlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.testing.Cli;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --help} and {@code -h} after any command print that command's usage and succeed, as a
 * user trying a command for the first time expects; they used to fail with the command's
 * "Missing required options" instead.
 */
class HelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"decode", "probe", "matrix", "explain", "show", "lab", "bench", "bench policy"})
    void everyCommandAnswersHelpWithItsUsage(String command) {
        for (String flag : new String[] {"--help", "-h"}) {
            String[] args = (command + " " + flag).split(" ");
            Cli.Result r = Cli.run(args);
            assertThat(r.status()).as("%s %s: %s", command, flag, r).isZero();
            assertThat(r.out()).as("%s %s", command, flag).startsWith("Usage: podlab " + command + " [")
                    .contains("-h, --help ");
            assertThat(r.err()).as("%s %s", command, flag).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"probe", "bench policy"})
    void everyCommandPrintsTheVersion(String command) {
        Cli.Result r = Cli.run((command + " --version").split(" "));
        assertThat(r.status()).isZero();
        assertThat(r.out().strip()).isEqualTo("podlab 0.1.0");
    }
}
