package dev.podlab.flannel;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;
import dev.podlab.net.RouteException;
import dev.podlab.netfilter.Iptables;
import dev.podlab.packet.Ipv4Address;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * flanneld on one node, as the kube-flannel DaemonSet runs it ({@code --kube-subnet-mgr
 * --ip-masq}, forward rules on). Start-up follows flanneld's main: the backend registers its
 * network (the vxlan device is created before the lease so that its MAC can be published), the
 * lease is the node's {@code spec.podCIDR}, the masquerade rules and then the forward rules are
 * installed (pkg/trafficmngr/iptables), {@code /run/flannel/subnet.env} is written; then every
 * peer's lease is handed to the backend ({@code Added}).
 */
final class Flanneld {
    /** trafficmngr.KubeProxyMark: packets kube-proxy marked for masquerading. */
    static final String KUBE_PROXY_MARK = "0x4000/0x4000";

    private final Cluster cluster;
    private final ClusterNode node;
    private final NetConf conf;
    private final BackendNetwork network;
    private final Lease lease;

    Flanneld(Cluster cluster, ClusterNode node, NetConf conf) {
        this.cluster = cluster;
        this.node = node;
        this.conf = conf;
        VxlanNetwork vxlan = conf.backend() == NetConf.BackendType.VXLAN ? new VxlanNetwork(this, conf) : null;
        this.network = vxlan != null ? vxlan : new HostGwNetwork(this);
        this.lease = new Lease(node.name(), node.podCidr(), node.podCidrPrefix(), node.address(), conf.backend(),
                network.vni(), network.vtepMac());
        if (vxlan != null) {
            vxlan.configure(lease);
        }
        setUpMasqRules();
        setUpForwardRules();
    }

    ClusterNode node() {
        return node;
    }

    Lease lease() {
        return lease;
    }

    /** {@code FLANNEL_MTU}. */
    int mtu() {
        return network.mtu();
    }

    BackendNetwork network() {
        return network;
    }

    /** A peer's lease appeared (the watch's {@code Added} event). */
    void added(Lease peer) {
        network.added(peer);
    }

    /** {@code /run/flannel/subnet.env} as flanneld writes it (WriteSubnetFile). */
    String subnetEnv() {
        return "FLANNEL_NETWORK=" + conf.networkCidr() + "\n"
                + "FLANNEL_SUBNET=" + Ipv4Address.toString(lease.subnet() + 1) + "/" + lease.subnetLen() + "\n"
                + "FLANNEL_MTU=" + mtu() + "\n"
                + "FLANNEL_IPMASQ=true\n";
    }

    /** The {@code flannel.alpha.coreos.com/} annotations flanneld patches onto its Node. */
    Map<String, String> annotations() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("flannel.alpha.coreos.com/backend-data", lease.backendData());
        a.put("flannel.alpha.coreos.com/backend-type", conf.backend().typeName());
        a.put("flannel.alpha.coreos.com/kube-subnet-manager", "true");
        a.put("flannel.alpha.coreos.com/public-ip", Ipv4Address.toString(node.address()));
        return a;
    }

    /** A flanneld error log line: a cluster warning naming the node. */
    void logError(String line) {
        cluster.warn(node.spec().source(), "flanneld on " + node.name() + ": " + line);
    }

    /** The error text Go prints for a netlink errno ({@code syscall.Errno.Error}: strerror, lower case). */
    static String goError(RouteException e) {
        return e.errno().text.toLowerCase(Locale.ROOT);
    }

    /**
     * masqRules with {@code --random-fully} (the emulated iptables supports it): a chain
     * {@code FLANNEL-POSTRTG} jumped to from nat POSTROUTING, in flannel's order.
     */
    private void setUpMasqRules() {
        String cluster = conf.networkCidr();
        String pod = lease.subnetCidr();
        String c = " -m comment --comment \"flanneld masq\"";
        Iptables ipt = node.netfilter().iptables();
        ipt.execute("-t nat -N FLANNEL-POSTRTG");
        for (String rule : List.of(
                "-A POSTROUTING" + c + " -j FLANNEL-POSTRTG",
                "-A FLANNEL-POSTRTG -m mark --mark " + KUBE_PROXY_MARK + c + " -j RETURN",
                "-A FLANNEL-POSTRTG -s " + pod + " -d " + cluster + c + " -j RETURN",
                "-A FLANNEL-POSTRTG -s " + cluster + " -d " + pod + c + " -j RETURN",
                "-A FLANNEL-POSTRTG ! -s " + cluster + " -d " + pod + c + " -j RETURN",
                "-A FLANNEL-POSTRTG -s " + cluster + " ! -d 224.0.0.0/4" + c + " -j MASQUERADE --random-fully",
                "-A FLANNEL-POSTRTG ! -s " + cluster + " -d " + cluster + c + " -j MASQUERADE --random-fully")) {
            ipt.execute("-t nat " + rule);
        }
    }

    /** forwardRules: a filter chain {@code FLANNEL-FWD} jumped to from FORWARD. */
    private void setUpForwardRules() {
        String network = conf.networkCidr();
        String c = " -m comment --comment \"flanneld forward\"";
        Iptables ipt = node.netfilter().iptables();
        ipt.execute("-t filter -N FLANNEL-FWD");
        for (String rule : List.of(
                "-A FORWARD" + c + " -j FLANNEL-FWD",
                "-A FLANNEL-FWD -s " + network + c + " -j ACCEPT",
                "-A FLANNEL-FWD -d " + network + c + " -j ACCEPT")) {
            ipt.execute("-t filter " + rule);
        }
    }
}
