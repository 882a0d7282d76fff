package dev.podlab.flannel;

import dev.podlab.cluster.ClusterPod;
import dev.podlab.net.NetDevice;
import dev.podlab.net.Veth;
import java.util.HashMap;
import java.util.Map;

/**
 * The CNI plugin that attaches pods on one node with a veth pair and {@code host-local} IPAM (the
 * bridge plugin for flannel, calico's for canal): {@code cmdAdd} is the plugin's own,
 * {@code cmdDel} is the same for both.
 */
abstract class PodPlugin {
    final HostLocalIpam ipam;
    /** The host end of each pod's pair, by {@code namespace/name}. */
    final Map<String, String> hostNames = new HashMap<>();

    PodPlugin(int subnet, int prefix) {
        this.ipam = new HostLocalIpam(subnet, prefix);
    }

    /** {@code cmdAdd}: the pod's interface, address and routes; returns the address. */
    abstract int add(ClusterPod pod);

    /**
     * {@code cmdDel}: the pod's veth pair goes (deleting one end deletes both), and host-local
     * releases its address.
     */
    void del(ClusterPod pod) {
        NetDevice eth0 = pod.netns().device("eth0");
        if (eth0 instanceof Veth v) {
            v.delete();
        }
        hostNames.remove(pod.name());
        ipam.release(pod.ip());
    }

    /** The host side of the pod's interface. */
    String hostInterface(ClusterPod pod) {
        return hostNames.get(pod.name());
    }
}
