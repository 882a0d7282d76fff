package dev.podlab.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A differential test of podlab's emulated node against the real Linux kernel: {@link Scenario}
 * builds the same topology in real network namespaces ({@code ip netns}, veth, bridge, iptables
 * with the nf_tables backend, conntrack) and in podlab, sends the same probes in both, and
 * compares what each world shows.
 *
 * <pre>
 *   a 10.0.0.2 ─ eth0═vetha ┐                              ┌ vethc═eth0 ─ c 10.0.1.2
 *                           ├ br0 10.0.0.1/24  router r    │  10.0.1.1/24   mtu 1000
 *   b 10.0.0.3 ─ eth0═vethb ┘   ip_forward=1  ─────────────┘  TCP server :8080 (keeps connections open)
 *
 *   r nat:    PREROUTING -d 10.96.0.10 -p tcp --dport 80 -j DNAT --to-destination 10.0.1.2:8080
 *   r filter: FORWARD ctstate RELATED,ESTABLISHED ACCEPT
 *             FORWARD -s 10.0.0.3 -p tcp --dport 8080 REJECT --reject-with icmp-admin-prohibited
 *             FORWARD -p udp --dport 9999 DROP
 * </pre>
 *
 * Probes, one after the other: a pings b across the bridge and c through the router; a connects
 * to 10.96.0.10:80 (DNATed to c's server) and to c's closed port 8081 (RST); a sends a UDP
 * datagram to c's closed port 5000 (ICMP port unreachable); a pings c with DF and 1400 data bytes
 * (ICMP fragmentation needed, mtu 1000, from the router); b connects to c:8080 (REJECTed with
 * ICMP communication administratively prohibited) and sends UDP to c:9999 (DROPped: timeout).
 *
 * <p>Compared (the script sets every MAC a neighbour table can show, so lines compare whole):
 * <ul>
 *   <li>each probe's outcome: reply and its TTL, connected, refused, errno, ICMP type/code and the
 *       reporting address, MTU, timed out;</li>
 *   <li>{@code ip route} of the router and of a, b, c: line for line, trailing blanks removed;</li>
 *   <li>{@code ip -4 neigh} of the router and of a, b, c: right after the traffic (entries the
 *       router forwarded to are in DELAY for 5 s, those it resolved itself REACHABLE; compared
 *       only when the real traffic took under 4 s, so no DELAY timer has fired yet), and again
 *       once both worlds have no DELAY, PROBE or INCOMPLETE entry (all REACHABLE then, well inside
 *       the 15 s minimum reachable time); sorted, because the kernel prints its hash buckets in
 *       seed order;</li>
 *   <li>{@code conntrack -L} in the router: TCP, UDP and ICMP entries, state, flags and both
 *       tuples (the NAT reply tuple included), with ephemeral ports and echo ids normalised, and
 *       the remaining timeouts equal within the difference of the two worlds' elapsed times; the
 *       kernel's own IGMP reports also leave entries, which podlab (no IGMP) does not have;</li>
 *   <li>{@code iptables-save -c} in the router: every table, chain, policy counter, rule and rule
 *       counter.</li>
 * </ul>
 *
 * <p>Skipped (with the reason) when not root, when {@code ip netns} or iptables does not work in a
 * namespace, or when a tool is missing. Needs the Debian packages iproute2, iptables, conntrack,
 * iputils-ping, procps (sysctl) and python3.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelDifferentialTest {
    /** Tools and the Debian packages that provide them. */
    private static final List<String[]> TOOLS = List.of(
            new String[] {"ip", "iproute2"},
            new String[] {"iptables", "iptables"},
            new String[] {"iptables-save", "iptables"},
            new String[] {"conntrack", "conntrack"},
            new String[] {"ping", "iputils-ping"},
            new String[] {"sysctl", "procps"},
            new String[] {"python3", "python3"});

    /** The kernel's traffic must end before the first DELAY timer (5 s) for the immediate neigh view. */
    private static final long NEIGH_IMMEDIATE_LIMIT_NS = 4_000_000_000L;

    private KernelNetns netns;
    private Path workDir;
    private Snapshot kernel;
    private Snapshot podlab;

    @BeforeAll
    void runBothWorlds() throws IOException {
        KernelNetns.assumeRootAndTools("the kernel differential test", TOOLS);
        netns = new KernelNetns();
        KernelNetns.Result add = netns.add(Scenario.ROUTER);
        assumeTrue(add.ok(), "ip netns does not work here: " + add.describe());
        KernelNetns.Result ipt = netns.exec(Scenario.ROUTER, Duration.ofSeconds(5), List.of("iptables", "-n", "-L"));
        assumeTrue(ipt.ok(), "iptables does not work in a network namespace here: " + ipt.describe());
        KernelNetns.Result ct = netns.exec(Scenario.ROUTER, Duration.ofSeconds(5), List.of("conntrack", "-L"));
        assumeTrue(ct.ok(), "conntrack does not work in a network namespace here: " + ct.describe());

        podlab = new PodlabWorld().run();
        workDir = Files.createTempDirectory("podlab-kernel-");
        kernel = new KernelWorld(netns, workDir).run();
        if (Boolean.getBoolean("podlab.kernel.print")) {
            System.out.println(describe("kernel", kernel) + describe("podlab", podlab));
        }
    }

    private static String describe(String world, Snapshot s) {
        return "==== " + world + " (traffic " + s.trafficNanos() / 1_000_000 + " ms)\n" + String.join("\n", s.outcomes())
                + "\n-- ip route\n" + s.routes() + "-- ip -4 neigh after\n" + s.neighAfter() + "-- ip -4 neigh settled\n"
                + s.neighSettled() + "-- conntrack -L\n" + s.conntrack() + "-- iptables-save -c\n" + s.iptablesSave();
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (netns != null) {
            netns.close();
        }
        KernelNetns.deleteTree(workDir);
    }

    @Test
    void probeOutcomesAgree() {
        List<String> k = new ArrayList<>();
        List<String> p = new ArrayList<>();
        for (int i = 0; i < Scenario.TRAFFIC.size(); i++) {
            String what = Scenario.TRAFFIC.get(i).describe() + " => ";
            k.add(what + kernel.outcomes().get(i));
            p.add(what + podlab.outcomes().get(i));
        }
        assertThat(p).as("podlab's outcomes vs the kernel's; kernel log:\n%s", kernel.log()).isEqualTo(k);
        // The scenario exercises what it says it does (else the comparison proves little).
        assertThat(kernel.outcomes()).as("the kernel's outcomes").containsExactly(
                "reply from 10.0.0.3 ttl=64",
                "reply from 10.0.1.2 ttl=63",
                "CONNECTED",
                "ECONNREFUSED",
                "ECONNREFUSED icmp 3/3 from 10.0.1.2",
                "icmp 3/4 from 10.0.0.1 mtu=1000",
                "EHOSTUNREACH icmp 3/13 from 10.0.0.1",
                "TIMED_OUT");
    }

    @Test
    void ipRouteOfTheRouterIsTheKernels() {
        assertThat(Outcomes.trimLines(podlab.routes().get(Scenario.ROUTER)))
                .isEqualTo(Outcomes.trimLines(kernel.routes().get(Scenario.ROUTER)));
    }

    @Test
    void ipRouteOfTheOtherNamespacesIsTheKernels() {
        for (String ns : Scenario.NAMESPACES) {
            assertThat(Outcomes.trimLines(podlab.routes().get(ns))).as("ip route in %s", ns)
                    .isEqualTo(Outcomes.trimLines(kernel.routes().get(ns)));
        }
    }

    @Test
    void ipNeighOfTheRouterRightAfterTheTraffic() {
        assumeTrue(kernel.trafficNanos() < NEIGH_IMMEDIATE_LIMIT_NS, "the kernel's traffic took "
                + kernel.trafficNanos() / 1_000_000 + " ms, so its DELAY timers may have fired: states not comparable");
        assertThat(Outcomes.sortedLines(podlab.neighAfter().get(Scenario.ROUTER))).as("ip -4 neigh right after the traffic")
                .isEqualTo(Outcomes.sortedLines(kernel.neighAfter().get(Scenario.ROUTER)));
    }

    @Test
    void ipNeighOfTheRouterOnceSettled() {
        assertThat(PodlabWorld.unsettled(kernel.neighSettled())).as("kernel settled:\n%s", kernel.neighSettled()).isFalse();
        assertThat(Outcomes.sortedLines(podlab.neighSettled().get(Scenario.ROUTER))).as("ip -4 neigh once settled")
                .isEqualTo(Outcomes.sortedLines(kernel.neighSettled().get(Scenario.ROUTER)));
    }

    @Test
    void ipNeighOfTheOtherNamespaces() {
        for (String ns : Scenario.NAMESPACES) {
            if (kernel.trafficNanos() < NEIGH_IMMEDIATE_LIMIT_NS) {
                assertThat(Outcomes.sortedLines(podlab.neighAfter().get(ns))).as("ip -4 neigh in %s right after the traffic", ns)
                        .isEqualTo(Outcomes.sortedLines(kernel.neighAfter().get(ns)));
            }
            assertThat(Outcomes.sortedLines(podlab.neighSettled().get(ns))).as("ip -4 neigh in %s once settled", ns)
                    .isEqualTo(Outcomes.sortedLines(kernel.neighSettled().get(ns)));
        }
    }

    @Test
    void conntrackEntriesOfTheRouterAgree() {
        assertThat(Outcomes.conntrack(podlab.conntrack())).as("conntrack -L, normalised; kernel printed:\n%s\npodlab:\n%s",
                kernel.conntrack(), podlab.conntrack()).isEqualTo(Outcomes.conntrack(kernel.conntrack()));
        // The remaining timeouts: the same per entry, give or take the difference in elapsed time
        // (the worlds' traffic took different times; the kernel rounds down to seconds).
        Map<String, Long> k = Outcomes.conntrackTimeouts(kernel.conntrack());
        Map<String, Long> p = Outcomes.conntrackTimeouts(podlab.conntrack());
        long slack = 2 + Math.abs(kernel.trafficNanos() - podlab.trafficNanos()) / 1_000_000_000L;
        for (Map.Entry<String, Long> e : k.entrySet()) {
            assertThat(p.get(e.getKey())).as("podlab's remaining timeout of %s (kernel %d s)", e.getKey(), e.getValue())
                    .isCloseTo(e.getValue(), Offset.offset(slack));
        }
        // Entries of other protocols: only the kernel's IGMP membership reports, which podlab does
        // not emulate (they are tracked when sent after the nat table was loaded).
        assertThat(Outcomes.conntrackOtherProtocols(podlab.conntrack())).isEmpty();
        assertThat(Outcomes.conntrackOtherProtocols(kernel.conntrack()))
                .allSatisfy(line -> assertThat(line).startsWith("unknown  2 "));
    }

    @Test
    void iptablesSaveWithCountersAgrees() {
        assertThat(Outcomes.iptablesSave(podlab.iptablesSave())).as("iptables-save -c")
                .isEqualTo(Outcomes.iptablesSave(kernel.iptablesSave()));
    }
}
