package dev.podlab.flannel;

import static dev.podlab.flannel.BridgePlugin.ip;

import dev.podlab.cluster.ClusterPod;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.net.NetNamespace;
import dev.podlab.packet.Ipv4Address;

/**
 * The {@code calico} CNI plugin as canal configures it on one node: {@code host-local} IPAM on the
 * node's pod CIDR ({@code "subnet": "usePodCidr"}) and Calico's workload plumbing
 * (projectcalico/calico cni-plugin, {@code dataplane/linux}):
 *
 * <pre>
 *   pod eth0 10.244.1.2/32                          node
 *     default via 169.254.1.1 dev eth0                cali3c73a6b29ba  ee:ee:ee:ee:ee:ee, proxy_arp=1
 *     169.254.1.1 dev eth0 scope link                 10.244.1.2 dev cali3c73a6b29ba scope link
 * </pre>
 *
 * Nobody owns 169.254.1.1: the pod ARPs for it, and the host answers by proxy ARP with the
 * {@code cali} end's fixed MAC, because its route to 169.254.1.1 leaves by another interface. So
 * every packet a pod sends is routed by the host — there is no bridge, and same-node traffic
 * crosses the host's FORWARD chain where Felix polices it. The host end is named
 * {@code cali} + the first 11 hex digits of SHA-1({@code "namespace.pod"}), as
 * {@code VethNameForWorkload} does, and carries the pod's MTU (canal: flannel's).
 *
 * <p>Not emulated: {@code route_localnet} and {@code neigh.proxy_delay} (the emulated proxy ARP
 * answers at once, which is what {@code proxy_delay=0} asks for).
 */
final class CalicoPlugin extends PodPlugin {
    /** The fixed MAC of every host-side {@code cali} interface. */
    static final String HOST_MAC = "ee:ee:ee:ee:ee:ee";
    static final String GATEWAY = "169.254.1.1";

    private final NetNamespace node;
    private final int mtu;

    CalicoPlugin(NetNamespace node, int podCidr, int prefix, int mtu) {
        super(podCidr, prefix);
        this.node = node;
        this.mtu = mtu;
    }

    /** {@code VethNameForWorkload}: {@code cali} + 11 hex digits of SHA-1({@code namespace.pod}). */
    static String vethName(String namespace, String pod) {
        byte[] h = BridgePlugin.sha1(namespace + "." + pod);
        StringBuilder sb = new StringBuilder("cali");
        for (int i = 0; sb.length() < 15; i++) {
            sb.append(String.format("%02x", h[i]));
        }
        return sb.substring(0, 15);
    }

    @Override
    int add(ClusterPod pod) {
        NetNamespace podNs = pod.netns();
        String hostVeth = vethName(pod.spec().namespace(), pod.spec().name());
        int address = ipam.allocate();
        if (address == 0) {
            throw new TopologyException(pod.spec().source(), "Pod " + pod.name() + ": failed to allocate for range 0: "
                    + "no IP addresses available in range set: " + ipam.rangeText());
        }
        hostNames.put(pod.name(), hostVeth);
        // DoNetworking: the pair, the host end's fixed MAC and sysctls, then the container side.
        ip(node, "link add " + hostVeth + " type veth peer name eth0 netns " + podNs.name());
        ip(node, "link set " + hostVeth + " address " + HOST_MAC);
        ip(node, "link set " + hostVeth + " mtu " + mtu);
        ip(podNs, "link set eth0 mtu " + mtu);
        ip(node, "sysctl -w net.ipv4.conf." + hostVeth + ".proxy_arp=1");
        ip(node, "sysctl -w net.ipv4.conf." + hostVeth + ".forwarding=1");
        ip(node, "link set " + hostVeth + " up");
        ip(podNs, "link set eth0 up");
        ip(podNs, "route add " + GATEWAY + " dev eth0 scope link");
        ip(podNs, "route add default via " + GATEWAY + " dev eth0");
        ip(podNs, "addr add " + Ipv4Address.toString(address) + "/32 dev eth0");
        // SetupRoutes on the host: the pod is reached directly on its cali interface.
        ip(node, "route add " + Ipv4Address.toString(address) + " dev " + hostVeth + " scope link");
        return address;
    }


}
