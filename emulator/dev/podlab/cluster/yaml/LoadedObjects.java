package dev.podlab.cluster.yaml;

import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.model.NetworkPolicySpec;
import dev.podlab.cluster.model.PodSpec;
import dev.podlab.cluster.model.ServiceSpec;
import java.util.List;

/**
 * Kubernetes objects read from a YAML text without a Cluster object, for a lab that applies them
 * to a running cluster: pods (Deployments expanded) and services in file order, and the warnings
 * reading produced (kinds not emulated, fields ignored), and the errors of objects the API server
 * refuses while admitting the others ({@code refused}: invalid NetworkPolicies).
 */
public record LoadedObjects(List<NamespaceSpec> namespaces, List<PodSpec> pods, List<ServiceSpec> services,
        List<NetworkPolicySpec> networkPolicies, List<String> warnings, List<String> refused) {
    public LoadedObjects {
        refused = List.copyOf(refused);
        namespaces = List.copyOf(namespaces);
        pods = List.copyOf(pods);
        services = List.copyOf(services);
        networkPolicies = List.copyOf(networkPolicies);
        warnings = List.copyOf(warnings);
    }
}
