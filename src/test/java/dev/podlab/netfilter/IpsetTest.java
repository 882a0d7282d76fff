package dev.podlab.netfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** ipset restore/save/list formats and set semantics. */
class IpsetTest {

    @Test
    void saveOfRestoredTextIsTheSameText() throws IOException {
        String text = IptablesSaveRestoreTest.resource("node1-ipset-save.txt");
        Ipset sets = new Ipset();
        sets.restore(text);
        assertThat(sets.save()).isEqualTo(text);
    }

    @Test
    void saveOrdersSetsByIndexAndMembersByAddress() {
        Ipset sets = new Ipset();
        sets.restore("create B hash:net family inet hashsize 1000 maxelem 1024\nadd B 10.0.0.0/8\nadd B 10.1.2.3\n"
                + "create A hash:ip,port\nadd A 10.0.0.2,udp:53\nadd A 10.0.0.1,80\n"
                + "create L list:set size 8\nadd L A\n");
        // hashsize 1000 is rounded up to a power of two (htable_bits); a /32 member prints bare.
        assertThat(sets.save()).isEqualTo("create B hash:net family inet hashsize 1024 maxelem 1024\n"
                + "add B 10.0.0.0/8\nadd B 10.1.2.3\n"
                + "create A hash:ip,port family inet hashsize 1024 maxelem 65536\n"
                + "add A 10.0.0.1,tcp:80\nadd A 10.0.0.2,udp:53\n"
                + "create L list:set size 8\nadd L A\n");
        sets.execute("destroy B");
        sets.execute("create C hash:ip");
        // The freed index 0 is reused.
        assertThat(sets.sets()).extracting(IpSet::name).containsExactly("C", "A", "L");
    }

    @Test
    void listPrintsTheHeaderBlock() {
        Iptables ipt = new Iptables();
        ipt.ipsets().restore("create KUBE-DST-X hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x4d9d24f1\n"
                + "add KUBE-DST-X 10.244.1.5\n");
        ipt.restore("*filter\n-A FORWARD -m set --match-set KUBE-DST-X dst -j ACCEPT\nCOMMIT\n");
        String list = ipt.ipsets().list();
        assertThat(list).startsWith("Name: KUBE-DST-X\nType: hash:ip\nRevision: 6\n"
                + "Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x4d9d24f1\nSize in memory: ");
        assertThat(list).endsWith("\nReferences: 1\nNumber of entries: 1\nMembers:\n10.244.1.5\n");
    }

    @Test
    void errorsUseIpsetWordingAndNameTheLine() {
        Ipset sets = new Ipset();
        assertThatThrownBy(() -> sets.restore("create A hash:ip\nadd B 1.1.1.1\n"))
                .hasMessage("ipset v7.17: Error in line 2: The set with the given name does not exist");
        assertThatThrownBy(() -> sets.restore("add A 1.1.1.1\nadd A 1.1.1.1\n"))
                .hasMessage("ipset v7.17: Error in line 2: Element cannot be added to the set: it's already added");
        sets.restore("add A 1.1.1.1\n", true);
        assertThatThrownBy(() -> sets.execute("create A hash:ip"))
                .hasMessage("Set cannot be created: set with the same name already exists");
        assertThatThrownBy(() -> sets.execute("create X hash:mac"))
                .hasMessageContaining("unsupported set type");
        assertThatThrownBy(() -> sets.execute("create T hash:ip timeout 300"))
                .hasMessageContaining("does not emulate ipset entry expiry");
        assertThatThrownBy(() -> sets.execute("swap A L")).hasMessage("The set with the given name does not exist");
    }

    @Test
    void hashIpAcceptsRangesAndCidrs() {
        Ipset sets = new Ipset();
        sets.restore("create A hash:ip\nadd A 10.0.0.0/30\nadd A 10.0.1.1-10.0.1.2\n");
        assertThat(sets.get("A").size()).isEqualTo(6);
        sets.execute("del A 10.0.0.0");
        assertThat(sets.save()).isEqualTo("create A hash:ip family inet hashsize 1024 maxelem 65536\n"
                + "add A 10.0.0.1\nadd A 10.0.0.2\nadd A 10.0.0.3\nadd A 10.0.1.1\nadd A 10.0.1.2\n");
    }

    @Test
    void membershipSurvivesGrowthAndDeletion() {
        LongHashSet s = new LongHashSet();
        for (long k = 0; k < 20_000; k += 2) {
            assertThat(s.add(k << 24)).isTrue();
        }
        for (long k = 0; k < 20_000; k += 4) {
            assertThat(s.remove(k << 24)).isTrue();
        }
        for (long k = 0; k < 20_000; k++) {
            assertThat(s.contains(k << 24)).as("key %d", k).isEqualTo(k % 4 == 2);
        }
        assertThat(s.size()).isEqualTo(5_000);
    }
}
