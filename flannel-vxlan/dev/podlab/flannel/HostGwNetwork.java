package dev.podlab.flannel;

import dev.podlab.cluster.ClusterNode;
import dev.podlab.net.RouteException;
import dev.podlab.packet.Ipv4Address;

/**
 * The host-gw backend on one node (pkg/backend/hostgw/hostgw.go, pkg/backend/route_network.go): no
 * device, the MTU of the external interface, and per peer one plain route
 * {@code SUBNET via PEER_PUBLIC_IP dev eth0} (netlink {@code RouteAdd}: NLM_F_CREATE | NLM_F_EXCL,
 * proto boot, scope universe).
 *
 * <p>When the peer is not on one of this node's L2 segments the gateway is not on-link: the kernel
 * refuses the route with ENETUNREACH ({@code fib_check_nh}) and flanneld logs {@code Error adding
 * route to {Ifindex: 2 Dst: 10.244.2.0/24 Src: <nil> Gw: 192.168.2.12 Flags: [] Table: 0 Realm: 0}:
 * network is unreachable} — the netlink route printed by vishvananda/netlink's {@code Route.String}.
 * That line becomes a cluster warning and no route is installed: traffic to the peer's pods then
 * follows the default route to the underlay router, which has no route to pod subnets. (flanneld's
 * route checker retries every 10 s; the underlay never changes in podlab, so the retries are not
 * emulated.)
 */
final class HostGwNetwork implements BackendNetwork {
    private final Flanneld agent;
    private final ClusterNode node;

    HostGwNetwork(Flanneld agent) {
        this.agent = agent;
        this.node = agent.node();
    }

    @Override
    public int mtu() {
        return node.eth0().mtu();
    }

    @Override
    public long vtepMac() {
        return 0;
    }

    @Override
    public int vni() {
        return 0;
    }

    @Override
    public void added(Lease peer) {
        addRoute(agent, peer);
    }

    /** routeAdd: {@code ip route add SUBNET via PUBLIC_IP dev EXT}; a refusal is flanneld's error line. */
    static void addRoute(Flanneld agent, Lease peer) {
        ClusterNode node = agent.node();
        String gw = Ipv4Address.toString(peer.publicIp());
        try {
            node.netns().routes().apply("add " + peer.subnetCidr() + " via " + gw + " dev " + node.eth0().name());
        } catch (RouteException e) {
            agent.logError("Error adding route to {Ifindex: " + node.eth0().ifindex() + " Dst: " + peer.subnetCidr()
                    + " Src: <nil> Gw: " + gw + " Flags: [] Table: 0 Realm: 0}: " + Flanneld.goError(e));
        }
    }
}
