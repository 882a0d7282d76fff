package dev.podlab.policy;

import dev.podlab.cluster.model.Source;
import java.util.List;

/**
 * A validated {@code networking.k8s.io/v1} NetworkPolicy.
 *
 * @param podSelector the pods of {@code namespace} it applies to (empty: all of them)
 * @param policyTypes as written, or defaulted as {@code SetDefaults_NetworkPolicy} does when absent
 *                    or empty: {@code [Ingress]}, plus {@code Egress} when there are egress rules.
 *                    Duplicates are kept (the API server accepts {@code [Ingress, Ingress]}).
 * @param ingress     the ingress rules, in order; ignored when {@code policyTypes} lacks Ingress
 * @param egress      the egress rules, in order; ignored when {@code policyTypes} lacks Egress
 */
public record NetworkPolicy(String namespace, String name, LabelSelector podSelector, List<PolicyType> policyTypes,
        List<Rule> ingress, List<Rule> egress, Source source) {
    public NetworkPolicy {
        policyTypes = List.copyOf(policyTypes);
        ingress = List.copyOf(ingress);
        egress = List.copyOf(egress);
    }

    /** Whether the pods it selects are isolated for ingress (policyTypes holds Ingress). */
    public boolean isolatesIngress() {
        return policyTypes.contains(PolicyType.Ingress);
    }

    public boolean isolatesEgress() {
        return policyTypes.contains(PolicyType.Egress);
    }

    public boolean isolates(PolicyType direction) {
        return policyTypes.contains(direction);
    }

    /** The rules that count for a direction: none unless the policy isolates in it. */
    public List<Rule> rules(PolicyType direction) {
        if (!isolates(direction)) {
            return List.of();
        }
        return direction == PolicyType.Ingress ? ingress : egress;
    }

    public String qualifiedName() {
        return namespace + "/" + name;
    }
}
