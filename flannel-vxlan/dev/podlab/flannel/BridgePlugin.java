package dev.podlab.flannel;


import dev.podlab.cluster.ClusterPod;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.net.Bridge;
import dev.podlab.net.IpCommand;
import dev.podlab.net.NetNamespace;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.MacAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The CNI chain kube-flannel installs on one node: the flannel meta-plugin reads
 * {@code /run/flannel/subnet.env} and delegates to the {@code bridge} plugin with
 * {@code host-local} IPAM (flannel-io/cni-plugin flannel_linux.go; containernetworking/plugins
 * plugins/main/bridge/bridge.go):
 *
 * <pre>
 *   {"name": "cbr0", "type": "bridge", "bridge": "cni0", "isGateway": true, "isDefaultGateway": true,
 *    "hairpinMode": true, "ipMasq": false, "mtu": FLANNEL_MTU,
 *    "ipam": {"type": "host-local", "ranges": [[{"subnet": FLANNEL_SUBNET}]],
 *             "routes": [{"dst": FLANNEL_NETWORK}]}}
 * </pre>
 *
 * {@code cmdAdd}, in the plugin's order: {@code cni0} is created (random MAC, the flannel MTU) and
 * set up if missing — so a node without pods has no {@code cni0}; a veth pair is made with
 * {@code eth0} in the pod and {@code vethXXXXXXXX} on the node, both with the flannel MTU and
 * random MACs, the host end up, enslaved to {@code cni0} with hairpin on; host-local hands out the
 * next address; in the pod {@code eth0} goes up with {@code ADDR/LEN}, a route to
 * {@code FLANNEL_NETWORK} and a default route, both via the gateway; finally {@code cni0} gets the
 * gateway address {@code SUBNET.1/LEN} (once), its MAC is pinned to itself, and forwarding is on.
 *
 * <p>The real plugin names the host end {@code veth} + 8 random hex digits; podlab derives them
 * from the pod's name (SHA-1 of {@code namespace/name}) so that every run names them alike.
 */
final class BridgePlugin extends PodPlugin {
    static final String BRIDGE = "cni0";

    private final NetNamespace node;
    private final int mtu;
    private final String flannelNetwork;
    private Bridge cni0;

    /**
     * @param node           the node's root namespace
     * @param subnet         the node's lease ({@code FLANNEL_SUBNET}'s network)
     * @param mtu            {@code FLANNEL_MTU}
     * @param flannelNetwork {@code FLANNEL_NETWORK} ({@code 10.244.0.0/16})
     */
    BridgePlugin(NetNamespace node, int subnet, int prefix, int mtu, String flannelNetwork) {
        super(subnet, prefix);
        this.node = node;
        this.mtu = mtu;
        this.flannelNetwork = flannelNetwork;
    }

    /** The node's {@code cni0}, or null before the first pod. */
    Bridge bridge() {
        return cni0;
    }


    /** {@code cmdAdd} for {@code pod}: its interface, address and routes; returns the address. */
    @Override
    int add(ClusterPod pod) {
        NetNamespace podNs = pod.netns();
        setUpBridge();

        // ip.SetupVeth: the pair is made in the pod with the MTU on both ends; the host end is set up.
        String hostVeth = vethName(pod.name());
        hostNames.put(pod.name(), hostVeth);
        ip(node, "link add " + hostVeth + " type veth peer name eth0 netns " + podNs.name());
        ip(node, "link set " + hostVeth + " mtu " + mtu);
        ip(podNs, "link set eth0 mtu " + mtu);
        ip(node, "link set " + hostVeth + " up");
        ip(node, "link set " + hostVeth + " master " + BRIDGE);
        ip(node, "link set dev " + hostVeth + " type bridge_slave hairpin on");

        int address = ipam.allocate();
        if (address == 0) {
            throw new TopologyException(pod.spec().source(), "Pod " + pod.name() + ": failed to allocate for range 0: "
                    + "no IP addresses available in range set: " + ipam.rangeText());
        }
        String gw = Ipv4Address.toString(ipam.gateway());

        // ipam.ConfigureIface in the pod: link up, the address, then the result's routes.
        ip(podNs, "link set eth0 up");
        ip(podNs, "addr add " + Ipv4Address.toString(address) + "/" + ipam.prefix() + " dev eth0");
        ip(podNs, "route add " + flannelNetwork + " via " + gw + " dev eth0");
        ip(podNs, "route add default via " + gw + " dev eth0");

        // isGateway: ensureAddr on the bridge, pin its MAC (LinkSetHardwareAddr with its own), forward.
        if (node.primaryAddress(cni0) == 0) {
            ip(node, "addr add " + gw + "/" + ipam.prefix() + " dev " + BRIDGE);
        }
        ip(node, "link set " + BRIDGE + " address " + MacAddress.toString(cni0.mac()));
        ip(node, "sysctl -w net.ipv4.ip_forward=1");
        return address;
    }


    /** setupBridge / ensureBridge: {@code cni0} with the configured MTU, up. */
    private void setUpBridge() {
        if (cni0 != null) {
            return;
        }
        ip(node, "link add " + BRIDGE + " type bridge");
        ip(node, "link set " + BRIDGE + " mtu " + mtu);
        ip(node, "link set " + BRIDGE + " up");
        cni0 = (Bridge) node.device(BRIDGE);
    }

    /** {@code veth} + 8 hex digits from the pod's name; the next digest on a clash, as the plugin retries on EEXIST. */
    private String vethName(String podName) {
        for (int attempt = 0; ; attempt++) {
            byte[] h = sha1(attempt == 0 ? podName : podName + "#" + attempt);
            String name = String.format("veth%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
            if (node.device(name) == null) {
                return name;
            }
        }
    }

    static byte[] sha1(String s) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }

    static void ip(NetNamespace ns, String command) {
        IpCommand.run(ns, command);
    }
}
