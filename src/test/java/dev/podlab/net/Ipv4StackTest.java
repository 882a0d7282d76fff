package dev.podlab.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.apps.Ping;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.MacAddress;
import dev.podlab.trace.DropReason;
import dev.podlab.trace.TraceEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The IPv4 datapath of namespaces joined by veths, a bridge and a router:
 *
 * <pre>
 *   ns a 10.0.0.2 ─ vetha ┐
 *                         ├ br0 10.0.0.1/24 ─ (router r) ─ vethc 10.0.1.1/24 ─ ns c 10.0.1.2
 *   ns b 10.0.0.3 ─ vethb ┘
 * </pre>
 */
class Ipv4StackTest {
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

    @Test
    void pingAcrossTheBridgeResolvesArpAndGetsEveryReply() {
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.0.3"), 7, 3, SECOND);
        t.run(5 * SECOND);
        assertThat(ping.replies()).as("replies; trace:\n%s", t.trace()).isEqualTo(3);
        assertThat(a.arp().show()).contains("10.0.0.3 dev eth0 lladdr");
        assertThat(b.arp().show()).contains("10.0.0.2 dev eth0 lladdr");
    }

    @Test
    void pingThroughTheRouterDecrementsTtlAndComesBack() {
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.1.2"), 8, 2, SECOND);
        t.run(5 * SECOND);
        assertThat(ping.replies()).as("replies; trace:\n%s", t.trace()).isEqualTo(2);
        assertThat(t.events()).anyMatch(e -> e.detail() != null && e.detail().contains("TTL now 63"));
        if (Boolean.getBoolean("podlab.printTrace")) {
            System.out.println(t.trace());
        }
    }

    @Test
    void noRouteGivesIcmpNetUnreachableFromTheRouter() {
        Ping ping = new Ping(a, Ipv4Address.parse("192.0.2.9"), 9, 1, SECOND);
        t.run(3 * SECOND);
        assertThat(ping.results()).as("trace:\n%s", t.trace()).singleElement().satisfies(res -> {
            assertThat(res.reply()).isFalse();
            assertThat(res.icmpType()).isEqualTo(Icmp4.DEST_UNREACH);
            assertThat(res.icmpCode()).isEqualTo(Icmp4.NET_UNREACH);
            assertThat(Ipv4Address.toString(res.from())).isEqualTo("10.0.0.1");
        });
        assertThat(t.events()).anyMatch(e -> e.reason() == DropReason.IP_INNOROUTES);
    }

    @Test
    void unansweredArpFailsAfterThreeProbesAndTheRouterReportsHostUnreachable() {
        // 10.0.1.9 is on c's link but nobody has it: r sends 3 broadcasts 1 s apart, then FAILED.
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.1.9"), 10, 1, SECOND);
        t.run(5 * SECOND);
        long probes = t.events().stream().filter(e -> e.detail() != null
                && e.detail().startsWith("ARP who-has 10.0.1.9 tell 10.0.1.1")).count();
        assertThat(probes).as("ARP probes; trace:\n%s", t.trace()).isEqualTo(3);
        assertThat(r.arp().show()).contains("10.0.1.9 dev vethc FAILED");
        assertThat(ping.results()).singleElement().satisfies(res ->
                assertThat(res.icmpCode()).isEqualTo(Icmp4.HOST_UNREACH));
        TraceEvent failed = t.events().stream().filter(e -> e.reason() == DropReason.NEIGH_FAILED).findFirst().orElseThrow();
        assertThat(failed.timeNs()).as("failure time").isEqualTo(3 * SECOND);
    }

    @Test
    void withoutIpForwardTheRouterDropsSilently() {
        TestNet.ip(r, "sysctl -w net.ipv4.ip_forward=0");
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.1.2"), 11, 1, SECOND);
        t.run(3 * SECOND);
        assertThat(ping.results()).isEmpty();
        assertThat(t.events()).anyMatch(e -> e.reason() == DropReason.IP_INADDRERRORS);
    }

    @Test
    void aBridgeAndAPortKeepReceivingAfterTheirAddressesAreSet() {
        // br_set_mac_address and br_fdb_changeaddr move the local FDB entries to the new
        // addresses; without that, frames to br0's new MAC were flooded and never reached r.
        TestNet.ip(r, "link set br0 address 02:00:00:00:00:01", "link set vetha address 02:00:00:00:00:0a");
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.1.2"), 12, 2, SECOND);
        t.run(3 * SECOND);
        assertThat(ping.replies()).as("replies; trace:\n%s", t.trace()).isEqualTo(2);
        assertThat(a.arp().show()).contains("10.0.0.1 dev eth0 lladdr 02:00:00:00:00:01 ");
        Bridge br0 = (Bridge) r.device("br0");
        assertThat(br0.fdb().lookup(0x02_00_00_00_00_01L, 0, t.sim.now())).satisfies(e -> {
            assertThat(e.isLocal()).isTrue();
            assertThat(e.port()).isNull();
        });
        assertThat(br0.fdb().lookup(0x02_00_00_00_00_0aL, 0, t.sim.now()).port()).isEqualTo(r.device("vetha").ref());
    }

    @Test
    void aBridgeTakesTheLowestPortMacUntilItsAddressIsSet() {
        // br_stp_recalculate_bridge_id, as the kernel does it: a new bridge's random address gives
        // way to its lowest port MAC, and to a port's changed MAC, but not after ip link set address.
        Bridge br0 = (Bridge) r.device("br0");
        long lowest = Math.min(r.device("vetha").mac(), r.device("vethb").mac());
        assertThat(br0.mac()).isEqualTo(lowest);
        TestNet.ip(r, "link set vethb address 02:00:00:00:00:02");
        assertThat(MacAddress.toString(br0.mac())).isEqualTo("02:00:00:00:00:02");
        TestNet.ip(r, "link set br0 address 02:00:00:00:00:99", "link set vetha address 02:00:00:00:00:01");
        assertThat(MacAddress.toString(br0.mac())).isEqualTo("02:00:00:00:00:99");
    }
}
