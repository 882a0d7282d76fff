package dev.podlab.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Wireshark's command-line tools as the independent reference; skips when absent. */
public final class Tshark {
    public static final Path TSHARK = Path.of("/usr/bin/tshark");
    public static final Path CAPINFOS = Path.of("/usr/bin/capinfos");

    private Tshark() {}

    /** {@code tshark -n -r file -T fields -e f1 -e f2 ...}: one row per frame, one column per field. */
    public static List<String[]> fields(Path file, String... fields) throws IOException, InterruptedException {
        return fields(file, List.of(), fields);
    }

    /** As {@link #fields(Path, String...)} with extra tshark options (e.g. {@code -d udp.port==8472,vxlan}). */
    public static List<String[]> fields(Path file, List<String> options, String... fields)
            throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(TSHARK), TSHARK + " not installed: skipping the comparison with Wireshark");
        List<String> cmd = new ArrayList<>(List.of(TSHARK.toString(), "-n", "-r", file.toString(), "-T", "fields",
                "-E", "separator=/t"));
        cmd.addAll(options);
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        List<String[]> rows = new ArrayList<>();
        for (String line : run(cmd)) {
            rows.add(line.split("\t", -1));
        }
        return rows;
    }

    /** {@code capinfos -M -T -r -c -I file} machine-readable table: header row and one value row. */
    public static List<String> capinfos(Path file, String... options) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(CAPINFOS), CAPINFOS + " not installed: skipping the capinfos check");
        List<String> cmd = new ArrayList<>(List.of(CAPINFOS.toString()));
        cmd.addAll(List.of(options));
        cmd.add(file.toString());
        return run(cmd);
    }

    /**
     * The expert-information summary tshark prints for a file ({@code -q -z expert}), with extra
     * options such as {@code -o ip.check_checksum:TRUE}: the lines of its "Errors" section (a
     * malformed packet is an error too), empty when there are none.
     */
    public static List<String> expertErrors(Path file, String... options) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(TSHARK), TSHARK + " not installed: skipping the check with Wireshark");
        List<String> cmd = new ArrayList<>(List.of(TSHARK.toString(), "-n", "-r", file.toString()));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("-q", "-z", "expert"));
        List<String> errors = new ArrayList<>();
        boolean inErrors = false;
        for (String line : run(cmd)) {
            if (line.matches("^\\S.*\\(\\d+\\)$")) {
                inErrors = line.startsWith("Errors");
                continue;
            }
            if (inErrors && !line.startsWith("=") && !line.trim().startsWith("Frequency")) {
                errors.add(line.trim());
            }
        }
        return errors;
    }

    /** Runs tshark with the given arguments after {@code -n -r file}; its standard output lines. */
    public static List<String> run(Path file, String... args) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(TSHARK), TSHARK + " not installed: skipping the check with Wireshark");
        List<String> cmd = new ArrayList<>(List.of(TSHARK.toString(), "-n", "-r", file.toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private static List<String> run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                lines.add(line);
            }
        }
        return lines;
    }
}
