package dev.podlab.flannel;

import dev.podlab.cluster.ClusterNode;

/**
 * canal: flannel for the network and Calico for policy, as Calico's {@code canal.yaml} deploys
 * them. flanneld runs as for plain flannel (leases, {@code flannel.1} or host-gw routes,
 * flannel's iptables rules; the Cluster object's {@code spec.cni.canal} is its net-conf.json);
 * pods are attached by the {@code calico} CNI plugin with {@code host-local} IPAM on the node's
 * pod CIDR ({@link CalicoPlugin}: {@code cali} interfaces, /32 host routes, proxy ARP), and
 * Felix, the {@code calico-felix} policy enforcer, programs NetworkPolicy into each node's filter
 * table.
 */
public final class CanalCni extends FlannelCni {
    public CanalCni() {
        super("canal");
    }

    @Override
    PodPlugin podPlugin(ClusterNode node, Flanneld agent) {
        return new CalicoPlugin(node.netns(), agent.lease().subnet(), agent.lease().subnetLen(), agent.mtu());
    }

    @Override
    public String policyEnforcer() {
        return "calico-felix";
    }
}
