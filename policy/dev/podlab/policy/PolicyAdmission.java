package dev.podlab.policy;

import dev.podlab.cluster.NetworkPolicyAdmission;
import dev.podlab.cluster.model.NetworkPolicySpec;

/** The API server's admission of NetworkPolicies for the loader: {@link NetworkPolicies#parse}. */
public final class PolicyAdmission implements NetworkPolicyAdmission {
    @Override
    public void admit(NetworkPolicySpec spec) {
        NetworkPolicies.parse(spec);
    }
}
