package dev.podlab.net;

import dev.podlab.testing.Shared;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads node-state excerpts from the shared reference notes (/work/shared/reference), the
 * independent source the views are checked against. Markdown trims trailing blanks, so callers
 * compare lines with trailing whitespace removed.
 */
final class Reference {
    private Reference() {}

    static Path dir() {
        Path dir = Shared.dir().resolve("reference");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(dir),
                dir + " not found: skipping the comparison with the reference notes");
        return dir;
    }

    /**
     * The output lines printed after the line {@code prompt} (e.g. {@code "$ ip route"}) in a fenced
     * block of {@code file}, up to the next prompt, blank line or fence.
     */
    static List<String> output(String file, String prompt) {
        List<String> lines;
        try {
            lines = Files.readAllLines(dir().resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(prompt)) {
                List<String> out = new ArrayList<>();
                for (int j = i + 1; j < lines.size(); j++) {
                    String l = lines.get(j);
                    if (l.isBlank() || l.startsWith("```") || l.startsWith("$ ") || l.startsWith("# ")
                            || l.matches("^[a-z]+# .*")) {
                        break;
                    }
                    out.add(stripTrailing(l));
                }
                return out;
            }
        }
        throw new AssertionError("prompt \"" + prompt + "\" not found in " + file);
    }

    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String l : text.split("\n", -1)) {
            out.add(l);
        }
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    static List<String> trimmedLines(String text) {
        List<String> out = new ArrayList<>();
        for (String l : lines(text)) {
            out.add(stripTrailing(l));
        }
        return out;
    }

    static String stripTrailing(String s) {
        return s.replaceAll("\\s+$", "");
    }
}
