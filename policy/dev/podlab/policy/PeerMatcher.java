package dev.podlab.policy;

/**
 * What one rule's peer list, or part of it, compiles to in {@link PolicyIndex}: a test on the
 * other end's address (the source for ingress, the destination for egress). Three kinds:
 * {@link #ALL} (a rule without peers), a {@link PeerSet} (the pod IPs a selector peer selects,
 * kept up to date as labels change) and an {@link IpBlockTrie} (a rule's ipBlock peers).
 * {@link PortTable} compiles them to refs it evaluates itself (a set by its id in
 * {@link PeerSets}, a trie laid out in the table), so {@link #matches} is not on the packet
 * path; it states what a ref means, and allocates nothing either.
 */
abstract class PeerMatcher {
    /** A rule whose {@code from}/{@code to} is missing or empty: every address, pod or not. */
    static final PeerMatcher ALL = new PeerMatcher() {
        @Override
        boolean matches(int address) {
            return true;
        }

        @Override
        public String toString() {
            return "all peers";
        }
    };

    abstract boolean matches(int address);
}
