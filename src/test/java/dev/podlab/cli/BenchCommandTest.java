package dev.podlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.testing.Cli;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code podlab bench policy} as a user runs it, on a small cluster and short timings: the table
 * has a row per shape and size, the engines' verdicts were checked equal on every query (the
 * command refuses to report otherwise), and the plot is a PNG an image viewer opens. No timing
 * is asserted: figures belong in BENCHMARKS.md.
 */
class BenchCommandTest {
    @Test
    void printsATableAndWritesAPlot(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("scaling.png");
        Cli.Result r = Cli.run("bench", "policy", "--policies", "10,200", "--pods", "400", "--time-ms", "5",
                "--plot", png.toString());
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("apps ") || l.startsWith("one-app "))).hasSize(4);
        assertThat(r.out()).contains("apps: from 10 to 200 policies the index costs")
                .contains("one-app: from 10 to 200 policies").contains("plot: " + png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).isNotNull();
        assertThat(img.getWidth()).isGreaterThan(400);
    }

    @Test
    void badOptionsAreOneLineAndExit2() {
        Cli.Result shape = Cli.run("bench", "policy", "--shape", "circle");
        assertThat(shape.status()).isEqualTo(2);
        assertThat(shape.err().strip()).isEqualTo("podlab bench policy: --shape: Unsupported value: \"circle\": "
                + "supported values: \"apps\", \"one-app\", \"both\"");
        Cli.Result pods = Cli.run("bench", "policy", "--pods", "5");
        assertThat(pods.status()).isEqualTo(2);
        assertThat(pods.err().lines().count()).isEqualTo(1);
    }
}
