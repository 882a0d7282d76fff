package dev.podlab.capture;

import dev.podlab.testing.Shared;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates the shared packet-capture corpus (see {@link Shared}). */
final class Corpus {
    static final String ABSENT = "<corpus absent>";

    private Corpus() {}

    static Path pcapDir() {
        return Shared.corpus();
    }

    static Path file(String name) {
        assumeTrue(!ABSENT.equals(name), "capture corpus absent: skipping");
        Path p = pcapDir().resolve(name);
        assumeTrue(Files.isRegularFile(p), p + " is absent: skipping");
        return p;
    }

    static Path expected(String name) {
        Path p = pcapDir().resolve("expected").resolve(name);
        assumeTrue(Files.isRegularFile(p), p + " is absent: skipping");
        return p;
    }

    /** Every capture file name in the corpus, or one placeholder (which skips) when it is absent. */
    static Stream<String> allFiles() throws IOException {
        Path dir = Shared.corpusOrNull();
        if (dir == null) {
            return Stream.of(ABSENT);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".pcap") || n.endsWith(".pcapng")).sorted().toList();
            return names.isEmpty() ? Stream.of(ABSENT) : names.stream();
        }
    }
}
