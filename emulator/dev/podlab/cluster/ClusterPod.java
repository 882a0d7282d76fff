package dev.podlab.cluster;

import dev.podlab.cluster.model.PodSpec;
import dev.podlab.net.NetNamespace;

/** A pod of an emulated cluster: its spec, the node it runs on, its namespace and address. */
public final class ClusterPod {
    private final PodSpec spec;
    private final ClusterNode node;
    private final NetNamespace netns;
    private int ip;
    private final java.util.Map<String, String> labels;

    ClusterPod(PodSpec spec, ClusterNode node, NetNamespace netns) {
        this.spec = spec;
        this.node = node;
        this.netns = netns;
        this.labels = new java.util.TreeMap<>(spec.labels());
    }

    /** The pod's current labels (a lab may change them). */
    public java.util.Map<String, String> labels() {
        return labels;
    }

    public PodSpec spec() {
        return spec;
    }

    /** {@code namespace/name}. */
    public String name() {
        return spec.qualifiedName();
    }

    public ClusterNode node() {
        return node;
    }

    public NetNamespace netns() {
        return netns;
    }

    /** The pod IP ({@code status.podIP}), 0 before the CNI attached it. */
    public int ip() {
        return ip;
    }

    void ip(int ip) {
        this.ip = ip;
    }

    @Override
    public String toString() {
        return name();
    }
}
