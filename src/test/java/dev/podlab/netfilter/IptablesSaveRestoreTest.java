package dev.podlab.netfilter;

import dev.podlab.net.Hook;

import static dev.podlab.netfilter.TestPackets.ctx;
import static dev.podlab.netfilter.TestPackets.syn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.packet.Ipv4Address;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.commons.math3.random.Well19937c;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** iptables-restore input and iptables-save output in the real formats. */
class IptablesSaveRestoreTest {
    private static final String DATE = "Mon Mar  4 10:00:00 2024";

    static String resource(String name) throws IOException {
        try (InputStream in = IptablesSaveRestoreTest.class.getResourceAsStream("/netfilter/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * A node's iptables-save, written by hand from kube-proxy.md (sections 2, 3, 3.2, 5, 6),
     * flannel.md (FLANNEL-POSTRTG, FLANNEL-FWD) and networkpolicy.md part C (kube-router), in the
     * canonical form of iptables-save v1.8.9 (nf_tables): tables mangle, filter, nat; built-in
     * chains in hook order, user chains sorted by name.
     */
    static Iptables node1() throws IOException {
        Iptables ipt = new Iptables();
        ipt.ipsets().restore(resource("node1-ipset-save.txt"));
        ipt.restore(resource("node1-iptables-save.txt"));
        return ipt;
    }

    @Test
    void saveOfRestoredCanonicalTextIsTheSameText() throws IOException {
        assertThat(node1().save(Iptables.DEFAULT_VERSION, DATE, false)).isEqualTo(resource("node1-iptables-save.txt"));
    }

    @Test
    void restoreOfSaveGivesTheSameStateWithCounters() throws IOException {
        Iptables a = node1();
        // Put packets through so counters are non-zero, then save with -c and restore with --counters.
        PacketContext c = ctx(syn("10.244.0.5", 40000, "10.96.42.10", 80), "cni0", "").conntrack(Ct.STATE_NEW, false, 0)
                .random(new Well19937c(3));
        for (int i = 0; i < 10; i++) {
            c.resetResults();
            a.run(TableId.NAT, Hook.PREROUTING, c);
        }
        String saved = a.save(Iptables.DEFAULT_VERSION, DATE, true);
        assertThat(saved).contains(":PREROUTING ACCEPT [0:0]").contains("[10:400] -A PREROUTING -m comment");
        Iptables b = new Iptables(a.ipsets());
        b.restore(saved, false, true);
        assertThat(b.save(Iptables.DEFAULT_VERSION, DATE, true)).isEqualTo(saved);
    }

    @Test
    void restoredKubeProxyRulesDnatAClusterIpConnection() throws IOException {
        Iptables ipt = node1();
        PacketContext c = ctx(syn("10.244.0.5", 40000, "10.96.0.10", 53), "cni0", "").conntrack(Ct.STATE_NEW, false, 0);
        c = ctx(TestPackets.udp("10.244.0.5", 40000, "10.96.0.10", 53), "cni0", "").conntrack(Ct.STATE_NEW, false, 0);
        assertThat(ipt.run(TableId.NAT, Hook.PREROUTING, c)).isEqualTo(NfVerdict.ACCEPT);
        assertThat(c.nat().type()).isEqualTo(NatRequest.Type.DNAT);
        assertThat(c.nat().minAddress()).isEqualTo(Ipv4Address.parse("10.244.1.4"));
        assertThat(c.nat().minPort()).isEqualTo(53);
        assertThat(c.decidingChain()).isEqualTo("KUBE-SEP-ZQ4ADD4J3XQ4RSWM");
        // Pod source inside the cluster CIDR: not marked for masquerade.
        assertThat(c.mark()).isZero();
        // No endpoints: REJECT in filter KUBE-SERVICES from FORWARD.
        PacketContext noEp = ctx(syn("10.244.0.5", 40000, "10.96.14.117", 8080), "cni0", "flannel.1")
                .conntrack(Ct.STATE_NEW, false, 0);
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, noEp)).isEqualTo(NfVerdict.DROP);
        assertThat(noEp.rejectWith()).isEqualTo(RejectWith.ICMP_PORT_UNREACHABLE);
        assertThat(noEp.decidingChain()).isEqualTo("KUBE-SERVICES");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // -s/-d/-i/-o/-p first, addresses with their prefix, the implicit tcp match where --dport was seen
        "-A INPUT -p tcp --dport 80 -s 10.0.0.1 -j ACCEPT | -A INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 80 -j ACCEPT",
        "-A INPUT -s 10.1.2.3/8 -j DROP | -A INPUT -s 10.0.0.0/8 -j DROP",
        "-A INPUT -s 10.0.0.0/255.255.0.0 -j DROP | -A INPUT -s 10.0.0.0/16 -j DROP",
        "-A FORWARD -o eth0 ! -i veth+ -j ACCEPT | -A FORWARD ! -i veth+ -o eth0 -j ACCEPT",
        "-A INPUT -i + -j ACCEPT | -A INPUT -j ACCEPT",
        "-A INPUT -p TCP --syn -j DROP | -A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j DROP",
        "-A INPUT -p tcp --sport 0:1023 --dport 1000:2000 -j DROP | -A INPUT -p tcp -m tcp --sport 0:1023 --dport 1000:2000 -j DROP",
        "-A INPUT -p tcp --dport 0:65535 -j DROP | -A INPUT -p tcp -m tcp -j DROP",
        "-A INPUT -p icmp --icmp-type echo-request -j ACCEPT | -A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT",
        "-A INPUT -p icmp --icmp-type port-unreachable -j ACCEPT | -A INPUT -p icmp -m icmp --icmp-type 3/3 -j ACCEPT",
        "-A INPUT -p 47 -j ACCEPT | -A INPUT -p 47 -j ACCEPT",
        "-A INPUT -p gre -j ACCEPT | -A INPUT -p 47 -j ACCEPT",
        "-A INPUT -m comment --comment simple -j ACCEPT | -A INPUT -m comment --comment simple -j ACCEPT",
        "-A INPUT -m comment --comment \"two words\" -j ACCEPT | -A INPUT -m comment --comment \"two words\" -j ACCEPT",
        "-A INPUT -m comment --comment \"say \\\"hi\\\"\" -j ACCEPT | -A INPUT -m comment --comment \"say \\\"hi\\\"\" -j ACCEPT",
        "-A INPUT -m mark --mark 0x4000 -j ACCEPT | -A INPUT -m mark --mark 0x4000 -j ACCEPT",
        "-A INPUT -m mark --mark 16384/16384 -j ACCEPT | -A INPUT -m mark --mark 0x4000/0x4000 -j ACCEPT",
        "-A INPUT -j MARK --or-mark 0x4000 | -A INPUT -j MARK --set-xmark 0x4000/0x4000",
        "-A INPUT -j MARK --xor-mark 0x4000 | -A INPUT -j MARK --set-xmark 0x4000/0x0",
        "-A INPUT -j MARK --set-mark 0x1 | -A INPUT -j MARK --set-xmark 0x1/0xffffffff",
        "-A INPUT -j MARK --and-mark 0xffff0000 | -A INPUT -j MARK --set-xmark 0x0/0xffff",
        "-A INPUT -m statistic --mode random --probability 0.3333333333 -j DROP | -A INPUT -m statistic --mode random --probability 0.33333333349 -j DROP",
        "-A INPUT -m statistic --mode random --probability 0.2 -j DROP | -A INPUT -m statistic --mode random --probability 0.20000000019 -j DROP",
        "-A INPUT -m statistic --mode nth --every 2 --packet 0 -j DROP | -A INPUT -m statistic --mode nth --every 2 -j DROP",
        "-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT | -A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
        "-A INPUT -m conntrack --ctstate DNAT,NEW,INVALID --ctdir REPLY --ctstatus CONFIRMED,ASSURED --ctorigdst 10.96.0.1/32 -j ACCEPT | -A INPUT -m conntrack --ctstate INVALID,NEW,DNAT --ctorigdst 10.96.0.1 --ctstatus ASSURED,CONFIRMED --ctdir REPLY -j ACCEPT",
        "-A INPUT -m addrtype --dst-type LOCAL,BROADCAST --limit-iface-in -j ACCEPT | -A INPUT -m addrtype --dst-type LOCAL,BROADCAST --limit-iface-in -j ACCEPT",
        "-A FORWARD -m physdev --physdev-is-bridged --physdev-out veth+ ! --physdev-in eth0 -j ACCEPT | -A FORWARD -m physdev ! --physdev-in eth0 --physdev-out veth+ --physdev-is-bridged -j ACCEPT",
        "-A INPUT -m iprange --src-range 10.0.0.1 -j ACCEPT | -A INPUT -m iprange --src-range 10.0.0.1-10.0.0.1 -j ACCEPT",
        "-A INPUT -p udp -m multiport --destination-ports 53,1000:2000 -j ACCEPT | -A INPUT -p udp -m multiport --dports 53,1000:2000 -j ACCEPT",
        "-A INPUT -j LOG --log-prefix DROP: --log-level warning | -A INPUT -j LOG --log-prefix \"DROP:\"",
        "-A INPUT -j LOG --log-level 7 | -A INPUT -j LOG --log-level 7",
        "-A INPUT -p tcp -j REJECT --reject-with tcp-rst | -A INPUT -p tcp -j REJECT --reject-with tcp-reset",
        "-A INPUT -f -j DROP | -A INPUT -f -j DROP",
    })
    void savePrintsTheCanonicalForm(String input, String expected) {
        Iptables ipt = new Iptables();
        ipt.restore("*filter\n" + input + "\nCOMMIT\n");
        assertThat(ipt.save(DATE)).contains("\n" + expected + "\n");
    }

    @Test
    void kubeRouterRuleIsCanonicalised() {
        Iptables ipt = new Iptables();
        ipt.ipsets().restore("create KUBE-SRC-AAAA hash:ip\ncreate KUBE-DST-BBBB hash:ip\n");
        // As kube-router writes it (networkpolicy.md C.2): -p TCP --dport after the set matches.
        ipt.restore("*filter\n:KUBE-NWPLCY-X - [0:0]\n-A KUBE-NWPLCY-X -m comment --comment \"allow fe\" "
                + "-m set --match-set KUBE-SRC-AAAA src -m set --match-set KUBE-DST-BBBB dst -p TCP --dport 8080 "
                + "-j MARK --set-xmark 0x10000/0x10000\nCOMMIT\n");
        assertThat(ipt.save(DATE)).contains("\n-A KUBE-NWPLCY-X -p tcp -m comment --comment \"allow fe\" "
                + "-m set --match-set KUBE-SRC-AAAA src -m set --match-set KUBE-DST-BBBB dst -m tcp --dport 8080 "
                + "-j MARK --set-xmark 0x10000/0x10000\n");
    }

    @Test
    void tablesArePrintedInTheNfTablesBackendOrder() {
        Iptables ipt = new Iptables();
        ipt.restore("*nat\nCOMMIT\n*filter\nCOMMIT\n*raw\nCOMMIT\n*mangle\nCOMMIT\n");
        String s = ipt.save(DATE);
        assertThat(s.indexOf("*mangle")).isLessThan(s.indexOf("*raw"));
        assertThat(s.indexOf("*raw")).isLessThan(s.indexOf("*filter"));
        assertThat(s.indexOf("*filter")).isLessThan(s.indexOf("*nat"));
        assertThat(s).startsWith("# Generated by iptables-save v1.8.9 (nf_tables) on " + DATE + "\n*mangle\n"
                + ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                + ":POSTROUTING ACCEPT [0:0]\nCOMMIT\n# Completed on " + DATE + "\n");
    }

    @Test
    void unsupportedMatchIsAnErrorNamingTheLine() {
        Iptables ipt = new Iptables();
        String text = "# Generated by iptables-save\n*nat\n:KUBE-SVC-X - [0:0]\n"
                + "-A KUBE-SVC-X -m recent --name KUBE-SEP-X --mask 255.255.255.255 --rcheck --seconds 10800 --reap -j ACCEPT\n"
                + "COMMIT\n";
        assertThatThrownBy(() -> ipt.restore(text))
                .isInstanceOf(IptablesException.class)
                .hasMessageStartingWith("iptables-restore: line 4 failed: unsupported match \"-m recent\"")
                .satisfies(e -> assertThat(((IptablesException) e).line()).isEqualTo(4));
        assertThatThrownBy(() -> ipt.restore("*filter\n-A INPUT -j CONNMARK --set-mark 1\nCOMMIT\n"))
                .hasMessageStartingWith("iptables-restore: line 2 failed: unsupported target \"-j CONNMARK\"");
        assertThatThrownBy(() -> ipt.restore("*filter\n-A INPUT -p tcp --dport 80 --bogus -j ACCEPT\nCOMMIT\n"))
                .hasMessage("iptables-restore: line 2 failed: unknown option \"--bogus\"");
        assertThatThrownBy(() -> ipt.restore("*filter\n-A INPUT -j NO-SUCH-CHAIN\nCOMMIT\n"))
                .hasMessage("iptables-restore: line 2 failed: Couldn't load target `NO-SUCH-CHAIN':No such file or directory");
        assertThatThrownBy(() -> ipt.restore("*filter\n-A INPUT -j ACCEPT\n"))
                .hasMessage("iptables-restore: COMMIT expected at line 3");
        assertThatThrownBy(() -> ipt.restore("*filter\n-A OUTPUT -i eth0 -j ACCEPT\nCOMMIT\n"))
                .hasMessage("iptables-restore: line 2 failed: Can't use -i with OUTPUT");
    }

    @Test
    void aFailedRestoreChangesNothing() throws IOException {
        Iptables ipt = node1();
        String before = ipt.save(DATE);
        assertThatThrownBy(() -> ipt.restore("*filter\n-A INPUT -j DROP\nCOMMIT\n*nat\n-A POSTROUTING -m recent -j DROP\nCOMMIT\n"))
                .isInstanceOf(IptablesException.class);
        assertThat(ipt.save(DATE)).isEqualTo(before);
    }

    @Test
    void noflushKeepsOtherRulesAndAChainLineFlushesThatChain() {
        Iptables ipt = new Iptables();
        ipt.restore("*filter\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A A -j DROP\n-A B -j DROP\nCOMMIT\n");
        ipt.restore("*filter\n:A - [0:0]\n-A A -j ACCEPT\nCOMMIT\n", true, false);
        String s = ipt.save(DATE);
        assertThat(s).contains("\n-A INPUT -j A\n-A A -j ACCEPT\n-A B -j DROP\n");
        // Without --noflush the table is replaced.
        ipt.restore("*filter\n-A FORWARD -j DROP\nCOMMIT\n");
        assertThat(ipt.table(TableId.FILTER).chain("A")).isNull();
        assertThat(ipt.save(DATE)).contains("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -j DROP\nCOMMIT\n");
    }

    @Test
    void commandsInsertDeleteAndPolicy() {
        Iptables ipt = new Iptables();
        ipt.execute("-A INPUT -s 10.0.0.1 -j ACCEPT");
        ipt.execute("-I INPUT -s 10.0.0.2 -j DROP");
        ipt.execute("-I INPUT 2 -s 10.0.0.3 -j DROP");
        ipt.execute("-P INPUT DROP");
        ipt.execute("-t nat -N KUBE-MARK-MASQ");
        assertThat(ipt.save(DATE)).contains(":INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                + "-A INPUT -s 10.0.0.2/32 -j DROP\n-A INPUT -s 10.0.0.3/32 -j DROP\n-A INPUT -s 10.0.0.1/32 -j ACCEPT\n")
                .contains("*nat\n");
        ipt.execute("-D INPUT -s 10.0.0.3/32 -j DROP");
        ipt.execute("-D INPUT 1");
        assertThat(ipt.table(TableId.FILTER).chain("INPUT").rules()).extracting(Rule::toString)
                .containsExactly("-s 10.0.0.1/32 -j ACCEPT");
        assertThatThrownBy(() -> ipt.execute("-D INPUT -s 9.9.9.9 -j DROP"))
                .hasMessage("Bad rule (does a matching rule exist in that chain?).");
        ipt.execute("-t nat -A PREROUTING -j KUBE-MARK-MASQ");
        assertThatThrownBy(() -> ipt.execute("-t nat -X KUBE-MARK-MASQ")).hasMessageContaining("Too many links");
    }
}
