package dev.podlab.netfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.net.Hook;
import dev.podlab.packet.Ipv4Address;
import org.junit.jupiter.api.Test;

/**
 * {@code -m bpf --object-pinned}: refused when nothing is pinned at the path (libxt_bpf opens
 * the object when the rule is parsed), matches as the pinned program answers, follows a re-pin
 * and an unpin, and saves as iptables-save prints it.
 */
class BpfMatchTest {
    private static final String PATH = "/sys/fs/bpf/test/prog";
    private static final String RULES = "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m bpf --object-pinned " + PATH
            + " -j ACCEPT\nCOMMIT\n";

    @Test
    void aRuleNeedsSomethingPinnedAtItsPath() {
        Iptables ipt = new Iptables();
        assertThatThrownBy(() -> ipt.restore(RULES)).isInstanceOf(IptablesException.class)
                .hasMessageContaining("bpf: failed to open pinned object " + PATH + ": No such file or directory");
    }

    @Test
    void theVerdictIsThePinnedProgramsAndFollowsRepinning() {
        Iptables ipt = new Iptables();
        int allowed = Ipv4Address.parse("10.0.0.1");
        ipt.bpf().pin(PATH, c -> c.src() == allowed);
        ipt.restore(RULES);
        assertThat(ipt.save("-")).contains("-A FORWARD -m bpf --object-pinned " + PATH + " -j ACCEPT");
        PacketContext from1 = TestPackets.ctx(TestPackets.syn("10.0.0.1", 40000, "10.0.0.9", 80), "eth0", "eth1");
        PacketContext from2 = TestPackets.ctx(TestPackets.syn("10.0.0.2", 40000, "10.0.0.9", 80), "eth0", "eth1");
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, from1)).isEqualTo(NfVerdict.ACCEPT);
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, from2)).isEqualTo(NfVerdict.DROP);
        ipt.bpf().pin(PATH, c -> true);
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, from2)).isEqualTo(NfVerdict.ACCEPT);
        ipt.bpf().unpin(PATH);
        assertThat(ipt.run(TableId.FILTER, Hook.FORWARD, from1)).isEqualTo(NfVerdict.DROP);
    }
}
