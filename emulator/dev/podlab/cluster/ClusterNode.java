package dev.podlab.cluster;

import dev.podlab.cluster.model.NodeSpec;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.Nic;
import dev.podlab.netfilter.NodeNetfilter;

/**
 * A node of an emulated cluster: its root namespace, its underlay NIC {@code eth0}, its
 * netfilter, and the pod CIDR its CNI gave it.
 */
public final class ClusterNode {
    private final NodeSpec spec;
    private final int index;
    private final NetNamespace netns;
    private final Nic eth0;
    private final NodeNetfilter netfilter;
    private int podCidr;
    private int podCidrPrefix;

    ClusterNode(NodeSpec spec, int index, NetNamespace netns, Nic eth0, NodeNetfilter netfilter) {
        this.spec = spec;
        this.index = index;
        this.netns = netns;
        this.eth0 = eth0;
        this.netfilter = netfilter;
    }

    public String name() {
        return spec.name();
    }

    public NodeSpec spec() {
        return spec;
    }

    /** Position in the Cluster object's node list (registration order). */
    public int index() {
        return index;
    }

    public NetNamespace netns() {
        return netns;
    }

    public Nic eth0() {
        return eth0;
    }

    /** The underlay address ({@code InternalIP}). */
    public int address() {
        return spec.address();
    }

    public NodeNetfilter netfilter() {
        return netfilter;
    }

    /** {@code Node.spec.podCIDR}, set by the CNI (0 until then). */
    public int podCidr() {
        return podCidr;
    }

    public int podCidrPrefix() {
        return podCidrPrefix;
    }

    public void podCidr(int network, int prefix) {
        this.podCidr = network;
        this.podCidrPrefix = prefix;
    }

    @Override
    public String toString() {
        return name();
    }
}
