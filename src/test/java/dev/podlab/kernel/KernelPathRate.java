package dev.podlab.kernel;

import dev.podlab.bench.CrossNodeUdpBench;
import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.yaml.TopologyLoader;
import dev.podlab.packet.Ipv4Address;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * How fast the real kernel forwards the path {@code CrossNodeUdpBench} emulates, measured on this
 * machine and in the same minutes as podlab: the two-node flannel VXLAN cluster of {@link
 * FlannelScenario} in real network namespaces (with the nodes' iptables rules, so conntrack and the
 * rule walks run as in podlab), a sender in pod a blasting 64-byte UDP frames at pod b with
 * {@code sendmmsg}, and the datagrams that reached b's UDP layer counted ({@code Udp InDatagrams +
 * RcvbufErrors} of b's {@code /proc/net/snmp}: b's socket never reads, so past its buffer they are
 * dropped there, after the whole path). The sender is pinned to one CPU, which does the whole path:
 * a veth hands a frame to the backlog of the CPU it runs on, drained as the sender leaves its
 * bottom-half section (or by that CPU's ksoftirqd).
 *
 * <p>Rounds alternate a kernel slice and a podlab slice of the same length ({@code
 * CrossNodeUdpBench.sendOne} in a loop, in this JVM), so drift of the shared machine hits both; the
 * figures are each round's two rates and their ratio, and the medians.
 *
 * <pre>
 * MAVEN_OPTS="-XX:+UseParallelGC -Xmx8g" mvn -q test-compile exec:java \
 *     -Dexec.mainClass=dev.podlab.kernel.KernelPathRate -Dexec.classpathScope=test -Dexec.args="ROUNDS SLICE_SECONDS [vxlan|host-gw]"
 * </pre>
 *
 * {@code exec:java} runs in Maven's JVM: {@code MAVEN_OPTS} gives it the collector and heap of the
 * JMH fork and of {@code ./podlab} (with G1 the same loop runs about a quarter slower).
 *
 * Needs root, iproute2, iptables, ethtool and gcc (the sender is a small C program compiled here).
 */
public final class KernelPathRate {
    private static final Duration COMMAND = Duration.ofSeconds(5);

    /** The sender ({@code send DST PORT SECONDS}: connected UDP socket, 22-byte payload, batches of 64) and the sink. */
    static final String BLAST_C = """
            #define _GNU_SOURCE
            #include <arpa/inet.h>
            #include <netinet/in.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/socket.h>
            #include <time.h>
            #include <unistd.h>

            static double now(void) {
                struct timespec t;
                clock_gettime(CLOCK_MONOTONIC, &t);
                return t.tv_sec + t.tv_nsec / 1e9;
            }

            int main(int argc, char **argv) {
                int s = socket(AF_INET, SOCK_DGRAM, 0);
                if (argc == 4 && strcmp(argv[1], "sink") == 0) {
                    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
                    if (bind(s, (struct sockaddr *) &a, sizeof a) != 0) { perror("bind"); return 1; }
                    printf("LISTENING\\n");
                    fflush(stdout);
                    sleep(atoi(argv[3]));
                    return 0;
                }
                if (argc != 5 || strcmp(argv[1], "send") != 0) {
                    fprintf(stderr, "usage: blast send DST PORT SECONDS | blast sink PORT SECONDS\\n");
                    return 2;
                }
                struct sockaddr_in d = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
                inet_pton(AF_INET, argv[2], &d.sin_addr);
                if (connect(s, (struct sockaddr *) &d, sizeof d) != 0) { perror("connect"); return 1; }
                static char payload[22];
                struct iovec iov = {payload, sizeof payload};
                struct mmsghdr m[64];
                memset(m, 0, sizeof m);
                for (int i = 0; i < 64; i++) { m[i].msg_hdr.msg_iov = &iov; m[i].msg_hdr.msg_iovlen = 1; }
                double secs = atof(argv[4]), t0 = now(), t = t0;
                long sent = 0;
                while (t - t0 < secs) {
                    int n = sendmmsg(s, m, 64, 0);
                    if (n > 0) sent += n;
                    t = now();
                }
                printf("%ld %.6f\\n", sent, t - t0);
                return 0;
            }
            """;

    private KernelPathRate() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        double slice = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
        String backend = args.length > 2 ? args[2] : "vxlan";
        if (!KernelNetns.isRoot()) {
            System.err.println("KernelPathRate: needs root (network namespaces)");
            System.exit(2);
        }
        for (String tool : List.of("ip", "iptables", "ethtool", "taskset", "gcc")) {
            if (!KernelNetns.onPath(tool)) {
                System.err.println("KernelPathRate: " + tool + " is not installed");
                System.exit(2);
            }
        }
        Cluster cluster = Cluster.build(TopologyLoader.loadString(FlannelScenario.topology(backend),
                "flannel-" + backend + ".yaml"));
        Path work = Files.createTempDirectory("podlab-kernel-rate-");
        try (KernelNetns netns = new KernelNetns()) {
            StringBuilder log = new StringBuilder();
            FlannelScenario.buildKernel(netns, cluster, FlannelScenario.kernelSetup(cluster), work, log);
            Path src = Files.writeString(work.resolve("blast.c"), BLAST_C);
            Path blast = work.resolve("blast");
            FlannelScenario.require(log, KernelNetns.run(Duration.ofSeconds(60),
                    List.of("gcc", "-O2", "-o", blast.toString(), src.toString())));
            String ready = netns.startBackground("b", List.of(blast.toString(), "sink",
                    String.valueOf(FlannelScenario.UDP_DPORT), "3600"), COMMAND);
            if (!ready.equals("LISTENING")) {
                throw new IllegalStateException("the sink in b did not start: " + ready);
            }
            String dst = Ipv4Address.toString(cluster.pod("default/b").ip());

            CrossNodeUdpBench podlab = new CrossNodeUdpBench();
            podlab.nodes = 3;
            podlab.netfilter = "full";
            podlab.backend = backend;
            podlab.setUp();

            System.out.println("podlab's JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                    + ", collectors " + ManagementFactory.getGarbageCollectorMXBeans().stream()
                            .map(GarbageCollectorMXBean::getName).toList()
                    + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
            System.out.printf(Locale.ROOT, "%-6s %14s %14s %14s %8s%n", "round", "kernel sent/s", "kernel pkt/s",
                    "podlab pkt/s", "ratio");
            List<double[]> results = new ArrayList<>();
            for (int r = -1; r < rounds; r++) { // the first round warms both up and is not counted
                double[] k = kernelSlice(netns, blast, dst, slice, log);
                double p = podlabSlice(podlab, slice);
                if (r >= 0) {
                    results.add(new double[] {k[0], k[1], p, p / k[1]});
                    System.out.printf(Locale.ROOT, "%-6d %,14.0f %,14.0f %,14.0f %8.2f%n", r + 1, k[0], k[1], p, p / k[1]);
                }
            }
            System.out.printf(Locale.ROOT, "%-6s %,14.0f %,14.0f %,14.0f %8.2f%n", "median", median(results, 0),
                    median(results, 1), median(results, 2), median(results, 3));
        } finally {
            KernelNetns.deleteTree(work);
        }
    }

    /** Datagrams per second sent by a, and that reached b's UDP layer, while the sender ran for {@code seconds}. */
    private static double[] kernelSlice(KernelNetns netns, Path blast, String dst, double seconds, StringBuilder log)
            throws IOException {
        long before = udpArrived(netns, log);
        // Pinned to CPU 0: the whole path runs there (the veth backlogs are that CPU's, and so is
        // its ksoftirqd should the softirq be deferred).
        KernelNetns.Result r = netns.exec("a", Duration.ofSeconds((long) seconds + 10), List.of("taskset", "-c", "0",
                blast.toString(), "send", dst, String.valueOf(FlannelScenario.UDP_DPORT), String.valueOf(seconds)));
        FlannelScenario.require(log, r);
        long after = udpArrived(netns, log);
        String[] out = r.stdout().trim().split("\\s+");
        double elapsed = Double.parseDouble(out[1]);
        return new double[] {Long.parseLong(out[0]) / elapsed, (after - before) / elapsed};
    }

    /** {@code Udp: InDatagrams + RcvbufErrors} in b. */
    private static long udpArrived(KernelNetns netns, StringBuilder log) {
        KernelNetns.Result r = netns.exec("b", COMMAND, List.of("cat", "/proc/net/snmp"));
        FlannelScenario.require(log, r);
        String[] names = null;
        for (String line : r.stdout().split("\n")) {
            if (!line.startsWith("Udp: ")) {
                continue;
            }
            String[] f = line.substring(5).trim().split("\\s+");
            if (names == null) {
                names = f;
                continue;
            }
            long sum = 0;
            for (int i = 0; i < f.length; i++) {
                if (names[i].equals("InDatagrams") || names[i].equals("RcvbufErrors")) {
                    sum += Long.parseLong(f[i]);
                }
            }
            return sum;
        }
        throw new IllegalStateException("no Udp line in b's /proc/net/snmp:\n" + r.stdout());
    }

    private static double podlabSlice(CrossNodeUdpBench bench, double seconds) {
        long sent = 0;
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        long t;
        do {
            for (int i = 0; i < 1000; i++) {
                bench.sendOne();
            }
            sent += 1000;
            t = System.nanoTime();
        } while (t < end);
        return sent / ((t - t0) / 1e9);
    }

    private static double median(List<double[]> rows, int column) {
        List<Double> v = new ArrayList<>();
        for (double[] row : rows) {
            v.add(row[column]);
        }
        Collections.sort(v);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }
}
