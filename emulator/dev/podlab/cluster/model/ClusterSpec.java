package dev.podlab.cluster.model;

import java.util.List;
import java.util.Map;

/**
 * The podlab {@code Cluster} object ({@code apiVersion: podlab.dev/v1alpha1}): nodes with their
 * underlay addresses, the underlay MTU, and the CNI with its native configuration (for flannel
 * the net-conf.json fields: {@code Network}, {@code SubnetLen}, {@code Backend}).
 *
 * @param cni        the CNI's name as written under {@code spec.cni} ({@code flannel}, {@code calico}, ...)
 * @param cniConfig  its configuration, as parsed YAML (maps, lists, strings, numbers, booleans)
 * @param seed       the simulation seed ({@code spec.seed}, default 1)
 * @param policyEngine how the CNI's NetworkPolicy enforcer classifies packets
 *                   ({@code spec.networkPolicy.engine}): {@code iptables}, the enforcer's own chains
 *                   walked rule by rule (default), or {@code indexed}
 */
public record ClusterSpec(String name, int underlayMtu, List<NodeSpec> nodes, String cni,
        Map<String, Object> cniConfig, long seed, String policyEngine, Source source) {
    /** A cluster with the default policy engine ({@code iptables}). */
    public ClusterSpec(String name, int underlayMtu, List<NodeSpec> nodes, String cni, Map<String, Object> cniConfig,
            long seed, Source source) {
        this(name, underlayMtu, nodes, cni, cniConfig, seed, "iptables", source);
    }
}
