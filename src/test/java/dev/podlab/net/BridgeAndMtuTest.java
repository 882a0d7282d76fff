package dev.podlab.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.apps.Ping;
import dev.podlab.netfilter.NodeNetfilter;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.trace.DropReason;
import dev.podlab.trace.Step;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.Verdict;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bridge forwarding, br_netfilter, MTU and fragmentation, on the topology of {@link Ipv4StackTest}
 * (pods a and b on br0 in router r, pod c routed behind r).
 */
class BridgeAndMtuTest {
    private static final long SECOND = 1_000_000_000L;

    TestNet t;
    NetNamespace r;
    NetNamespace a;
    NetNamespace b;
    NetNamespace c;

    @BeforeEach
    void topology() {
        t = new TestNet();
        NetNamespace[] ns = t.routerWithBridgeAndSubnet();
        r = ns[0];
        a = ns[1];
        b = ns[2];
        c = ns[3];
    }

    private Bridge br0() {
        return (Bridge) r.device("br0");
    }

    @Test
    void bridgeLearnsSourcesAndForwardsUnicastToOnePortOnly() {
        new Ping(a, Ipv4Address.parse("10.0.0.3"), 1, 1, SECOND);
        t.run(SECOND);
        long macA = a.device("eth0").mac();
        long macB = b.device("eth0").mac();
        long now = t.sim.now();
        assertThat(br0().fdb().lookup(macA, 0, now).port().name()).isEqualTo("vetha");
        assertThat(br0().fdb().lookup(macB, 0, now).port().name()).isEqualTo("vethb");
        // The echo request (after ARP) was switched to vethb only: the router's own stack saw no ICMP.
        assertThat(t.events()).noneMatch(e -> e.netns().isEmpty() && e.step() == Step.LOCAL_DELIVER);
    }

    @Test
    void learnedEntriesAgeOutAfter300Seconds() {
        new Ping(a, Ipv4Address.parse("10.0.0.3"), 2, 1, SECOND);
        t.run(SECOND);
        long macA = a.device("eth0").mac();
        Fdb.Entry e = br0().fdb().lookup(macA, 0, t.sim.now());
        long learned = e.updatedNs();
        assertThat(br0().fdb().lookup(macA, 0, learned + 300 * SECOND - 1)).isNotNull();
        assertThat(br0().fdb().lookup(macA, 0, learned + 300 * SECOND)).isNull();
    }

    @Test
    void withBrNetfilterBridgedTrafficTraversesForwardAndPhysdevMatches() {
        NodeNetfilter nf = NodeNetfilter.install(r);
        nf.iptables().restore("""
                *filter
                :INPUT ACCEPT [0:0]
                :FORWARD ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                -A FORWARD -i br0 -o br0 -m physdev --physdev-in vetha --physdev-out vethb -p icmp -j DROP
                COMMIT
                """);
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.0.3"), 3, 1, SECOND);
        t.run(2 * SECOND);
        assertThat(ping.replies()).isZero();
        assertThat(t.events()).anyMatch(e -> e.reason() == DropReason.NETFILTER_DROP
                && e.detail().contains("filter FORWARD rule 1"));
    }

    @Test
    void withBridgeNfCallIptablesOffBridgedTrafficBypassesIptables() {
        NodeNetfilter nf = NodeNetfilter.install(r);
        nf.iptables().restore("""
                *filter
                :INPUT ACCEPT [0:0]
                :FORWARD DROP [0:0]
                :OUTPUT ACCEPT [0:0]
                COMMIT
                """);
        TestNet.ip(r, "sysctl -w net.bridge.bridge-nf-call-iptables=0");
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.0.3"), 4, 1, SECOND);
        t.run(2 * SECOND);
        assertThat(ping.replies()).isEqualTo(1);
    }

    @Test
    void hairpinOffDropsAFrameForTheIngressPortAndHairpinOnSendsItBack() {
        // Teach the bridge that b's MAC sits behind vetha, then send to b's MAC from a.
        long macB = b.device("eth0").mac();
        br0().fdb().addStatic(r.device("vetha").ref(), macB, 0, 0);
        TestNet.ip(a, "neigh add 10.0.0.3 lladdr " + dev.podlab.packet.MacAddress.toString(macB) + " dev eth0");
        new Ping(a, Ipv4Address.parse("10.0.0.3"), 5, 1, SECOND);
        t.run(SECOND);
        assertThat(t.events()).anyMatch(e -> e.verdict() == Verdict.DROP && e.detail() != null
                && e.detail().contains("hairpin off"));
        t.sink.clear();
        TestNet.ip(r, "link set dev vetha type bridge_slave hairpin on");
        new Ping(a, Ipv4Address.parse("10.0.0.3"), 6, 1, SECOND);
        t.run(SECOND);
        // Sent back out vetha: a receives its own request, addressed to another MAC (OTHERHOST).
        assertThat(t.events()).anyMatch(e -> "a".equals(e.netns()) && e.reason() == DropReason.OTHERHOST);
    }

    @Test
    void dfPacketTooBigForTheNextHopGetsFragmentationNeededWithItsMtu() {
        TestNet.ip(r, "link set vethc mtu 1400");
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.1.2"), 7, 1, SECOND).size(1472).pmtudisc(Ping.Pmtudisc.DO);
        t.run(2 * SECOND);
        assertThat(ping.results()).singleElement().satisfies(res -> {
            assertThat(res.icmpType()).isEqualTo(Icmp4.DEST_UNREACH);
            assertThat(res.icmpCode()).isEqualTo(Icmp4.FRAG_NEEDED);
            assertThat(Ipv4Address.toString(res.from())).isEqualTo("10.0.0.1");
        });
        TraceEvent drop = t.events().stream().filter(e -> e.reason() == DropReason.PKT_TOO_BIG).findFirst().orElseThrow();
        assertThat(drop.detail()).contains("1500 bytes").contains("MTU 1400").contains("mtu 1400");
    }

    @Test
    void packetWithoutDfIsFragmentedByTheRouterAndReassembledByTheDestination() {
        TestNet.ip(r, "link set vethc mtu 1400");
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.1.2"), 8, 1, SECOND).size(1472).pmtudisc(Ping.Pmtudisc.DONT);
        t.run(2 * SECOND);
        if (Boolean.getBoolean("podlab.printTrace")) {
            System.out.println(t.trace());
        }
        assertThat(ping.replies()).as("trace:\n%s", t.trace()).isEqualTo(1);
        // 1500 bytes into a 1400 MTU: 1396 = 20 + 1376 (a multiple of 8), then 20 + 104.
        assertThat(t.events()).anyMatch(e -> e.step() == Step.IP_FRAGMENT
                && e.detail().equals("1500 bytes into fragments of at most 1400"));
        assertThat(t.events()).anyMatch(e -> "c".equals(e.netns()) && e.step() == Step.IP_DEFRAG
                && e.detail().equals("reassembled 1500 bytes from 2 fragments"));
    }

    @Test
    void iputilsDefaultFragmentsLocallyWhatExceedsTheInterfaceMtu() {
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.0.3"), 9, 1, SECOND).size(2000);
        t.run(2 * SECOND);
        assertThat(ping.replies()).as("trace:\n%s", t.trace()).isEqualTo(1);
        assertThat(t.events()).anyMatch(e -> "b".equals(e.netns()) && e.step() == Step.IP_DEFRAG
                && e.detail().equals("reassembled 2028 bytes from 2 fragments"));
    }
}
