package dev.podlab.policy;

/**
 * {@code NetworkPolicyPeer}: pods chosen by {@code podSelector} and/or {@code namespaceSelector}
 * (both: AND), or addresses by {@code ipBlock} (alone). Absent fields are null; validation ensures
 * at least one is present and {@code ipBlock} is never combined with a selector.
 * <ul>
 * <li>{@code podSelector} only: pods of the policy's own namespace whose labels match;
 * <li>{@code namespaceSelector} only: every pod of the namespaces whose labels match;
 * <li>both: pods matching {@code podSelector} in namespaces matching {@code namespaceSelector}.
 * </ul>
 */
public record Peer(LabelSelector podSelector, LabelSelector namespaceSelector, IpBlock ipBlock) {
    public static Peer pods(LabelSelector podSelector) {
        return new Peer(podSelector, null, null);
    }

    public static Peer namespaces(LabelSelector namespaceSelector) {
        return new Peer(null, namespaceSelector, null);
    }

    public static Peer ipBlock(IpBlock block) {
        return new Peer(null, null, block);
    }

    public boolean isIpBlock() {
        return ipBlock != null;
    }

    @Override
    public String toString() {
        if (ipBlock != null) {
            return "ipBlock " + ipBlock;
        }
        String pods = podSelector == null ? null : "podSelector " + podSelector;
        String namespaces = namespaceSelector == null ? null : "namespaceSelector " + namespaceSelector;
        return pods == null ? namespaces : namespaces == null ? pods : namespaces + " AND " + pods;
    }
}
