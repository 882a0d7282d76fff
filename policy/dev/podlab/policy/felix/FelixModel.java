package dev.podlab.policy.felix;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.policy.NetworkPolicy;
import dev.podlab.policy.PolicyEvaluator;
import dev.podlab.policy.PolicyType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What Felix's calculation graph knows: every workload endpoint (pod, its node and its {@code cali}
 * interface), the namespaces' labels (Calico profiles {@code kns.NAME}) and the admitted policies
 * in Felix's order (all Kubernetes policies have order 1000, so by name).
 */
final class FelixModel {
    /** A workload endpoint: the pod as policies see it and its host-side interface. */
    record Workload(PolicyEvaluator.Pod pod, String iface) {}

    final List<Workload> workloads;
    final Map<String, Map<String, String>> namespaceLabels;
    final List<NetworkPolicy> policies;

    FelixModel(List<Workload> workloads, List<NamespaceSpec> namespaces, List<NetworkPolicy> policies) {
        this.workloads = List.copyOf(workloads);
        Map<String, Map<String, String>> labels = new HashMap<>();
        for (NamespaceSpec ns : namespaces) {
            Map<String, String> l = new HashMap<>(ns.labels());
            l.put(PolicyEvaluator.NAMESPACE_NAME_LABEL, ns.name());
            labels.put(ns.name(), Map.copyOf(l));
        }
        this.namespaceLabels = Map.copyOf(labels);
        List<NetworkPolicy> sorted = new ArrayList<>(policies);
        sorted.sort(Comparator.comparing(NetworkPolicy::namespace).thenComparing(NetworkPolicy::name));
        this.policies = List.copyOf(sorted);
    }

    Map<String, String> namespaceLabels(String namespace) {
        Map<String, String> l = namespaceLabels.get(namespace);
        return l != null ? l : Map.of(PolicyEvaluator.NAMESPACE_NAME_LABEL, namespace);
    }

    /** The policies that select {@code pod} and have {@code direction} in their policyTypes, in order. */
    List<NetworkPolicy> selecting(PolicyEvaluator.Pod pod, PolicyType direction) {
        List<NetworkPolicy> out = new ArrayList<>();
        for (NetworkPolicy p : policies) {
            if (p.isolates(direction) && p.namespace().equals(pod.namespace()) && p.podSelector().matches(pod.labels())) {
                out.add(p);
            }
        }
        return out;
    }

    /** Index of the workloads by IP, built on demand. */
    Map<Integer, Workload> byIp() {
        Map<Integer, Workload> m = new HashMap<>();
        for (Workload w : workloads) {
            m.put(w.pod().ip(), w);
        }
        return m;
    }

    /** The container port of {@code pod} named {@code name} with {@code protocol}, or null. */
    static ContainerPort namedPort(PolicyEvaluator.Pod pod, String name, String protocol) {
        for (ContainerPort cp : pod.ports()) {
            if (name.equals(cp.name()) && protocol.equals(cp.protocol())) {
                return cp;
            }
        }
        return null;
    }
}
