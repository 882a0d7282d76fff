package dev.podlab.netfilter;

import dev.podlab.net.Hook;

import static dev.podlab.netfilter.TestPackets.ctx;
import static dev.podlab.netfilter.TestPackets.syn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The traversal of {@code ipt_do_table} (net/ipv4/netfilter/ip_tables.c): rule order, policies,
 * jumps, gotos, RETURN, counters, hotdrop.
 */
class IpDoTableTest {

    /** Restores one table with the given chain and rule lines. */
    static Iptables load(String table, String... lines) {
        Iptables ipt = new Iptables();
        ipt.restore("*" + table + "\n" + String.join("\n", lines) + "\nCOMMIT\n");
        return ipt;
    }

    @Test
    void firstMatchingRuleWins() {
        Iptables ipt = load("filter",
                "-A FORWARD -s 10.0.0.1/32 -j DROP",
                "-A FORWARD -p tcp -j ACCEPT",
                "-A FORWARD -s 10.0.0.1/32 -j ACCEPT");
        PacketContext c = ctx(syn("10.0.0.1", 40000, "10.0.0.2", 80));
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, c)).isEqualTo(NfVerdict.DROP);
        assertThat(c.decidingChain()).isEqualTo("FORWARD");
        assertThat(c.decidingRule()).isEqualTo(1);
        PacketContext other = ctx(syn("10.0.0.9", 40000, "10.0.0.2", 80));
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, other)).isEqualTo(NfVerdict.ACCEPT);
        assertThat(other.decidingRule()).isEqualTo(2);
    }

    @Test
    void policyAppliesAtEndOfBuiltinChainAndCountsThePacket() {
        Iptables ipt = load("filter", ":FORWARD DROP [0:0]", "-A FORWARD -s 192.168.0.0/16 -j ACCEPT");
        PacketContext c = ctx(syn("10.0.0.1", 40000, "10.0.0.2", 80));
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, c)).isEqualTo(NfVerdict.DROP);
        assertThat(c.decidingRule()).isZero();
        Chain fwd = ipt.table(TableId.FILTER).chain("FORWARD");
        assertThat(fwd.policyPackets()).isEqualTo(1);
        // skb->len at the IP layer: 20 bytes IPv4 + 20 bytes TCP.
        assertThat(fwd.policyBytes()).isEqualTo(40);
    }

    @Test
    void returnFromUserChainResumesAfterTheJump() {
        Iptables ipt = load("filter", ":FORWARD DROP [0:0]", ":SUB - [0:0]",
                "-A FORWARD -j SUB",
                "-A FORWARD -p tcp -j ACCEPT",
                "-A SUB -p tcp -j RETURN",
                "-A SUB -j DROP");
        PacketContext c = ctx(syn("10.0.0.1", 40000, "10.0.0.2", 80));
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, c)).isEqualTo(NfVerdict.ACCEPT);
        assertThat(c.decidingRule()).isEqualTo(2);
    }

    @Test
    void fallingOffUserChainReturnsToCaller() {
        Iptables ipt = load("filter", ":FORWARD DROP [0:0]", ":SUB - [0:0]",
                "-A FORWARD -j SUB", "-A FORWARD -j ACCEPT", "-A SUB -s 1.2.3.4/32 -j DROP");
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, ctx(syn("10.0.0.1", 1, "10.0.0.2", 80))))
                .isEqualTo(NfVerdict.ACCEPT);
    }

    @Test
    void returnInBuiltinChainAppliesThePolicy() {
        Iptables ipt = load("filter", ":INPUT DROP [0:0]", "-A INPUT -j RETURN", "-A INPUT -j ACCEPT");
        PacketContext c = ctx(syn("10.0.0.1", 1, "10.0.0.2", 80));
        assertThat(ipt.run(TableId.FILTER, Hook.INPUT, c)).isEqualTo(NfVerdict.DROP);
        assertThat(ipt.table(TableId.FILTER).chain("INPUT").policyPackets()).isEqualTo(1);
    }

    @Test
    void gotoDoesNotPushAReturnPointButJumpDoes() {
        String[] common = {":FORWARD DROP [0:0]", ":SUB - [0:0]", "-A FORWARD -j ACCEPT", "-A SUB -s 1.2.3.4/32 -j DROP"};
        // -j SUB: falling off SUB resumes at FORWARD rule 2 (ACCEPT).
        Iptables jump = load("filter", common[0], common[1], "-A FORWARD -j SUB", common[2], common[3]);
        assertThat(jump.run(TableId.FILTER, Hook.FORWARD, ctx(syn("10.0.0.1", 1, "10.0.0.2", 80))))
                .isEqualTo(NfVerdict.ACCEPT);
        // -g SUB: falling off SUB goes to where FORWARD was called from: nothing, so the policy.
        Iptables go = load("filter", common[0], common[1], "-A FORWARD -g SUB", common[2], common[3]);
        PacketContext c = ctx(syn("10.0.0.1", 1, "10.0.0.2", 80));
        assertThat(go.run(TableId.FILTER, Hook.FORWARD, c)).isEqualTo(NfVerdict.DROP);
        assertThat(c.decidingRule()).isZero();
    }

    @Test
    void gotoReturnsToTheCallerOfTheChainThatJumped() {
        Iptables ipt = load("filter", ":FORWARD DROP [0:0]", ":A - [0:0]", ":B - [0:0]",
                "-A FORWARD -j A", "-A FORWARD -j ACCEPT",
                "-A A -g B", "-A A -j DROP",
                "-A B -s 1.2.3.4/32 -j DROP");
        // B falls off: return to FORWARD rule 2 (the jump into A pushed it); A's DROP is skipped.
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, ctx(syn("10.0.0.1", 1, "10.0.0.2", 80))))
                .isEqualTo(NfVerdict.ACCEPT);
    }

    @Test
    void countersCountEveryMatchingRuleOnThePath() {
        Iptables ipt = load("filter", ":SUB - [0:0]",
                "-A FORWARD -p tcp -j SUB", "-A FORWARD -p udp -j DROP", "-A SUB -j ACCEPT");
        for (int i = 0; i < 3; i++) {
            ipt.run(TableId.FILTER, Hook.FORWARD, ctx(syn("10.0.0.1", 1, "10.0.0.2", 80)));
        }
        Table f = ipt.table(TableId.FILTER);
        assertThat(f.chain("FORWARD").rules().get(0).packets()).isEqualTo(3);
        assertThat(f.chain("FORWARD").rules().get(0).bytes()).isEqualTo(120);
        assertThat(f.chain("FORWARD").rules().get(1).packets()).isZero();
        assertThat(f.chain("SUB").rules().get(0).packets()).isEqualTo(3);
        assertThat(f.chain("FORWARD").policyPackets()).isZero();
    }

    @Test
    void ruleWithoutTargetCountsAndContinues() {
        Iptables ipt = load("filter", ":INPUT DROP [0:0]", "-A INPUT -s 10.0.0.1/32", "-A INPUT -j ACCEPT");
        assertThat(ipt.run(TableId.FILTER, Hook.INPUT, ctx(syn("10.0.0.1", 1, "10.0.0.2", 80))))
                .isEqualTo(NfVerdict.ACCEPT);
        assertThat(ipt.table(TableId.FILTER).chain("INPUT").rules().get(0).packets()).isEqualTo(1);
    }

    @Test
    void truncatedTcpHeaderIsHotdroppedByTheTcpMatch() {
        Iptables ipt = load("filter", "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT");
        var frame = syn("10.0.0.1", 1, "10.0.0.2", 22);
        frame.writerIndex(frame.readerIndex() + 14 + 20 + 10); // 10 bytes of the TCP header only
        PacketContext c = ctx(frame);
        assertThat(ipt.run(TableId.FILTER, Hook.INPUT, c)).isEqualTo(NfVerdict.DROP);
        assertThat(ipt.table(TableId.FILTER).chain("INPUT").policyPackets()).isZero();
    }

    @Test
    void chainLoopsAreRefused() {
        Iptables ipt = new Iptables();
        assertThatThrownBy(() -> ipt.restore("*filter\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A A -j B\n-A B -j A\nCOMMIT\n"))
                .isInstanceOf(IptablesException.class)
                .hasMessageContaining("loop");
    }

    @Test
    void nonTerminalTargetsContinue() {
        Iptables ipt = load("mangle",
                "-A PREROUTING -j MARK --set-xmark 0x4000/0x4000",
                "-A PREROUTING -j LOG --log-prefix \"seen: \"",
                "-A PREROUTING -m mark --mark 0x4000/0x4000 -j DROP");
        PacketContext c = ctx(syn("10.0.0.1", 40000, "10.0.0.2", 80), "eth0", null);
        assertThat(ipt.run(TableId.MANGLE, Hook.PREROUTING, c)).isEqualTo(NfVerdict.DROP);
        assertThat(c.decidingRule()).isEqualTo(3);
        assertThat(c.logLines()).hasSize(1);
        // nf_log_ip_packet's field order.
        assertThat(c.logLines().get(0).text()).isEqualTo("seen: IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 "
                + "TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0 ");
        assertThat(c.logLines().get(0).level()).isEqualTo(4);
    }

    @Test
    void traceLogsEveryRuleTheTracedPacketMatches() {
        Iptables ipt = new Iptables();
        ipt.restore("*raw\n-A PREROUTING -p tcp -j TRACE\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n-A INPUT -s 9.9.9.9/32 -j ACCEPT\nCOMMIT\n");
        PacketContext c = ctx(syn("10.0.0.1", 40000, "10.0.0.2", 80), "eth0", null);
        ipt.run(TableId.RAW, Hook.PREROUTING, c);
        ipt.run(TableId.FILTER, Hook.INPUT, c);
        assertThat(c.logLines()).extracting(l -> l.text().substring(0, l.text().indexOf(" IN=")))
                // The TRACE rule itself is not traced: nf_trace is set by its target, after the check.
                .containsExactly("TRACE: raw:PREROUTING:policy:2", "TRACE: filter:INPUT:policy:2");
    }

    @Test
    void runOfAHookWalksTablesInPriorityOrderAndNatOnlyForNewConnections() {
        Iptables ipt = new Iptables();
        ipt.restore("*nat\n-A PREROUTING -p tcp -j DNAT --to-destination 10.244.1.10:8080\nCOMMIT\n"
                + "*mangle\n-A PREROUTING -j MARK --set-xmark 0x1/0xffffffff\nCOMMIT\n");
        PacketContext c = ctx(syn("10.0.0.1", 40000, "10.96.0.1", 80), "eth0", null).conntrack(Ct.STATE_NEW, false, 0);
        assertThat(ipt.run(Hook.PREROUTING, c)).isEqualTo(NfVerdict.ACCEPT);
        assertThat(c.mark()).isEqualTo(1);
        assertThat(c.nat().type()).isEqualTo(NatRequest.Type.DNAT);
        PacketContext est = ctx(syn("10.0.0.1", 40000, "10.96.0.1", 80), "eth0", null)
                .conntrack(Ct.STATE_ESTABLISHED, false, Ct.IPS_CONFIRMED | Ct.IPS_SEEN_REPLY);
        ipt.run(Hook.PREROUTING, est);
        assertThat(est.nat().type()).isEqualTo(NatRequest.Type.NONE);
    }

    /**
     * iptables-nft 1.8.9 (checked against the kernel): a base chain a rule command creates has no
     * counter, so its policy counters stay [0:0]; one declared by iptables-restore or given a
     * policy with -P counts.
     */
    @Test
    void policyIsCountedOnlyInBaseChainsCreatedWithACounter() {
        Iptables implicit = new Iptables();
        implicit.execute("-A FORWARD -s 192.168.0.0/16 -j ACCEPT");
        implicit.run(TableId.FILTER, Hook.FORWARD, ctx(syn("10.0.0.1", 40000, "10.0.0.2", 80)));
        Chain fwd = implicit.table(TableId.FILTER).chain("FORWARD");
        assertThat(fwd.countsPolicy()).isFalse();
        assertThat(fwd.policyPackets()).isZero();
        assertThat(implicit.save("v", "d", true)).contains(":FORWARD ACCEPT [0:0]\n");
        // Declaring the existing chain in a --noflush restore adds no counter...
        implicit.restore("*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n", true, false);
        implicit.run(TableId.FILTER, Hook.FORWARD, ctx(syn("10.0.0.1", 40000, "10.0.0.2", 80)));
        assertThat(implicit.table(TableId.FILTER).chain("FORWARD").policyPackets()).isZero();
        // ...but -P does.
        implicit.execute("-P FORWARD ACCEPT");
        implicit.run(TableId.FILTER, Hook.FORWARD, ctx(syn("10.0.0.1", 40000, "10.0.0.2", 80)));
        assertThat(implicit.table(TableId.FILTER).chain("FORWARD").policyPackets()).isEqualTo(1);

        Iptables declared = load("filter", ":INPUT ACCEPT [0:0]", "-A OUTPUT -p tcp -j ACCEPT");
        declared.run(TableId.FILTER, Hook.INPUT, ctx(syn("10.0.0.1", 40000, "10.0.0.2", 80)));
        declared.run(TableId.FILTER, Hook.OUTPUT, ctx(syn("10.0.0.2", 80, "10.0.0.1", 40000)));
        declared.run(TableId.FILTER, Hook.OUTPUT, ctx(syn("10.0.0.2", 80, "10.0.0.1", 40000)));
        assertThat(declared.table(TableId.FILTER).chain("INPUT").policyPackets()).isEqualTo(1);
        // OUTPUT was created by its rule, FORWARD not at all: neither counts.
        assertThat(declared.save("v", "d", true)).contains(":INPUT ACCEPT [1:40]\n", ":FORWARD ACCEPT [0:0]\n",
                ":OUTPUT ACCEPT [0:0]\n");
    }
}
