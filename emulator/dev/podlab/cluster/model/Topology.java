package dev.podlab.cluster.model;

import java.util.List;

/**
 * Everything a set of topology files describes: the one Cluster object and the Kubernetes objects,
 * in file order, plus the warnings loading produced (unknown kinds, ignored fields).
 */
public record Topology(ClusterSpec cluster, List<NamespaceSpec> namespaces, List<PodSpec> pods,
        List<ServiceSpec> services, List<NetworkPolicySpec> networkPolicies, List<String> warnings) {
}
