package dev.podlab.kubeproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** iptables-restore lines as iptables-save prints them back (iptables extension save functions). */
class IptablesSaveTest {

    @Test
    void tokenizeHonoursQuotesAndEscapes() {
        assertThat(IptablesSave.tokenize("-A X -m comment --comment \"a b\\\"c\"  -j Y"))
                .containsExactly("-A", "X", "-m", "comment", "--comment", "a b\"c", "-j", "Y");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        // xtables_save_string: bare only for [_-0-9a-zA-Z]
        "kube-system|kube-system",
        "default/web:http|\"default/web:http\"",
        "a b|\"a b\"",
        "it's|\"it\\'s\"",
    })
    void saveStringQuoting(String value, String saved) {
        assertThat(IptablesSave.saveString(value)).isEqualTo(saved);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // reference §3: --or-mark / --xor-mark print as --set-xmark
        "-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000|-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
        "-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000|-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
        "-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN|-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
        // header fields first, /32 added, matches in given order
        "-A S -m comment --comment \"ns/s:p cluster IP\" -m udp -p udp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ"
            + "|-A S ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p udp -m comment --comment \"ns/s:p cluster IP\" -m udp --dport 53 -j KUBE-MARK-MASQ",
        // SCTP match
        "-A S -m comment --comment x -m sctp -p sctp -d 10.96.0.10 --dport 53 -j T|-A S -d 10.96.0.10/32 -p sctp -m comment --comment x -m sctp --dport 53 -j T",
        // implicit protocol match, host bits cleared
        "-A S -p tcp -s 10.244.1.7/16 --dport 80 -j ACCEPT|-A S -s 10.244.0.0/16 -p tcp -m tcp --dport 80 -j ACCEPT",
        // conntrack states in libxt_conntrack order
        "-A F -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT|-A F -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        "-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP"
            + "|-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP",
        "-A S -m statistic --mode random --probability 0.2000000000 -j T|-A S -m statistic --mode random --probability 0.20000000019 -j T",
        "-A S -j REJECT|-A S -j REJECT --reject-with icmp-port-unreachable",
        "-A S -m comment --comment \"x y\"|-A S -m comment --comment \"x y\"",
    })
    void canonicalRule(String restore, String saved) {
        assertThat(IptablesSave.canonicalRule(restore)).isEqualTo(saved);
    }

    @Test
    void unknownExtensionsAreRejected() {
        assertThatThrownBy(() -> IptablesSave.canonicalRule("-A S -m set --match-set x src -j T"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IptablesSave.canonicalRule("-A S -j SNAT --to-source 1.2.3.4"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void restoreWithNoflushSemantics() {
        var table = new IptablesSave.Table("nat");
        table.ensureChain("KUBE-SERVICES");
        table.ensureRuleFirst("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
        table.ensureRuleFirst("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
        IptablesSave.restore("*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-OLD - [0:0]\n-A KUBE-SERVICES -j RETURN\n-X KUBE-OLD\nCOMMIT\n",
                java.util.Map.of("nat", table));
        assertThat(table.rules("PREROUTING")).hasSize(1);
        assertThat(table.rules("KUBE-SERVICES")).containsExactly("-A KUBE-SERVICES -j RETURN");
        assertThat(table.hasChain("KUBE-OLD")).isFalse();
        assertThat(IptablesSave.print(List.of(table))).isEqualTo("""
                *nat
                :PREROUTING ACCEPT [0:0]
                :INPUT ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                :POSTROUTING ACCEPT [0:0]
                :KUBE-SERVICES - [0:0]
                -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
                -A KUBE-SERVICES -j RETURN
                COMMIT
                """);
    }
}
