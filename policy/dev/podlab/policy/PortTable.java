package dev.podlab.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * One pod's rules for one direction, indexed by protocol and port: what {@link PolicyIndex}
 * looks up for a packet once it knows the pod a policy side concerns. Every rule of every policy
 * isolating the pod in that direction is spread over it:
 * <ul>
 * <li>a rule without ports: its peer matchers go to {@link #anyProtocol}, checked for every
 *     protocol (ICMP included, as a missing {@code ports} means all protocols);
 * <li>a port entry with a number, a range or no port: a clause {@code [low, high] -> matchers}
 *     in its protocol's table. The clauses of a protocol are cut into disjoint segments at their
 *     boundaries; each segment keeps the distinct matchers of the clauses covering it, so a port
 *     is one binary search over the segment starts away from the only matchers that may apply;
 * <li>a named port: resolved at build time when the pod is the destination (ingress: the pod's
 *     own container ports give numbers, which become clauses); kept as {@code (name, matchers)}
 *     when the destination is the other end (egress), to be checked against the destination
 *     pod's {@link ContainerPorts} per packet.
 * </ul>
 * A matcher that is {@link PeerMatcher#ALL} makes a segment (or the whole table, when the rule
 * has no ports either) pass without looking at the peer.
 *
 * <p>Size: a protocol with {@code n} clauses has at most {@code 2n} segments, each holding at
 * most {@code n} matchers. Immutable; rebuilt for a pod when its policies or its ports change.
 */
final class PortTable {
    /** Protocol slots: {@link Protocol#ordinal()}; -1 for the protocols no port entry can name. */
    private static final byte[] SLOT_OF = new byte[256];

    static {
        Arrays.fill(SLOT_OF, (byte) -1);
        for (Protocol p : Protocol.values()) {
            SLOT_OF[p.number()] = (byte) p.ordinal();
        }
    }

    static final int SLOTS = Protocol.values().length;
    private static final PeerMatcher[] NONE = new PeerMatcher[0];

    /** The protocol slot of an IP protocol number, or -1 (ICMP, and anything but TCP, UDP, SCTP). */
    static int slot(int ipProtocol) {
        return ipProtocol >= 0 && ipProtocol < SLOT_OF.length ? SLOT_OF[ipProtocol] : -1;
    }

    private final boolean allowAll;
    private final PeerMatcher[] anyProtocol;
    private final int[][] starts;
    private final PeerMatcher[][][] segments;
    private final int[][] namedIds;
    private final PeerMatcher[][] namedPeers;
    private final int clauses;

    private PortTable(Builder b) {
        anyProtocol = distinct(b.anyProtocol);
        allowAll = anyProtocol.length == 1 && anyProtocol[0] == PeerMatcher.ALL;
        starts = new int[SLOTS][];
        segments = new PeerMatcher[SLOTS][][];
        namedIds = new int[SLOTS][];
        namedPeers = new PeerMatcher[SLOTS][];
        int count = b.anyProtocol.size();
        for (int s = 0; s < SLOTS; s++) {
            List<Clause> cs = b.ranges.get(s);
            count += cs.size();
            TreeSet<Integer> bounds = new TreeSet<>();
            for (Clause c : cs) {
                bounds.add(c.low);
                if (c.high != Integer.MAX_VALUE) {
                    bounds.add(c.high + 1);
                }
            }
            starts[s] = new int[bounds.size()];
            segments[s] = new PeerMatcher[bounds.size()][];
            int k = 0;
            for (int start : bounds) {
                List<PeerMatcher> covering = new ArrayList<>();
                for (Clause c : cs) {
                    if (c.low <= start && start <= c.high) {
                        covering.add(c.matcher);
                    }
                }
                starts[s][k] = start;
                segments[s][k] = distinct(covering);
                k++;
            }
            List<Clause> named = b.named.get(s);
            count += named.size();
            namedIds[s] = new int[named.size()];
            namedPeers[s] = new PeerMatcher[named.size()];
            for (int i = 0; i < named.size(); i++) {
                namedIds[s][i] = named.get(i).low;
                namedPeers[s][i] = named.get(i).matcher;
            }
        }
        clauses = count;
    }

    /**
     * The matchers without duplicates (by identity, in first-seen order), ALL alone if present,
     * and every ipBlock trie among them merged into one: a lookup then costs one trie walk
     * however many rules of however many policies name ipBlocks for this port.
     */
    private static PeerMatcher[] distinct(List<PeerMatcher> matchers) {
        java.util.Set<PeerMatcher> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<PeerMatcher> out = new ArrayList<>();
        List<IpBlock> blocks = new ArrayList<>();
        int tries = 0;
        for (PeerMatcher m : matchers) {
            if (m == PeerMatcher.ALL) {
                return new PeerMatcher[] {PeerMatcher.ALL};
            }
            if (!seen.add(m)) {
                continue;
            }
            if (m instanceof IpBlockTrie t) {
                blocks.addAll(t.blocks());
                tries++;
            } else {
                out.add(m);
            }
        }
        if (tries == 1) {
            for (PeerMatcher m : seen) {
                if (m instanceof IpBlockTrie t) {
                    out.add(t);
                }
            }
        } else if (tries > 1) {
            out.add(new IpBlockTrie(blocks));
        }
        return out.isEmpty() ? NONE : out.toArray(NONE);
    }

    /**
     * Whether some rule lets {@code peer} through on this protocol and port.
     *
     * @param slot        {@link #slot} of the IP protocol
     * @param destination the destination pod's container ports, for named ports kept unresolved
     *                    (egress); null when the destination is no pod
     */
    boolean allows(int peer, int slot, int port, ContainerPorts destination) {
        if (allowAll || anyMatches(anyProtocol, peer)) {
            return true;
        }
        if (slot < 0) {
            return false;
        }
        int[] st = starts[slot];
        int k = floor(st, port);
        if (k >= 0 && anyMatches(segments[slot][k], peer)) {
            return true;
        }
        int[] ids = namedIds[slot];
        if (ids.length > 0 && destination != null) {
            PeerMatcher[] peers = namedPeers[slot];
            for (int i = 0; i < ids.length; i++) {
                if (destination.has(ids[i], slot, port) && peers[i].matches(peer)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean anyMatches(PeerMatcher[] matchers, int peer) {
        for (int i = 0; i < matchers.length; i++) {
            if (matchers[i].matches(peer)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The index of the last start at or below {@code port}, or -1. Branch-free halving (the step
     * is a conditional move, the loop count depends only on the length): packets ask for ports
     * in no predictable order, and a classic binary search paid a branch misprediction per step.
     */
    static int floor(int[] starts, int port) {
        int n = starts.length;
        if (n == 0) {
            return -1;
        }
        int base = 0;
        while (n > 1) {
            int half = n >>> 1;
            base = starts[base + half] <= port ? base + half : base;
            n -= half;
        }
        return starts[base] <= port ? base : -1;
    }

    /** Clauses it was built from (rules without ports, port entries, per resolved named port). */
    int clauseCount() {
        return clauses;
    }

    /** A port range, or (for named ports) a port name id in {@code low}, with the peers it allows. */
    private record Clause(int low, int high, PeerMatcher matcher) {
    }

    /** Collects a pod's clauses for one direction. */
    static final class Builder {
        private final List<PeerMatcher> anyProtocol = new ArrayList<>();
        private final List<List<Clause>> ranges = new ArrayList<>();
        private final List<List<Clause>> named = new ArrayList<>();

        Builder() {
            for (int s = 0; s < SLOTS; s++) {
                ranges.add(new ArrayList<>());
                named.add(new ArrayList<>());
            }
        }

        /** A rule without ports: every protocol and port. */
        void anyProtocol(PeerMatcher[] matchers) {
            anyProtocol.addAll(Arrays.asList(matchers));
        }

        /** Ports {@code low..high} of a protocol slot (the whole int range for "every port"). */
        void range(int slot, int low, int high, PeerMatcher[] matchers) {
            for (PeerMatcher m : matchers) {
                ranges.get(slot).add(new Clause(low, high, m));
            }
        }

        /** A port name, resolved per packet on the destination pod. */
        void named(int slot, int nameId, PeerMatcher[] matchers) {
            for (PeerMatcher m : matchers) {
                named.get(slot).add(new Clause(nameId, nameId, m));
            }
        }

        PortTable build() {
            return new PortTable(this);
        }
    }
}
