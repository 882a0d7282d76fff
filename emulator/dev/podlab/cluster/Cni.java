package dev.podlab.cluster;

import java.util.Map;

/**
 * A CNI: what makes a cluster's pods reachable. Implementations are found with
 * {@link java.util.ServiceLoader} and chosen by the name written under the Cluster object's
 * {@code spec.cni}; the core names none of them.
 *
 * <p>{@link #setUpNodes} runs once, after every node has its underlay interface ({@code eth0}
 * with its address and default route) and its netfilter; it programs what the CNI's node agent
 * would (devices, routes, neighbours, FDB entries, iptables rules). {@link #attachPod} then runs
 * for each pod, as the container runtime calls the CNI plugin: it creates the pod's interface,
 * assigns its address and routes, and returns the address.
 */
public interface Cni {
    /** The name under {@code spec.cni} ({@code flannel}). */
    String name();

    /**
     * Validates the configuration and programs every node. Errors are
     * {@link dev.podlab.cluster.model.TopologyException}s naming the field, e.g.
     * {@code cluster.yaml:9: spec.cni.flannel.Backend.Type: Unsupported value: "udp"}.
     */
    void setUpNodes(Cluster cluster, Map<String, Object> config);

    /** Attaches a pod scheduled on {@code node}; returns the pod's IPv4 address. */
    int attachPod(Cluster cluster, ClusterNode node, ClusterPod pod);

    /**
     * Detaches a deleted pod as the CNI's DEL does: the pod's interface and its host side go
     * away and its address is released.
     */
    void detachPod(Cluster cluster, ClusterNode node, ClusterPod pod);

    /**
     * The NetworkPolicy enforcer this CNI deploys ({@link PolicyEnforcer#name()}), or null when it
     * enforces none: flannel alone programs no policy rules, so policies are admitted by the API
     * server and have no effect, as on a real flannel cluster.
     */
    default String policyEnforcer() {
        return null;
    }

    /**
     * The host side of a pod's interface on its node ({@code vethXXXXXXXX}, {@code cali...}), as
     * the CNI named it when attaching the pod.
     */
    default String hostInterface(ClusterPod pod) {
        return null;
    }
}
