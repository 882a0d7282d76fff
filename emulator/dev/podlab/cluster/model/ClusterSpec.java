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
 */
public record ClusterSpec(String name, int underlayMtu, List<NodeSpec> nodes, String cni,
        Map<String, Object> cniConfig, long seed, Source source) {
}
