package dev.podlab.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A/B of {@link CrossNodeUdpBench} between two built checkouts, for a machine whose speed drifts
 * by more than the difference sought. JMH's alternating runs compare forks minutes apart, and on
 * a shared machine fork means of one commit spread by ±15 %. Here one JVM per checkout is kept
 * alive and the two take turns: each runs the datagram loop for a slice (300 ms), then waits
 * while the other runs its slice, the order swapped every round. A round's two rates were
 * measured within a second of each other, so their ratio cancels most of the drift; the median
 * ratio over the rounds is the result. Before them, a fifth as many rounds (at least 10) warm up.
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.mainClass=dev.podlab.bench.PairedAb -Dexec.classpathScope=test \
 *     -Dexec.args="../podlab-base . 60 300"
 * </pre>
 *
 * Arguments: checkout A, checkout B (each built with {@code mvn test-compile}), rounds, slice in
 * milliseconds, then optionally nodes (3) and netfilter ({@code full}); {@code DIR:VALUE} gives one
 * side its own netfilter setting. One checkout measured against itself gave median ratios of
 * 1.004 and 0.971 over 60 rounds: differences of a few per cent are resolved, not of one
 * (BENCHMARKS.md, fifth round). Each worker runs with {@code ./podlab}'s collector (ParallelGC).
 */
public final class PairedAb {
    private PairedAb() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 0 && args[0].equals("worker")) {
            worker(args[1], args[2], Long.parseLong(args[3]) * 1_000_000L);
            return;
        }
        if (args.length < 4) {
            System.err.println("usage: PairedAb DIR_A DIR_B ROUNDS SLICE_MS [NODES] [NETFILTER]");
            System.exit(2);
        }
        int rounds = Integer.parseInt(args[2]);
        String slice = args[3];
        String nodes = args.length > 4 ? args[4] : "3";
        String netfilter = args.length > 5 ? args[5] : "full";
        Path self = Files.createTempDirectory("paired-ab");
        copySelf(self);
        Side a = new Side(args[0], nodes, netfilter, slice, self);
        Side b = new Side(args[1], nodes, netfilter, slice, self);
        int warm = Math.max(10, rounds / 5);
        double[] ra = new double[rounds];
        double[] rb = new double[rounds];
        for (int r = 0; r < warm + rounds; r++) {
            double x;
            double y;
            if (r % 2 == 0) {
                x = a.slice();
                y = b.slice();
            } else {
                y = b.slice();
                x = a.slice();
            }
            if (r >= warm) {
                ra[r - warm] = x;
                rb[r - warm] = y;
            }
        }
        a.close();
        b.close();
        double[] ratio = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            ratio[i] = rb[i] / ra[i];
        }
        System.out.printf("A %s: median %.0f datagrams/s%n", a.name, median(ra));
        System.out.printf("B %s: median %.0f datagrams/s%n", b.name, median(rb));
        Arrays.sort(ratio);
        System.out.printf("B/A: median %.3f, quartiles %.3f and %.3f, %d rounds%n", median(ratio),
                ratio[rounds / 4], ratio[3 * rounds / 4], rounds);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** The jars this class was loaded with (Maven's exec:java loads it through a URL class loader). */
    private static List<String> jars() {
        List<String> jars = new ArrayList<>();
        if (PairedAb.class.getClassLoader() instanceof URLClassLoader l) {
            for (URL u : l.getURLs()) {
                if (u.getPath().endsWith(".jar")) {
                    jars.add(new File(u.getPath()).getPath());
                }
            }
        }
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.endsWith(".jar") && !e.contains("plexus-classworlds")) {
                jars.add(e);
            }
        }
        return jars;
    }

    /** This class, copied where both workers find it ahead of their checkout's classes. */
    private static void copySelf(Path dir) throws IOException {
        String name = PairedAb.class.getName().replace('.', '/') + ".class";
        Path to = dir.resolve(name);
        Files.createDirectories(to.getParent());
        try (var in = PairedAb.class.getClassLoader().getResourceAsStream(name)) {
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** One checkout's worker JVM. */
    private static final class Side {
        final String name;
        final Process process;
        final PrintWriter to;
        final BufferedReader from;

        Side(String spec, String nodes, String netfilter, String slice, Path self) throws IOException {
            int colon = spec.indexOf(':');
            String dir = colon < 0 ? spec : spec.substring(0, colon);
            String nf = colon < 0 ? netfilter : spec.substring(colon + 1);
            this.name = spec;
            // The dependencies are this JVM's jars; the classes are the checkout's.
            List<String> cp = new ArrayList<>(
                    List.of(self.toString(), dir + "/target/classes", dir + "/target/test-classes"));
            for (String e : jars()) {
                cp.add(e);
            }
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+UseParallelGC", "-Xmx8g", "-cp", String.join(File.pathSeparator, cp),
                    PairedAb.class.getName(), "worker", nodes, nf, slice)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            to = new PrintWriter(process.getOutputStream(), true);
            from = new BufferedReader(new InputStreamReader(process.getInputStream()));
            String ready = from.readLine();
            if (!"ready".equals(ready)) {
                throw new IOException(spec + ": worker did not start (" + ready + ")");
            }
        }

        double slice() throws IOException {
            to.println("go");
            return Double.parseDouble(from.readLine());
        }

        void close() throws InterruptedException {
            to.println("quit");
            process.waitFor();
        }
    }

    /** Sets the benchmark up, then runs one slice per "go" line and prints its rate. */
    private static void worker(String nodes, String netfilter, long sliceNs) throws IOException {
        CrossNodeUdpBench bench = new CrossNodeUdpBench();
        bench.nodes = Integer.parseInt(nodes);
        bench.netfilter = netfilter;
        bench.setUp();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        System.out.println("ready");
        System.out.flush();
        long sink = 0;
        for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
            long start = System.nanoTime();
            long end = start + sliceNs;
            long ops = 0;
            long now;
            do {
                for (int i = 0; i < 256; i++) {
                    sink += bench.sendOne();
                }
                ops += 256;
                now = System.nanoTime();
            } while (now < end);
            System.out.println(ops * 1e9 / (now - start));
            System.out.flush();
        }
        if (sink == 42) {
            System.out.println(); // keeps the results live
        }
    }
}
