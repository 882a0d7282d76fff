package dev.podlab.policy;

/** {@code networking.PolicyType}: the direction(s) a policy isolates its selected pods in. */
public enum PolicyType {
    Ingress, Egress;

    /** The type named as Kubernetes writes it, or null for any other string. */
    public static PolicyType byName(String name) {
        for (PolicyType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
