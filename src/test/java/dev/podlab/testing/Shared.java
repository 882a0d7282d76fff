package dev.podlab.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The read-only ../shared folder (capture corpus, references) that CI places beside the clone.
 * A user's clone has none: tests that need it are skipped with a message saying so.
 */
public final class Shared {
    private Shared() {}

    /** The shared folder, or a skipped test when it is absent. */
    public static Path dir() {
        Path dir = Path.of(System.getProperty("podlab.shared", "../shared"));
        assumeTrue(Files.isDirectory(dir), "../shared not found at " + dir.toAbsolutePath()
                + " (it holds the capture corpus; set -Dpodlab.shared=DIR): skipping");
        return dir;
    }

    /** {@code shared/corpus/pcap} when present, else null (for building parameter lists). */
    public static Path corpusOrNull() {
        Path dir = Path.of(System.getProperty("podlab.shared", "../shared"), "corpus", "pcap");
        return Files.isDirectory(dir) ? dir : null;
    }

    /** {@code shared/corpus/pcap}, or a skipped test. */
    public static Path corpus() {
        Path dir = dir().resolve("corpus").resolve("pcap");
        assumeTrue(Files.isDirectory(dir), "capture corpus not found at " + dir + ": skipping");
        return dir;
    }

    /** A file of the corpus, or a skipped test. */
    public static Path corpus(String name) {
        Path file = corpus().resolve(name);
        assumeTrue(Files.isRegularFile(file), "corpus file " + file + " not found: skipping");
        return file;
    }

    /** {@code shared/corpus/pcap/expected/NAME}: tcpdump's and libpcap's own expected outputs. */
    public static Path expected(String name) {
        Path file = corpus().resolve("expected").resolve(name);
        assumeTrue(Files.isRegularFile(file), "expected output " + file + " not found: skipping");
        return file;
    }
}
