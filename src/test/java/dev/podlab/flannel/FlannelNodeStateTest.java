package dev.podlab.flannel;

import static dev.podlab.flannel.FlannelLab.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.ClusterNode;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.net.LinkViews;
import dev.podlab.net.NetNamespace;
import dev.podlab.packet.MacAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The node and pod state flannel's VXLAN backend and the bridge + host-local plugins leave behind,
 * compared line by line with shared/reference/flannel.md (§1.1 leases, §1.3 subnet.env, §2.2 the
 * device, §2.3 {@code ip route} / {@code ip neigh show dev flannel.1} / {@code bridge fdb show dev
 * flannel.1}, §4.3 the pod view, §5 the iptables rules) — the reference, written from flannel's and
 * the plugins' sources and from real nodes' outputs, is the independent source; only the addresses
 * (and the random MACs) are ours. Three nodes on one underlay subnet, one pod each:
 *
 * <pre>
 *   node1 192.168.1.11  10.244.0.0/24   pod a 10.244.0.2
 *   node2 192.168.1.12  10.244.1.0/24   pod b 10.244.1.2     ← the reference's node (its 10.244.1.0/24)
 *   node3 192.168.1.13  10.244.2.0/24   pod c 10.244.2.2
 * </pre>
 */
class FlannelNodeStateTest {
    private static FlannelLab lab;
    private static ClusterNode node1;
    private static ClusterNode node2;
    private static ClusterNode node3;

    @BeforeAll
    static void build() {
        lab = FlannelLab.build(FlannelLab.netConf(Map.of("Type", "vxlan")),
                List.of("node1=192.168.1.11/24", "node2=192.168.1.12/24", "node3=192.168.1.13/24"),
                List.of("node1:a", "node2:b", "node3:c"));
        node1 = lab.node("node1");
        node2 = lab.node("node2");
        node3 = lab.node("node3");
    }

    private static String vtep(ClusterNode n) {
        return MacAddress.toString(lab.cni.vxlanDevice(n).mac());
    }

    @Test
    void nodesGetPodCidrsInRegistrationOrderStartingWithSlotZero() {
        // §1.1: the range allocator's nextCandidate starts at 0; the first subnet is not skipped.
        assertThat(List.of(node1, node2, node3)).extracting(n -> lab.cni.lease(n).subnetCidr())
                .containsExactly("10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24");
        assertThat(node2.podCidr()).isEqualTo(lab.cni.lease(node2).subnet());
        assertThat(node2.podCidrPrefix()).isEqualTo(24);
    }

    @Test
    void subnetEnvAndAnnotationsAreFlanneldsForTheLease() {
        // §1.3
        assertThat(lab.cni.subnetEnv(node2)).isEqualTo("""
                FLANNEL_NETWORK=10.244.0.0/16
                FLANNEL_SUBNET=10.244.1.1/24
                FLANNEL_MTU=1450
                FLANNEL_IPMASQ=true
                """);
        // §1.1 annotations; VtepMAC is flannel.1's MAC.
        assertThat(lab.cni.annotations(node2)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "flannel.alpha.coreos.com/backend-data", "{\"VNI\":1,\"VtepMAC\":\"" + vtep(node2) + "\"}",
                "flannel.alpha.coreos.com/backend-type", "vxlan",
                "flannel.alpha.coreos.com/kube-subnet-manager", "true",
                "flannel.alpha.coreos.com/public-ip", "192.168.1.12"));
    }

    @Test
    void ipRouteIsTheReferences() {
        // §2.3 "ip route" with 192.168.66.0/24 → 192.168.1.0/24, ens33 → eth0.
        assertThat(lines(node2.netns().routes().show())).containsExactly(
                "default via 192.168.1.1 dev eth0 proto static",
                "10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink",
                "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1",
                "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
                "192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.12");
    }

    @Test
    void neighbourAndFdbEntriesPointAtEachPeersVtep() {
        NetNamespace ns = node2.netns();
        // §2.3: one permanent neighbour SUBNET.0 → VtepMAC and one FDB entry VtepMAC → public IP per peer
        // (listed newest first: node3's, then node1's, as in the reference's listing).
        assertThat(lines(ns.arp().show(ns.device("flannel.1").ref()))).containsExactly(
                "10.244.2.0 lladdr " + vtep(node3) + " PERMANENT",
                "10.244.0.0 lladdr " + vtep(node1) + " PERMANENT");
        assertThat(lines(lab.cni.vxlanDevice(node2).fdb().showDev())).containsExactly(
                vtep(node3) + " dst 192.168.1.13 self permanent",
                vtep(node1) + " dst 192.168.1.11 self permanent");
    }

    @Test
    void flannelOneAndCni0Addresses() {
        List<String> addr = lines(LinkViews.ipAddr(node2.netns()));
        // §2.2: /32 of the lease's network address, MTU 1500 - 50, state UNKNOWN; vxlan 1, port 8472, local eth0.
        assertThat(addr).contains(
                "3: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default",
                "    inet 10.244.1.0/32 scope global flannel.1");
        // §4.3: cni0 has the gateway .1 with the subnet's mask, the flannel MTU.
        assertThat(addr).contains("    inet 10.244.1.1/24 brd 10.244.1.255 scope global cni0");
        assertThat(addr).anyMatch(l -> l.startsWith("4: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 "));
        var dev = lab.cni.vxlanDevice(node2);
        assertThat(dev.vni()).isEqualTo(1);
        assertThat(dev.port()).isEqualTo(8472);
        assertThat(dev.local()).isEqualTo(node2.address());
        // §4.3: the host end is vethXXXXXXXX, a cni0 port with hairpin on.
        var port = lab.cni.cni0(node2).ports().get(0);
        assertThat(port.dev().name()).matches("veth[0-9a-f]{8}");
        assertThat(port.hairpin()).isTrue();
        assertThat(port.dev().mtu()).isEqualTo(1450);
    }

    @Test
    void podViewIsTheReferences() {
        ClusterPod b = lab.pod("b");
        assertThat(b.ip()).isEqualTo(dev.podlab.packet.Ipv4Address.parse("10.244.1.2"));
        // §4.3 "Pod view" with the first host-local address .2.
        assertThat(lines(b.netns().routes().show())).containsExactly(
                "default via 10.244.1.1 dev eth0",
                "10.244.0.0/16 via 10.244.1.1 dev eth0",
                "10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2");
        List<String> addr = lines(LinkViews.ipAddr(b.netns()));
        assertThat(addr).contains("    inet 10.244.1.2/24 brd 10.244.1.255 scope global eth0");
        assertThat(addr).anyMatch(l -> l.matches("2: eth0@if\\d+: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 .*"));
    }

    @Test
    void hostLocalHandsOutSequentialAddressesSkippingTheGateway() {
        FlannelLab two = FlannelLab.build(FlannelLab.netConf(Map.of("Type", "vxlan")),
                List.of("node1=192.168.1.11/24"), List.of("node1:p", "node1:q", "node1:r"));
        assertThat(List.of("p", "q", "r")).extracting(n -> dev.podlab.packet.Ipv4Address.toString(two.pod(n).ip()))
                .containsExactly("10.244.0.2", "10.244.0.3", "10.244.0.4");
        // Different pods, different deterministic host-end names.
        assertThat(two.cni.cni0(two.node("node1")).ports()).extracting(p -> p.dev().name()).doesNotHaveDuplicates();
    }

    @Test
    void iptablesRulesAreFlannelsInOrder() {
        String save = node2.netfilter().iptables().save("-");
        // §5, with --random-fully (the emulated iptables 1.8.9 supports it); kube-proxy's own jump
        // comes first in POSTROUTING because kube-proxy prepends it.
        assertThat(lines(save).stream().filter(l -> l.contains("flanneld masq")).toList()).containsExactly(
                "-A POSTROUTING -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG",
                "-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment \"flanneld masq\" -j RETURN",
                "-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment \"flanneld masq\" -j RETURN",
                "-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment \"flanneld masq\" -j RETURN",
                "-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment \"flanneld masq\" -j RETURN",
                "-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully",
                "-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully");
        assertThat(lines(save).stream().filter(l -> l.contains("flanneld forward")).toList()).containsExactly(
                "-A FORWARD -m comment --comment \"flanneld forward\" -j FLANNEL-FWD",
                "-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT",
                "-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT");
        assertThat(save).contains(":FLANNEL-POSTRTG - [0:0]", ":FLANNEL-FWD - [0:0]");
    }

    @Test
    void sameSeedSameMacs() {
        FlannelLab again = FlannelLab.build(FlannelLab.netConf(Map.of("Type", "vxlan")),
                List.of("node1=192.168.1.11/24", "node2=192.168.1.12/24", "node3=192.168.1.13/24"),
                List.of("node1:a", "node2:b", "node3:c"));
        assertThat(LinkViews.ipAddr(again.node("node2").netns())).isEqualTo(LinkViews.ipAddr(node2.netns()));
        assertThat(LinkViews.ipAddr(again.pod("b").netns())).isEqualTo(LinkViews.ipAddr(lab.pod("b").netns()));
    }
}
