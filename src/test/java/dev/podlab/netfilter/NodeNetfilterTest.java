package dev.podlab.netfilter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.apps.Ping;
import dev.podlab.net.IpCommand;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.Network;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.DropReason;
import dev.podlab.trace.ListTraceSink;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.Tracer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * iptables and conntrack wired into a router namespace's hooks:
 *
 * <pre>
 *   ns a 10.0.0.2 ─ veth ─ router r (10.0.0.1 | 10.0.1.1) ─ veth ─ ns c 10.0.1.2
 * </pre>
 */
class NodeNetfilterTest {
    private static final long SECOND = 1_000_000_000L;

    Simulator sim;
    ListTraceSink sink;
    Network net;
    NetNamespace r;
    NetNamespace a;
    NetNamespace c;
    NodeNetfilter nf;

    @BeforeEach
    void topology() {
        sim = new Simulator(7);
        sink = new ListTraceSink();
        net = new Network(sim, new Tracer(sim, sink));
        r = net.namespace("r", null);
        a = net.namespace("r", "a");
        c = net.namespace("r", "c");
        run(r, "link add vetha type veth peer name eth0 netns a", "link set vetha up", "addr add 10.0.0.1/24 dev vetha",
                "link add vethc type veth peer name eth0 netns c", "link set vethc up", "addr add 10.0.1.1/24 dev vethc",
                "sysctl -w net.ipv4.ip_forward=1");
        run(a, "link set eth0 up", "addr add 10.0.0.2/24 dev eth0", "route add default via 10.0.0.1");
        run(c, "link set eth0 up", "addr add 10.0.1.2/24 dev eth0", "route add default via 10.0.1.1");
        nf = NodeNetfilter.install(r);
    }

    private static void run(NetNamespace ns, String... lines) {
        for (String l : lines) {
            IpCommand.run(ns, l);
        }
    }

    private String trace() {
        return sink.events().stream().map(TraceEvent::toString).collect(Collectors.joining("\n"));
    }

    @Test
    void dnatToAVirtualAddressIsUndoneOnTheReply() {
        nf.iptables().restore("""
                *nat
                :PREROUTING ACCEPT [0:0]
                :INPUT ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                :POSTROUTING ACCEPT [0:0]
                -A PREROUTING -d 10.96.0.10/32 -j DNAT --to-destination 10.0.1.2
                COMMIT
                """);
        run(a, "route add 10.96.0.0/12 via 10.0.0.1");
        Ping ping = new Ping(a, Ipv4Address.parse("10.96.0.10"), 12, 1, SECOND);
        sim.runUntil(2 * SECOND);
        assertThat(ping.results()).as("trace:\n%s", trace()).singleElement().satisfies(res -> {
            assertThat(res.reply()).isTrue();
            // The reply comes from the address the client pinged, not the endpoint behind it.
            assertThat(Ipv4Address.toString(res.from())).isEqualTo("10.96.0.10");
        });
        // Written by hand from the conntrack -L format of the reference (section 9, "ICMP echo"):
        // original tuple to the virtual address, reply tuple from the endpoint; 30 s ICMP timeout, 2 s elapsed.
        assertThat(nf.conntrackList()).isEqualTo("icmp     1 28 src=10.0.0.2 dst=10.96.0.10 type=8 code=0 id=12"
                + " src=10.0.1.2 dst=10.0.0.2 type=0 code=0 id=12 mark=0 use=1\n");
    }

    @Test
    void forwardDropNamesTheRuleInTheTrace() {
        nf.iptables().restore("""
                *filter
                :INPUT ACCEPT [0:0]
                :FORWARD ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                -A FORWARD -d 10.0.1.2/32 -p icmp -m comment --comment "deny ping to c" -j DROP
                COMMIT
                """);
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.1.2"), 13, 1, SECOND);
        sim.runUntil(2 * SECOND);
        assertThat(ping.results()).isEmpty();
        TraceEvent drop = sink.events().stream().filter(e -> e.reason() == DropReason.NETFILTER_DROP)
                .findFirst().orElseThrow();
        assertThat(drop.detail()).contains("filter FORWARD rule 2").contains("deny ping to c");
        assertThat(nf.iptables().save("now")).contains("-A FORWARD -d 10.0.1.2/32 -p icmp");
        // A packet dropped in FORWARD never reached confirm: no conntrack entry is left behind.
        assertThat(nf.conntrackList()).isEmpty();
    }

    @Test
    void rejectAnswersWithTheIcmpTheRuleNames() {
        nf.iptables().restore("""
                *filter
                :INPUT ACCEPT [0:0]
                :FORWARD ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                -A FORWARD -d 10.0.1.2/32 -j REJECT --reject-with icmp-host-prohibited
                COMMIT
                """);
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.1.2"), 14, 1, SECOND);
        sim.runUntil(2 * SECOND);
        assertThat(ping.results()).as("trace:\n%s", trace()).singleElement().satisfies(res -> {
            assertThat(res.reply()).isFalse();
            assertThat(res.icmpType()).isEqualTo(Icmp4.DEST_UNREACH);
            assertThat(res.icmpCode()).isEqualTo(Icmp4.HOST_ANO);
            assertThat(Ipv4Address.toString(res.from())).isEqualTo("10.0.0.1");
        });
    }

    @Test
    void masqueradeRewritesTheSourceToTheOutgoingAddress() {
        nf.iptables().restore("""
                *nat
                :PREROUTING ACCEPT [0:0]
                :INPUT ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                :POSTROUTING ACCEPT [0:0]
                -A POSTROUTING -s 10.0.0.0/24 -o vethc -j MASQUERADE
                COMMIT
                """);
        Ping ping = new Ping(a, Ipv4Address.parse("10.0.1.2"), 15, 1, SECOND);
        sim.runUntil(2 * SECOND);
        assertThat(ping.replies()).as("trace:\n%s", trace()).isEqualTo(1);
        assertThat(nf.conntrackList()).as("trace:\n%s", trace())
                .contains("src=10.0.0.2 dst=10.0.1.2 type=8 code=0 id=15 src=10.0.1.2 dst=10.0.1.1");
    }
}
