package dev.podlab.flannel;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.cluster.Cni;
import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.net.Bridge;
import dev.podlab.net.VxlanDevice;
import dev.podlab.packet.Ipv4Address;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * flannel as kube-flannel deploys it: the controller-manager's range allocator gives every node
 * its {@code spec.podCIDR} in registration order ({@link NodeCidrAllocator}: the first node gets
 * {@code 10.244.0.0/24}); flanneld on every node ({@link Flanneld}) registers the backend
 * ({@code vxlan}, {@code vxlan} with {@code DirectRouting}, or {@code host-gw}), installs its
 * iptables rules and programs one route (plus, for VXLAN, one neighbour and one FDB entry) per
 * peer; pods are attached by the CNI chain flannel → bridge + host-local ({@link BridgePlugin}).
 *
 * <pre>
 *  pod 10.244.0.2                                                    pod 10.244.1.2
 *   eth0 ── vethXXXXXXXX ── cni0 10.244.0.1/24        cni0 10.244.1.1/24 ── vethYYYYYYYY ── eth0
 *                            │ 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
 *                         flannel.1 10.244.0.0/32 ─── VXLAN VNI 1, UDP 8472 ─── flannel.1 10.244.1.0/32
 *                         eth0 192.168.1.11  ══════════ underlay ══════════  eth0 192.168.1.12
 * </pre>
 *
 * One instance serves one cluster (the ServiceLoader makes one per {@link Cluster#build}).
 */
public class FlannelCni implements Cni {
    private Cluster cluster;
    private NetConf conf;
    private final Map<ClusterNode, Flanneld> agents = new LinkedHashMap<>();
    private final Map<ClusterNode, PodPlugin> plugins = new LinkedHashMap<>();
    private final String name;

    /** flannel with the bridge plugin, as kube-flannel installs it. */
    public FlannelCni() {
        this("flannel");
    }

    /** flannel's node set-up under another CNI name (canal). */
    FlannelCni(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    /** The plugin attaching pods on {@code node} (whose lease {@code agent} holds). */
    PodPlugin podPlugin(ClusterNode node, Flanneld agent) {
        return new BridgePlugin(node.netns(), agent.lease().subnet(), agent.lease().subnetLen(), agent.mtu(),
                conf.networkCidr());
    }

    @Override
    public String hostInterface(ClusterPod pod) {
        PodPlugin plugin = plugins.get(pod.node());
        return plugin == null ? null : plugin.hostInterface(pod);
    }

    @Override
    public void setUpNodes(Cluster cluster, Map<String, Object> config) {
        if (this.cluster != null) {
            throw new IllegalStateException("this FlannelCni already runs cluster " + this.cluster.topology().cluster().name());
        }
        Source source = cluster.topology().cluster().source();
        this.conf = NetConf.parse(config, source, name);
        this.cluster = cluster;
        for (String w : conf.warnings()) {
            cluster.warn(source, w);
        }
        List<ClusterNode> nodes = cluster.nodes();
        NodeCidrAllocator allocator = new NodeCidrAllocator(conf.network(), conf.networkPrefix(), conf.subnetLen());
        for (ClusterNode node : nodes) {
            long subnet = allocator.allocateNext();
            if (subnet < 0) {
                throw new TopologyException(source, "spec.cni." + name + ".Network: Invalid value: \"" + conf.networkCidr()
                        + "\": room for " + allocator.slots() + " node subnets of /" + conf.subnetLen() + ", not "
                        + nodes.size() + " nodes (flanneld on " + node.name() + ": node \"" + node.name()
                        + "\" pod cidr not assigned)");
            }
            node.podCidr((int) subnet, conf.subnetLen());
        }
        for (ClusterNode node : nodes) {
            agents.put(node, new Flanneld(cluster, node, conf));
        }
        // Each flanneld's watch delivers the other nodes' leases, in registration order.
        for (ClusterNode node : nodes) {
            for (ClusterNode peer : nodes) {
                if (peer != node) {
                    agents.get(node).added(agents.get(peer).lease());
                }
            }
        }
    }

    @Override
    public int attachPod(Cluster cluster, ClusterNode node, ClusterPod pod) {
        Flanneld agent = agent(node);
        return plugins.computeIfAbsent(node, n -> podPlugin(n, agent)).add(pod);
    }

    @Override
    public void detachPod(Cluster cluster, ClusterNode node, ClusterPod pod) {
        PodPlugin plugin = plugins.get(node);
        if (plugin != null) {
            plugin.del(pod);
        }
    }

    /** The configuration as read ({@code net-conf.json}). */
    public NetConf config() {
        return conf;
    }

    /** The node's lease (its subnet and the attributes it published). */
    public Lease lease(ClusterNode node) {
        return agent(node).lease();
    }

    /** {@code FLANNEL_MTU} on the node: the MTU of {@code cni0} and of every pod interface. */
    public int mtu(ClusterNode node) {
        return agent(node).mtu();
    }

    /** {@code cat /run/flannel/subnet.env} on the node. */
    public String subnetEnv(ClusterNode node) {
        return agent(node).subnetEnv();
    }

    /** The {@code flannel.alpha.coreos.com/*} annotations of the node, by name. */
    public Map<String, String> annotations(ClusterNode node) {
        return agent(node).annotations();
    }

    /** The node's {@code flannel.VNI} device, or null with host-gw. */
    public VxlanDevice vxlanDevice(ClusterNode node) {
        return agent(node).network() instanceof VxlanNetwork v ? v.device() : null;
    }

    /** The node's {@code cni0}, or null while no pod runs there. */
    public Bridge cni0(ClusterNode node) {
        return plugins.get(node) instanceof BridgePlugin p ? p.bridge() : null;
    }

    private Flanneld agent(ClusterNode node) {
        Flanneld a = agents.get(node);
        if (a == null) {
            throw new IllegalArgumentException("node " + node + " runs no flanneld of this cluster"
                    + (node.podCidr() == 0 ? "" : " (podCIDR " + Ipv4Address.toString(node.podCidr()) + ")"));
        }
        return a;
    }
}
