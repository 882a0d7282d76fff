package dev.podlab.flannel;

import dev.podlab.cluster.ClusterPod;

/** The CNI plugin that attaches pods on one node (the bridge plugin for flannel, calico's for canal). */
interface PodPlugin {
    /** {@code cmdAdd}: the pod's interface, address and routes; returns the address. */
    int add(ClusterPod pod);

    /** {@code cmdDel}: the pod's interface goes, its address is released. */
    void del(ClusterPod pod);

    /** The host side of the pod's interface. */
    String hostInterface(ClusterPod pod);
}
