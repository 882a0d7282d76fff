package dev.podlab.kernel;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real Linux network namespaces for one test: each is named {@code pdl-XXXXXX-NAME} with a random
 * prefix of its own, so concurrent or leftover runs never collide with each other or with the
 * host's namespaces. Every command runs with a timeout; {@link #close()} stops the background
 * processes this object started and deletes exactly the namespaces it created (a JVM shutdown
 * hook does the same if the test is interrupted).
 */
final class KernelNetns implements AutoCloseable {
    /** The exit status and output of one command; exit -1 when it was killed at its timeout. */
    record Result(List<String> command, int exit, String stdout, String stderr) {
        boolean ok() {
            return exit == 0;
        }

        /** A one-line description for assertion messages. */
        String describe() {
            return String.join(" ", command) + " -> exit " + exit + (stdout.isBlank() ? "" : "\nstdout: " + stdout.strip())
                    + (stderr.isBlank() ? "" : "\nstderr: " + stderr.strip());
        }
    }

    private static final Duration DELETE_TIMEOUT = Duration.ofSeconds(5);
    /** Where Debian keeps ip, iptables, conntrack and sysctl, in case the JVM's PATH lacks them. */
    private static final String SBIN = "/usr/local/sbin:/usr/sbin:/sbin";

    private final String prefix;
    private final Set<String> created = new LinkedHashSet<>();
    private final List<Process> background = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::cleanUp, "kernel-netns-cleanup");
    private boolean closed;

    KernelNetns() {
        byte[] r = new byte[3];
        new SecureRandom().nextBytes(r);
        this.prefix = "pdl-" + HexFormat.of().formatHex(r) + "-";
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The kernel's name of the test's namespace {@code name}. */
    String name(String name) {
        return prefix + name;
    }

    String prefix() {
        return prefix;
    }

    /** {@code ip netns add PREFIX+name}; the namespace is deleted by {@link #close()}. */
    Result add(String name) {
        if (created.contains(name(name))) {
            return new Result(List.of("ip", "netns", "add", name(name)), 0, "", "");
        }
        Result r = run(Duration.ofSeconds(5), List.of("ip", "netns", "add", name(name)));
        if (r.ok()) {
            created.add(name(name));
        }
        return r;
    }

    /** {@code ip netns exec PREFIX+ns ARGV...} with a timeout. */
    Result exec(String ns, Duration timeout, List<String> argv) {
        return run(timeout, inNetns(ns, argv));
    }

    /**
     * Starts {@code ARGV} in a namespace in the background and waits up to {@code ready} for its
     * first line of output (a server saying it listens). The process is killed by {@link #close()}.
     */
    String startBackground(String ns, List<String> argv, Duration ready) {
        ProcessBuilder pb = new ProcessBuilder(inNetns(ns, argv)).redirectErrorStream(true);
        environment(pb.environment());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + argv, e);
        }
        background.add(p);
        BlockingQueue<String> first = new ArrayBlockingQueue<>(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line = in.readLine();
                first.offer(line == null ? "<exited>" : line);
                while (in.readLine() != null) {
                    // drain so the process never blocks on a full pipe
                }
            } catch (IOException e) {
                first.offer("<" + e.getMessage() + ">");
            }
        }, "netns-bg-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            String line = first.poll(ready.toMillis(), TimeUnit.MILLISECONDS);
            return line == null ? "<no output within " + ready.toMillis() + " ms>" : line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "<interrupted>";
        }
    }

    /** A script line as argv; {@code netns NAME} becomes the test's real namespace name. */
    List<String> argv(String line) {
        List<String> words = new ArrayList<>(Arrays.asList(line.trim().split("\\s+")));
        for (int i = 0; i + 1 < words.size(); i++) {
            if (words.get(i).equals("netns")) {
                words.set(i + 1, name(words.get(i + 1)));
            }
        }
        return words;
    }

    private List<String> inNetns(String ns, List<String> argv) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name(ns)));
        cmd.addAll(argv);
        return cmd;
    }

    /** Runs a command on the host with a timeout, output captured to files (no pipe can fill up). */
    static Result run(Duration timeout, List<String> command) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("netns-out", ".txt");
            err = Files.createTempFile("netns-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            environment(pb.environment());
            Process p = pb.start();
            int exit;
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                exit = p.exitValue();
            } else {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
                exit = -1;
            }
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            if (exit == -1) {
                stderr += "\n<killed after " + timeout.toMillis() + " ms>";
            }
            return new Result(command, exit, Files.readString(out, StandardCharsets.UTF_8), stderr);
        } catch (IOException e) {
            return new Result(command, 127, "", String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(command, -1, "", "interrupted");
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void environment(Map<String, String> env) {
        String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("PATH", path + ":" + SBIN);
        env.put("LC_ALL", "C");
    }

    /**
     * Skips the calling test (JUnit assumption, with the reason) unless this process is root and
     * each tool is installed; {@code tools} are pairs of a command and its Debian package.
     */
    static void assumeRootAndTools(String test, List<String[]> tools) {
        assumeTrue(isRoot(), "not root: " + test + " needs network namespaces");
        for (String[] tool : tools) {
            assumeTrue(onPath(tool[0]), tool[0] + " is not installed (Debian package " + tool[1] + ")");
        }
    }

    /** True when {@code tool} is an executable file on the PATH (or in the sbin directories). */
    static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":" + SBIN;
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** True when this process runs as root (uid 0, read from {@code /proc/self/status}). */
    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** Deletes a work directory and everything in it; null does nothing. */
    static void deleteTree(Path dir) throws IOException {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** {@code Thread.sleep}, an interrupt becoming an IllegalStateException (the flag kept). */
    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    /** Kills the background processes, then deletes the namespaces this object created. */
    @Override
    public void close() {
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // already shutting down: the hook is running or ran
        }
    }

    private synchronized void cleanUp() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : background) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : background) {
            try {
                if (!p.waitFor(1, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(1, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : created) {
            run(DELETE_TIMEOUT, List.of("ip", "netns", "del", ns));
        }
        created.clear();
    }
}
