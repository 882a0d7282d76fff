package dev.podlab.cluster;

import dev.podlab.cluster.model.NetworkPolicySpec;

/**
 * The API server's admission of a NetworkPolicy: decoding, defaulting and validation. The loader
 * finds implementations with {@link java.util.ServiceLoader} (the policy module provides one), so
 * the core reads NetworkPolicy objects without knowing their semantics. A refused policy is left
 * out and reported; the other objects of the same file still apply, as {@code kubectl apply -f}
 * creates the valid objects of a file and reports the invalid ones.
 */
public interface NetworkPolicyAdmission {
    /**
     * Admits the policy or throws a {@link dev.podlab.cluster.model.TopologyException} with the
     * API server's message, e.g. {@code np.yaml:3: NetworkPolicy default/web is invalid:
     * spec.ingress[0].from[0]: Required value: must specify a peer}.
     */
    void admit(NetworkPolicySpec spec);
}
