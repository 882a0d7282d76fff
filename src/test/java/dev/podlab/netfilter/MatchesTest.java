package dev.podlab.netfilter;

import dev.podlab.net.Hook;

import static dev.podlab.netfilter.IpDoTableTest.load;
import static dev.podlab.netfilter.TestPackets.ctx;
import static dev.podlab.netfilter.TestPackets.ping;
import static dev.podlab.netfilter.TestPackets.syn;
import static dev.podlab.netfilter.TestPackets.udp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Tcp;
import java.util.function.Supplier;
import org.apache.commons.math3.random.Well19937c;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Matches and targets against the kernel semantics of each xt module. */
class MatchesTest {

    /** True if the packet in {@code c} hits {@code spec} in filter FORWARD (policy DROP). */
    private static boolean hits(String spec, PacketContext c) {
        Iptables ipt = load("filter", ":FORWARD DROP [0:0]", "-A FORWARD " + spec + " -j ACCEPT");
        return ipt.run(TableId.FILTER, Hook.FORWARD, c) == NfVerdict.ACCEPT;
    }

    private static PacketContext web() {
        // 10.244.1.5:40000 -> 10.96.42.10:80 SYN, in via veth1a2b, out via cni0
        return ctx(syn("10.244.1.5", 40000, "10.96.42.10", 80), "veth1a2b", "cni0")
                .conntrack(Ct.STATE_NEW, false, 0).random(new Well19937c(1));
    }

    /** Each match: the packet hits the plain spec and misses the spec with `!` before the option. */
    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(delimiter = '|', value = {
        "-s 10.244.0.0/16              | ! -s 10.244.0.0/16",
        "-d 10.96.42.10                | ! -d 10.96.42.10",
        "-p tcp                        | ! -p tcp",
        "-i veth+                      | ! -i veth+",
        "-o cni0                       | ! -o cni0",
        "-p tcp --dport 80             | -p tcp ! --dport 80",
        "-p tcp --sport 30000:50000    | -p tcp ! --sport 30000:50000",
        "-p tcp --syn                  | -p tcp ! --syn",
        "-p tcp -m multiport --dports 22,80,8000:8100 | -p tcp -m multiport ! --dports 22,80,8000:8100",
        "-m conntrack --ctstate NEW    | -m conntrack ! --ctstate NEW",
        "-m state --state NEW          | -m state ! --state NEW",
        "-m mark --mark 0x0/0x4000     | -m mark ! --mark 0x0/0x4000",
        "-m iprange --src-range 10.244.1.1-10.244.1.9 | -m iprange ! --src-range 10.244.1.1-10.244.1.9",
        "-m addrtype --dst-type UNICAST | -m addrtype ! --dst-type UNICAST",
        "-m statistic --mode random --probability 1 | -m statistic --mode random ! --probability 1",
    })
    void negationInvertsEachMatch(String plain, String inverted) {
        assertThat(hits(plain, web())).as(plain).isTrue();
        assertThat(hits(inverted, web())).as(inverted).isFalse();
    }

    private static PacketContext withRandom(PacketContext c) {
        return c.random(new Well19937c(1));
    }

    @Test
    void interfaceWildcardMatchesByPrefix() {
        assertThat(hits("-i veth+", ctx(syn("1.1.1.1", 1, "2.2.2.2", 2), "veth9f00c2", "eth0"))).isTrue();
        assertThat(hits("-i veth+", ctx(syn("1.1.1.1", 1, "2.2.2.2", 2), "eth0", "eth1"))).isFalse();
        assertThat(hits("-i veth", ctx(syn("1.1.1.1", 1, "2.2.2.2", 2), "veth9f00c2", "eth0"))).isFalse();
        // OUTPUT has no input device: "! -i eth0" matches, "-i eth0" does not.
        assertThat(hits("! -i eth0", ctx(syn("1.1.1.1", 1, "2.2.2.2", 2), "", "eth0"))).isTrue();
    }

    @Test
    void multiportMatchesListsAndRanges() {
        String spec = "-p udp -m multiport --dports 53,8000:8100";
        assertThat(hits(spec, ctx(udp("1.1.1.1", 5000, "2.2.2.2", 53)))).isTrue();
        assertThat(hits(spec, ctx(udp("1.1.1.1", 5000, "2.2.2.2", 8000)))).isTrue();
        assertThat(hits(spec, ctx(udp("1.1.1.1", 5000, "2.2.2.2", 8100)))).isTrue();
        assertThat(hits(spec, ctx(udp("1.1.1.1", 5000, "2.2.2.2", 8101)))).isFalse();
        assertThat(hits("-p udp -m multiport --ports 5000", ctx(udp("1.1.1.1", 5000, "2.2.2.2", 53)))).isTrue();
        assertThatThrownBy(() -> load("filter", "-A INPUT -m multiport --dports 80 -j ACCEPT"))
                .hasMessageContaining("multiport needs `-p tcp'");
    }

    @Test
    void tcpFlagsCompareTheMaskedFlags() {
        String synOnly = "-p tcp --tcp-flags SYN,ACK SYN";
        assertThat(hits(synOnly, ctx(syn("1.1.1.1", 1, "2.2.2.2", 2)))).isTrue();
        assertThat(hits(synOnly, ctx(TestPackets.tcp("1.1.1.1", 1, "2.2.2.2", 2, Tcp.SYN | Tcp.ACK)))).isFalse();
        assertThat(hits("-p tcp --syn", ctx(TestPackets.tcp("1.1.1.1", 1, "2.2.2.2", 2, Tcp.ACK)))).isFalse();
    }

    @Test
    void icmpTypeByNameAndNumber() {
        assertThat(hits("-p icmp --icmp-type echo-request", ctx(ping("1.1.1.1", "2.2.2.2")))).isTrue();
        assertThat(hits("-p icmp --icmp-type 8", ctx(ping("1.1.1.1", "2.2.2.2")))).isTrue();
        assertThat(hits("-p icmp --icmp-type 8/1", ctx(ping("1.1.1.1", "2.2.2.2")))).isFalse();
        assertThat(hits("-p icmp ! --icmp-type echo-reply", ctx(ping("1.1.1.1", "2.2.2.2")))).isTrue();
        assertThat(hits("-p icmp --icmp-type any", ctx(ping("1.1.1.1", "2.2.2.2")))).isTrue();
    }

    @Test
    void conntrackStatesStatusAndDirection() {
        Supplier<PacketContext> none = () -> ctx(syn("1.1.1.1", 1, "2.2.2.2", 2));
        // No entry attached: INVALID.
        assertThat(hits("-m conntrack --ctstate INVALID", none.get())).isTrue();
        assertThat(hits("-m conntrack --ctstate NEW", none.get())).isFalse();
        PacketContext reply = none.get().conntrack(Ct.STATE_ESTABLISHED, true, Ct.IPS_SEEN_REPLY | Ct.IPS_ASSURED | Ct.IPS_CONFIRMED | Ct.IPS_DST_NAT);
        assertThat(hits("-m conntrack --ctstate RELATED,ESTABLISHED", reply)).isTrue();
        // DNAT is a virtual state from the entry's status.
        assertThat(hits("-m conntrack --ctstate DNAT", reply)).isTrue();
        assertThat(hits("-m conntrack --ctstate SNAT", reply)).isFalse();
        assertThat(hits("-m conntrack --ctstatus ASSURED", reply)).isTrue();
        assertThat(hits("-m conntrack --ctdir REPLY", reply)).isTrue();
        assertThat(hits("-m conntrack --ctdir ORIGINAL", reply)).isFalse();
        PacketContext untracked = none.get().conntrack(Ct.STATE_UNTRACKED, false, 0);
        assertThat(hits("-m state --state UNTRACKED", untracked)).isTrue();
        PacketContext tuples = none.get().conntrack(Ct.STATE_NEW, false, Ct.IPS_DST_NAT)
                .conntrackTuples(Ipv4Address.parse("1.1.1.1"), Ipv4Address.parse("10.96.0.10"),
                        Ipv4Address.parse("10.244.1.4"), Ipv4Address.parse("1.1.1.1"));
        assertThat(hits("-m conntrack --ctorigdst 10.96.0.0/12", tuples)).isTrue();
        assertThat(hits("-m conntrack ! --ctorigdst 10.96.0.10", tuples)).isFalse();
    }

    @Test
    void addrtypeAsksTheNamespaceAndKnowsBroadcastAndMulticast() {
        int local = Ipv4Address.parse("192.168.43.152");
        AddressTypeLookup node = (addr, ifindex) -> addr == local ? AddressType.LOCAL : AddressType.UNICAST;
        PacketContext toNode = ctx(syn("1.1.1.1", 1, "192.168.43.152", 30080)).addressTypes(node);
        assertThat(hits("-m addrtype --dst-type LOCAL", toNode)).isTrue();
        PacketContext mcast = ctx(TestPackets.udp("1.1.1.1", 1, "224.0.0.251", 5353)).addressTypes(node);
        assertThat(hits("-m addrtype --dst-type MULTICAST", mcast)).isTrue();
        assertThat(hits("-m addrtype --dst-type LOCAL", mcast)).isFalse();
    }

    @Test
    void physdevNeedsBridgeInfo() {
        PacketContext routed = ctx(syn("10.244.1.5", 1, "10.244.1.6", 80), "cni0", "cni0");
        assertThat(hits("-m physdev --physdev-is-bridged", routed)).isFalse();
        assertThat(hits("-m physdev ! --physdev-is-bridged", routed)).isTrue();
        PacketContext bridged = ctx(syn("10.244.1.5", 1, "10.244.1.6", 80), "cni0", "cni0").bridge("vethaaaa", "vethbbbb");
        assertThat(hits("-m physdev --physdev-is-bridged", bridged)).isTrue();
        assertThat(hits("-m physdev --physdev-in veth+ --physdev-out vethbbbb", bridged)).isTrue();
        assertThat(hits("-m physdev --physdev-out vethcccc", bridged)).isFalse();
        // At bridge PREROUTING the output port is not known yet: --physdev-out does not constrain.
        PacketContext pre = ctx(syn("10.244.1.5", 1, "10.244.1.6", 80), "cni0", "").bridge("vethaaaa", null);
        assertThat(hits("-m physdev --physdev-out vethcccc", pre)).isTrue();
        assertThat(hits("-m physdev --physdev-is-bridged", pre)).isFalse();
    }

    /**
     * kube-proxy's endpoint rules with n = 3: probabilities 1/3, 1/2, then none (kube-proxy.md
     * 3.1), each tried only if the previous did not match, give every endpoint 1/3.
     */
    @Test
    void statisticChainOfOneThirdOneHalfOneGivesUniformChoice() {
        Iptables ipt = load("nat", ":KUBE-SVC-X - [0:0]", ":KUBE-SEP-A - [0:0]", ":KUBE-SEP-B - [0:0]", ":KUBE-SEP-C - [0:0]",
                "-A PREROUTING -j KUBE-SVC-X",
                "-A KUBE-SVC-X -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-A",
                "-A KUBE-SVC-X -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-B",
                "-A KUBE-SVC-X -j KUBE-SEP-C",
                "-A KUBE-SEP-A -p tcp -j DNAT --to-destination 10.244.1.10:8080",
                "-A KUBE-SEP-B -p tcp -j DNAT --to-destination 10.244.2.11:8080",
                "-A KUBE-SEP-C -p tcp -j DNAT --to-destination 10.244.2.12:8080");
        PacketContext c = ctx(syn("10.244.0.5", 40000, "10.96.42.10", 80)).random(new Well19937c(42));
        int n = 30_000;
        int[] hitsBy = new int[3];
        for (int i = 0; i < n; i++) {
            c.resetResults();
            ipt.run(TableId.NAT, Hook.PREROUTING, c);
            int last = c.nat().minAddress() & 0xff;
            hitsBy[last == 10 ? 0 : last == 11 ? 1 : 2]++;
        }
        // Binomial(n, 1/3): sd = sqrt(n * 1/3 * 2/3) ~ 81.6; allow 5 sd.
        for (int h : hitsBy) {
            assertThat(Math.abs(h - n / 3.0)).isLessThan(5 * Math.sqrt(n * (1 / 3.0) * (2 / 3.0)));
        }
        Table nat = ipt.table(TableId.NAT);
        assertThat(nat.chain("KUBE-SEP-A").rules().get(0).packets() + nat.chain("KUBE-SEP-B").rules().get(0).packets()
                + nat.chain("KUBE-SEP-C").rules().get(0).packets()).isEqualTo(n);
    }

    @Test
    void statisticRandomMatchesWithItsStoredProbability() {
        // p = 0.1 is stored as lround(0.1 * 2^31); expected hits n * stored / 2^31.
        PacketContext c = ctx(syn("1.1.1.1", 1, "2.2.2.2", 2)).random(new Well19937c(7));
        Iptables ipt = load("filter", ":FORWARD DROP [0:0]", "-A FORWARD -m statistic --mode random --probability 0.1 -j ACCEPT");
        int n = 50_000;
        int accepted = 0;
        for (int i = 0; i < n; i++) {
            if (ipt.run(TableId.FILTER, Hook.FORWARD, c) == NfVerdict.ACCEPT) {
                accepted++;
            }
        }
        double p = Math.round(0.1 * 2147483648.0) / 2147483648.0;
        assertThat(Math.abs(accepted - n * p)).isLessThan(5 * Math.sqrt(n * p * (1 - p)));
    }

    @Test
    void statisticNthMatchesEveryNthPacketStartingAtPacket() {
        Iptables ipt = load("filter", ":FORWARD DROP [0:0]", "-A FORWARD -m statistic --mode nth --every 3 --packet 1 -j ACCEPT");
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            seen.append(ipt.run(TableId.FILTER, Hook.FORWARD, ctx(syn("1.1.1.1", 1, "2.2.2.2", 2))) == NfVerdict.ACCEPT ? 'x' : '.');
        }
        assertThat(seen.toString()).isEqualTo(".x..x..");
    }

    @ParameterizedTest(name = "--reject-with {0}")
    @CsvSource({
        "icmp-port-unreachable, ICMP_PORT_UNREACHABLE, 3",
        "icmp-net-unreachable, ICMP_NET_UNREACHABLE, 0",
        "icmp-host-unreachable, ICMP_HOST_UNREACHABLE, 1",
        "icmp-proto-unreachable, ICMP_PROTO_UNREACHABLE, 2",
        "icmp-net-prohibited, ICMP_NET_PROHIBITED, 9",
        "icmp-host-prohibited, ICMP_HOST_PROHIBITED, 10",
        "icmp-admin-prohibited, ICMP_ADMIN_PROHIBITED, 13",
        "tcp-reset, TCP_RESET, -1",
    })
    void rejectDropsAndDescribesTheReply(String option, RejectWith type, int icmpCode) {
        Iptables ipt = load("filter", "-A INPUT -p tcp -j REJECT --reject-with " + option);
        PacketContext c = ctx(syn("1.1.1.1", 1, "2.2.2.2", 2));
        assertThat(ipt.run(TableId.FILTER, Hook.INPUT, c)).isEqualTo(NfVerdict.DROP);
        assertThat(c.rejectWith()).isEqualTo(type);
        assertThat(c.rejectWith().icmpCode()).isEqualTo(icmpCode);
    }

    @Test
    void rejectDefaultsToPortUnreachableAndTcpResetNeedsTcp() {
        Iptables ipt = load("filter", "-A INPUT -j REJECT");
        PacketContext c = ctx(udp("1.1.1.1", 1, "2.2.2.2", 53));
        ipt.run(TableId.FILTER, Hook.INPUT, c);
        assertThat(c.rejectWith()).isEqualTo(RejectWith.ICMP_PORT_UNREACHABLE);
        assertThat(ipt.save("X")).contains("-A INPUT -j REJECT --reject-with icmp-port-unreachable");
        assertThatThrownBy(() -> load("filter", "-A INPUT -p udp -j REJECT --reject-with tcp-reset"))
                .hasMessageContaining("TCP_RESET invalid for non-tcp");
    }

    @Test
    void natTargetsAreOnlyValidInTheNatTableAndTheirHooks() {
        assertThatThrownBy(() -> load("filter", "-A FORWARD -p tcp -j DNAT --to-destination 10.0.0.1:80"))
                .isInstanceOf(IptablesException.class)
                .hasMessage("iptables-restore: line 2 failed: DNAT target: only valid in nat table, not filter");
        assertThatThrownBy(() -> load("nat", "-A INPUT -p tcp -j DNAT --to-destination 10.0.0.1:80"))
                .hasMessageContaining("DNAT target: used from hooks INPUT, but only usable from PREROUTING/OUTPUT");
        assertThatThrownBy(() -> load("nat", ":X - [0:0]", "-A PREROUTING -j X", "-A X -j MASQUERADE"))
                .hasMessage("iptables-restore: line 4 failed: MASQUERADE target: used from hooks PREROUTING, but only usable from POSTROUTING");
        assertThatThrownBy(() -> load("filter", "-A FORWARD -j MASQUERADE"))
                .hasMessageContaining("MASQUERADE target: only valid in nat table, not filter");
    }

    @Test
    void natTargetsRecordTheRequestAndAccept() {
        Iptables ipt = load("nat", "-A POSTROUTING -s 10.244.0.0/16 -p tcp -j SNAT --to-source 192.168.1.1-192.168.1.2:1024-2048 --random-fully",
                "-A POSTROUTING -j DROP");
        PacketContext c = ctx(syn("10.244.1.5", 40000, "8.8.8.8", 443));
        assertThat(ipt.run(TableId.NAT, Hook.POSTROUTING, c)).isEqualTo(NfVerdict.ACCEPT);
        NatRequest r = c.nat();
        assertThat(r.type()).isEqualTo(NatRequest.Type.SNAT);
        assertThat(r.minAddress()).isEqualTo(Ipv4Address.parse("192.168.1.1"));
        assertThat(r.maxAddress()).isEqualTo(Ipv4Address.parse("192.168.1.2"));
        assertThat(r.minPort()).isEqualTo(1024);
        assertThat(r.maxPort()).isEqualTo(2048);
        assertThat(r.hasFlag(NatRequest.PROTO_RANDOM_FULLY)).isTrue();
    }

    /** kube-proxy's KUBE-MARK-MASQ / KUBE-POSTROUTING pair (kube-proxy.md section 3). */
    @Test
    void kubeProxyMasqueradeMarkIsSetThenClearedBeforeMasquerade() {
        Iptables ipt = new Iptables();
        ipt.restore("*nat\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-POSTROUTING - [0:0]\n"
                + "-A PREROUTING -j KUBE-MARK-MASQ\n"
                + "-A POSTROUTING -j KUBE-POSTROUTING\n"
                + "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n"
                + "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
                + "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n"
                + "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n"
                + "COMMIT\n");
        PacketContext c = ctx(syn("192.168.43.1", 50446, "192.168.43.152", 30000)).mark(0x1);
        ipt.run(TableId.NAT, Hook.PREROUTING, c);
        assertThat(c.mark()).isEqualTo(0x4001);
        ipt.run(TableId.NAT, Hook.POSTROUTING, c);
        assertThat(c.mark()).isEqualTo(0x1);
        assertThat(c.nat().type()).isEqualTo(NatRequest.Type.MASQUERADE);
        assertThat(c.nat().hasFlag(NatRequest.PROTO_RANDOM_FULLY)).isTrue();
    }

    @Test
    void markTargetVariants() {
        String[][] cases = {
            {"--set-mark 0x5", "0x12345678", "0x5"},
            {"--set-mark 0x1/0xf", "0x12345678", "0x12345671"},
            {"--set-xmark 0x1/0xf", "0x12345678", "0x12345671"},
            {"--and-mark 0xff", "0x12345678", "0x78"},
            {"--or-mark 0x4000", "0x12341678", "0x12345678"},
            {"--xor-mark 0x8", "0x12345678", "0x12345670"},
        };
        for (String[] k : cases) {
            Iptables ipt = load("mangle", "-A OUTPUT -j MARK " + k[0]);
            PacketContext c = ctx(syn("1.1.1.1", 1, "2.2.2.2", 2)).mark((int) Long.parseLong(k[1].substring(2), 16));
            ipt.run(TableId.MANGLE, Hook.OUTPUT, c);
            assertThat("0x" + Integer.toHexString(c.mark())).as(k[0]).isEqualTo(k[2]);
        }
    }

    @Test
    void setMatchTestsTheChosenAddressAgainstTheSet() {
        Iptables ipt = new Iptables();
        ipt.ipsets().restore("create SRC hash:ip family inet hashsize 1024 maxelem 65536\nadd SRC 10.244.1.5\n"
                + "create BLOCK hash:net family inet hashsize 1024 maxelem 65536\nadd BLOCK 10.0.0.0/8\nadd BLOCK 10.244.0.0/16 nomatch\n"
                + "create SVC hash:ip,port family inet hashsize 1024 maxelem 65536\nadd SVC 10.96.42.10,tcp:80\n");
        ipt.restore("*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m set --match-set SRC src -m set --match-set SVC dst,dst -j ACCEPT\nCOMMIT\n");
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, web())).isEqualTo(NfVerdict.ACCEPT);
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, ctx(syn("10.244.1.6", 1, "10.96.42.10", 80)))).isEqualTo(NfVerdict.DROP);
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, ctx(TestPackets.udp("10.244.1.5", 1, "10.96.42.10", 80)))).isEqualTo(NfVerdict.DROP);
        // hash:net: the more specific nomatch entry excludes 10.244.0.0/16 from 10.0.0.0/8.
        assertThat(hits("-m set --match-set BLOCK src", ctx(syn("10.1.2.3", 1, "2.2.2.2", 2)).random(null), ipt)).isTrue();
        assertThat(hits("-m set --match-set BLOCK src", ctx(syn("10.244.2.3", 1, "2.2.2.2", 2)), ipt)).isFalse();
        assertThat(hits("-m set --match-set BLOCK src --return-nomatch", ctx(syn("10.244.2.3", 1, "2.2.2.2", 2)), ipt)).isTrue();
        assertThat(hits("-m set ! --match-set BLOCK src", ctx(syn("10.244.2.3", 1, "2.2.2.2", 2)), ipt)).isTrue();
        assertThatThrownBy(() -> ipt.restore("*filter\n-A INPUT -m set --match-set NOPE src -j DROP\nCOMMIT\n"))
                .hasMessage("iptables-restore: line 2 failed: Set NOPE doesn't exist.");
    }

    private static boolean hits(String spec, PacketContext c, Iptables ipt) {
        ipt.restore("*mangle\n:FORWARD DROP [0:0]\n-A FORWARD " + spec + " -j ACCEPT\nCOMMIT\n");
        return ipt.run(TableId.MANGLE, Hook.FORWARD, c) == NfVerdict.ACCEPT;
    }

    @Test
    void setSwapMakesRulesSeeTheOtherContentAndReferencedSetsCannotBeDestroyed() {
        Iptables ipt = new Iptables();
        ipt.ipsets().restore("create A hash:ip\nadd A 1.1.1.1\ncreate B hash:ip\nadd B 3.3.3.3\n");
        ipt.restore("*filter\n:INPUT DROP [0:0]\n-A INPUT -m set --match-set A src -j ACCEPT\nCOMMIT\n");
        assertThat(ipt.run(TableId.FILTER, Hook.INPUT, ctx(syn("3.3.3.3", 1, "2.2.2.2", 2)))).isEqualTo(NfVerdict.DROP);
        ipt.ipsets().execute("swap A B");
        assertThat(ipt.run(TableId.FILTER, Hook.INPUT, ctx(syn("3.3.3.3", 1, "2.2.2.2", 2)))).isEqualTo(NfVerdict.ACCEPT);
        assertThat(ipt.ipsets().get("A").references()).isEqualTo(1);
        assertThatThrownBy(() -> ipt.ipsets().execute("destroy A"))
                .hasMessage("Set cannot be destroyed: it is in use by a kernel component");
        ipt.ipsets().execute("destroy B");
        assertThat(ipt.ipsets().get("B")).isNull();
    }

    @Test
    void unusedRandomSourceIsNotNeededUnlessStatisticRandomRuns() {
        assertThat(hits("-p tcp", withRandom(ctx(syn("1.1.1.1", 1, "2.2.2.2", 2))))).isTrue();
        assertThatThrownBy(() -> load("nat", "-A POSTROUTING -j SNAT --to-source 1.2.3.4:1000"))
                .hasMessageContaining("Need TCP, UDP, SCTP or DCCP with port specification");
    }
}
