package dev.podlab.policy;

import java.util.Map;

/**
 * The ipset of one selector peer: the IPs of the pods it selects, as a primitive hash set.
 * Peers with the same selectors (and, for a {@code podSelector} alone, the same policy namespace)
 * share one set, counted by {@link #references}, like kube-router's per-selector ipsets.
 * {@link PolicyIndex} adds and removes members as pods and namespaces change; the set never
 * re-evaluates anything itself.
 *
 * <p>Membership, as {@code PolicyEvaluator.peerMatches} reads a selector peer: with no
 * {@code namespaceSelector}, pods of {@link Key#scope} whose labels match {@code podSelector};
 * with one, pods of the namespaces whose labels it matches, and whose own labels match
 * {@code podSelector} when there is one (AND).
 */
final class PeerSet extends PeerMatcher {
    /**
     * What a selector peer selects. {@code scope} is the policy's namespace when there is no
     * namespace selector, null otherwise (the policy's namespace does not matter then).
     */
    record Key(String scope, LabelSelector podSelector, LabelSelector namespaceSelector) {
        static Key of(NetworkPolicy policy, Peer peer) {
            return new Key(peer.namespaceSelector() == null ? policy.namespace() : null, peer.podSelector(),
                    peer.namespaceSelector());
        }

        @Override
        public String toString() {
            String pods = podSelector == null ? null : "podSelector " + podSelector;
            if (namespaceSelector == null) {
                return pods + " in " + scope;
            }
            return "namespaceSelector " + namespaceSelector + (pods == null ? "" : " AND " + pods);
        }
    }

    final Key key;
    /** Read-only outside: members change through {@link #add} and {@link #remove}. */
    final IntHashSet addresses = new IntHashSet();
    /** The set's id in {@link #registry}, which {@link PortTable} refs carry. */
    final int id;
    private final PeerSets registry;
    int references;

    PeerSet(Key key, PeerSets registry) {
        this.key = key;
        this.registry = registry;
        this.id = registry.register(this);
        registry.refresh(this);
    }

    /** Adds a member; the registry follows if the hash table grew. */
    void add(int address) {
        int[] before = addresses.slots();
        addresses.add(address);
        registry.added(id, address);
        if (addresses.slots() != before) {
            registry.refresh(this);
        }
    }

    void remove(int address) {
        if (addresses.remove(address)) {
            registry.removed(this);
        }
    }

    /** Gives the id back: the set is no longer used by any policy. */
    void unregister() {
        registry.unregister(this);
    }

    /** Whether the namespace selector (if any) holds for a namespace with these labels. */
    boolean selectsNamespace(Map<String, String> namespaceLabels) {
        return key.namespaceSelector == null || key.namespaceSelector.matches(namespaceLabels);
    }

    /** Whether a pod with these labels, in a namespace with those, belongs to the set. */
    boolean selects(String namespace, Map<String, String> podLabels, Map<String, String> namespaceLabels) {
        if (key.namespaceSelector == null) {
            if (!namespace.equals(key.scope)) {
                return false;
            }
        } else if (!key.namespaceSelector.matches(namespaceLabels)) {
            return false;
        }
        return key.podSelector == null || key.podSelector.matches(podLabels);
    }

    @Override
    boolean matches(int address) {
        return addresses.contains(address);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ipset {").append(key).append("}: ");
        int[] members = addresses.toSortedArray();
        for (int i = 0; i < members.length; i++) {
            sb.append(i == 0 ? "" : ",").append(Cidr.formatAddress(members[i]));
        }
        return sb.toString();
    }
}
