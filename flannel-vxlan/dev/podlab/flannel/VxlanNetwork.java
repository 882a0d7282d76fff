package dev.podlab.flannel;

import dev.podlab.cluster.ClusterNode;
import dev.podlab.net.IpCommand;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.Route;
import dev.podlab.net.RouteException;
import dev.podlab.net.VxlanDevice;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.MacAddress;

/**
 * The vxlan backend on one node (pkg/backend/vxlan/vxlan.go, device.go, vxlan_network.go).
 *
 * <p>{@code RegisterNetwork}: the device {@code flannel.VNI} is created as netlink
 * {@code Vxlan{VxlanId: VNI, VtepDevIndex: eth0, SrcAddr: eth0's address, Port: Port, Learning:
 * false}} with a random MAC (published as {@code VtepMAC}); the kernel gives it the lower device's
 * MTU minus 50 and, for port 0, its default port 8472. Once the lease is known the device gets the
 * subnet's network address as a /32 ({@code 10.244.1.0/32}: a source inside the pod network for
 * host-originated traffic, no connected route) and is set up. The network's MTU is the external
 * interface's minus 50 ({@code encapOverhead}).
 *
 * <p>Per peer ({@code Added}), in flannel's order — the route last, so the kernel never ARPs for
 * its gateway:
 * <pre>
 *   ip neigh replace 10.244.2.0 lladdr VTEP_MAC dev flannel.1 nud permanent      (AddARP)
 *   bridge fdb replace VTEP_MAC dev flannel.1 dst 192.168.1.12 self permanent    (AddFDB)
 *   ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink           (RouteReplace)
 * </pre>
 * With {@code DirectRouting}, a peer whose address is reached without a gateway ({@code
 * ip.DirectRouting}: {@code ip route get PEER} gives one route and no gateway) gets instead only
 * {@code ip route replace 10.244.2.0/24 via 192.168.1.12} (device chosen by the kernel), exactly
 * as host-gw would route it.
 */
final class VxlanNetwork implements BackendNetwork {
    /** flannel's {@code encapOverhead}: outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8. */
    static final int ENCAP_OVERHEAD = 50;

    private final Flanneld agent;
    private final ClusterNode node;
    private final NetConf conf;
    private final VxlanDevice dev;

    /** newVXLANDevice: creates {@code flannel.VNI} on the node (before the lease: its MAC goes into the lease). */
    VxlanNetwork(Flanneld agent, NetConf conf) {
        this.agent = agent;
        this.node = agent.node();
        this.conf = conf;
        String name = "flannel." + conf.vni();
        NetNamespace ns = node.netns();
        IpCommand.run(ns, "link add " + name + " type vxlan id " + conf.vni() + " local "
                + Ipv4Address.toString(node.address()) + " dev " + node.eth0().name()
                + (conf.port() == 0 ? "" : " dstport " + conf.port()) + " nolearning");
        this.dev = (VxlanDevice) ns.device(name);
    }

    /** dev.Configure: the lease's network address as a /32, link up. */
    void configure(Lease own) {
        NetNamespace ns = node.netns();
        IpCommand.run(ns, "addr add " + Ipv4Address.toString(own.subnet()) + "/32 dev " + dev.name());
        IpCommand.run(ns, "link set " + dev.name() + " up");
    }

    VxlanDevice device() {
        return dev;
    }

    @Override
    public int mtu() {
        return node.eth0().mtu() - ENCAP_OVERHEAD;
    }

    @Override
    public long vtepMac() {
        return dev.mac();
    }

    @Override
    public int vni() {
        return conf.vni();
    }

    @Override
    public void added(Lease peer) {
        NetNamespace ns = node.netns();
        if (conf.directRouting() && directRouting(peer.publicIp())) {
            String gw = Ipv4Address.toString(peer.publicIp());
            try {
                ns.routes().apply("replace " + peer.subnetCidr() + " via " + gw);
            } catch (RouteException e) {
                agent.logError("Error adding route to " + peer.subnetCidr() + " via " + gw + ": " + Flanneld.goError(e));
            }
            return;
        }
        String gateway = Ipv4Address.toString(peer.subnet());
        String mac = MacAddress.toString(peer.vtepMac());
        IpCommand.run(ns, "neigh replace " + gateway + " lladdr " + mac + " dev " + dev.name() + " nud permanent");
        IpCommand.run(ns, "bridge fdb replace " + mac + " dev " + dev.name() + " dst "
                + Ipv4Address.toString(peer.publicIp()) + " self permanent");
        try {
            ns.routes().apply("replace " + peer.subnetCidr() + " via " + gateway + " dev " + dev.name() + " onlink");
        } catch (RouteException e) {
            agent.logError("failed to add vxlanRoute (" + peer.subnetCidr() + " -> " + gateway + "): " + Flanneld.goError(e));
            ns.arp().delete(dev.ref(), peer.subnet(), ns.network().sim().now());
            dev.fdb().delete(peer.vtepMac());
        }
    }

    /** pkg/ip DirectRouting: {@code ip route get ADDR} returns one route and it has no gateway. */
    private boolean directRouting(int address) {
        Route r = node.netns().routes().lookup(address);
        return r != null && !r.type().rejects() && !r.hasGateway();
    }
}
