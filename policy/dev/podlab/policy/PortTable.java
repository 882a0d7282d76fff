package dev.podlab.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One pod's rules for one direction, indexed by protocol and port: what {@link PolicyIndex}
 * looks up for a packet once it knows the pod a policy side concerns. Every rule of every policy
 * isolating the pod in that direction is spread over it:
 * <ul>
 * <li>a rule without ports: its peer matchers go to the any-protocol list, checked for every
 *     protocol (ICMP included, as a missing {@code ports} means all protocols);
 * <li>a port entry with a number, a range or no port: a clause {@code [low, high] -> matchers}
 *     in its protocol's table. The clauses of a protocol are cut into disjoint segments at their
 *     boundaries; each segment keeps the distinct matchers of the clauses covering it, so a port
 *     is one binary search over the segment starts away from the only matchers that may apply;
 * <li>a named port: resolved at build time when the pod is the destination (ingress: the pod's
 *     own container ports give numbers, which become clauses); kept as {@code (name, matcher)}
 *     when the destination is the other end (egress), to be checked against the destination
 *     pod's {@link ContainerPorts} per packet.
 * </ul>
 * A matcher that is {@link PeerMatcher#ALL} makes a segment (or the whole table, when the rule
 * has no ports either) pass without looking at the peer.
 *
 * <h2>Layout</h2>
 * Flat, so that a lookup touches two arrays and the matchers it tests rather than a tree of
 * small objects: with a thousand distinct tables in use, every object on the way was a cache
 * miss of its own. {@link #code} holds everything but the matchers:
 * <pre>
 *   0, 1              the any-protocol refs are code[code[0]] .. code[code[1] - 1]
 *   2+4s .. 5+4s      protocol slot s: offset b of its segment block, segment count n (0: none),
 *                     offset of its named block, named count
 *   b .. b+n-1        the segment starts, ascending: the binary search runs here
 *   b+n .. b+2n       n + 1 offsets: segment k's refs are code[code[b+n+k]] .. code[code[b+n+k+1] - 1]
 *   named block       (port name id, ref) pairs
 *   refs              the matcher refs the offsets above delimit
 * </pre>
 * A ref is {@code index << 2 | kind}: kind {@link #ALL} (no object: every peer), {@link #SET}
 * ({@code matchers[index]} is a selector peer set's {@link IntHashSet}, probed directly) or
 * {@link #TRIE} ({@code matchers[index]} is an {@link IpBlockTrie}). The kind in the ref
 * replaces a virtual call per matcher by a switch the JIT compiles to compares, and the set's
 * address hash is reached without going through its {@link PeerSet}. Each distinct matcher is in
 * {@link #matchers} once, however many segments name it.
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

    /** Ref kinds (low two bits of a ref). */
    static final int ALL = 0;
    static final int SET = 1;
    static final int TRIE = 2;

    /** Offset of slot 0's header in {@link #code}; each slot has {@link #SLOT_HEADER} ints. */
    private static final int SLOT_BASE = 2;
    private static final int SLOT_HEADER = 4;

    /** The protocol slot of an IP protocol number, or -1 (ICMP, and anything but TCP, UDP, SCTP). */
    static int slot(int ipProtocol) {
        return ipProtocol >= 0 && ipProtocol < SLOT_OF.length ? SLOT_OF[ipProtocol] : -1;
    }

    private final int[] code;
    private final Object[] matchers;
    private final int clauses;

    private PortTable(Builder b) {
        Layout out = new Layout();
        out.code.add(0); // any-protocol refs, filled in below
        out.code.add(0);
        for (int s = 0; s < SLOTS; s++) {
            for (int h = 0; h < SLOT_HEADER; h++) {
                out.code.add(0);
            }
        }
        int count = b.anyProtocol.size();
        // Per slot: the segments' matcher lists, and the named (id, matcher) pairs.
        List<List<List<PeerMatcher>>> segmentsOf = new ArrayList<>();
        for (int s = 0; s < SLOTS; s++) {
            List<Clause> cs = b.ranges.get(s);
            count += cs.size() + b.named.get(s).size();
            TreeSet<Integer> bounds = new TreeSet<>();
            for (Clause c : cs) {
                bounds.add(c.low);
                if (c.high != Integer.MAX_VALUE) {
                    bounds.add(c.high + 1);
                }
            }
            int h = SLOT_BASE + SLOT_HEADER * s;
            out.code.set(h, out.code.size());
            out.code.set(h + 1, bounds.size());
            List<List<PeerMatcher>> segments = new ArrayList<>();
            for (int start : bounds) {
                List<PeerMatcher> covering = new ArrayList<>();
                for (Clause c : cs) {
                    if (c.low <= start && start <= c.high) {
                        covering.add(c.matcher);
                    }
                }
                out.code.add(start);
                segments.add(distinct(covering));
            }
            for (int k = 0; k < bounds.size() + (bounds.isEmpty() ? 0 : 1); k++) {
                out.code.add(0); // segment ref offsets, filled in below
            }
            segmentsOf.add(segments);
            List<Clause> named = b.named.get(s);
            out.code.set(h + 2, out.code.size());
            out.code.set(h + 3, named.size());
            for (Clause c : named) {
                out.code.add(c.low);
                out.code.add(out.ref(c.matcher));
            }
        }
        // The refs: any-protocol first, then each slot's segments in order.
        out.code.set(0, out.code.size());
        for (PeerMatcher m : distinct(b.anyProtocol)) {
            out.code.add(out.ref(m));
        }
        out.code.set(1, out.code.size());
        for (int s = 0; s < SLOTS; s++) {
            int h = SLOT_BASE + SLOT_HEADER * s;
            int base = out.code.get(h);
            int n = out.code.get(h + 1);
            List<List<PeerMatcher>> segments = segmentsOf.get(s);
            for (int k = 0; k < n; k++) {
                out.code.set(base + n + k, out.code.size());
                for (PeerMatcher m : segments.get(k)) {
                    out.code.add(out.ref(m));
                }
            }
            if (n > 0) {
                out.code.set(base + 2 * n, out.code.size());
            }
        }
        code = out.code.stream().mapToInt(Integer::intValue).toArray();
        matchers = out.matchers.toArray();
        clauses = count;
    }

    /** The code being laid out, and the distinct matcher objects its refs point to. */
    private static final class Layout {
        final List<Integer> code = new ArrayList<>();
        final List<Object> matchers = new ArrayList<>();
        final Map<Object, Integer> indexOf = new IdentityHashMap<>();

        int ref(PeerMatcher m) {
            if (m == PeerMatcher.ALL) {
                return ALL;
            }
            Object target = m instanceof PeerSet set ? set.addresses : m;
            Integer index = indexOf.get(target);
            if (index == null) {
                index = matchers.size();
                matchers.add(target);
                indexOf.put(target, index);
            }
            return index << 2 | (m instanceof PeerSet ? SET : TRIE);
        }
    }

    /**
     * The matchers without duplicates (by identity, in first-seen order), ALL alone if present,
     * and every ipBlock trie among them merged into one: a lookup then costs one trie walk
     * however many rules of however many policies name ipBlocks for this port.
     */
    private static List<PeerMatcher> distinct(List<PeerMatcher> matchers) {
        Set<PeerMatcher> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<PeerMatcher> out = new ArrayList<>();
        List<IpBlock> blocks = new ArrayList<>();
        int tries = 0;
        for (PeerMatcher m : matchers) {
            if (m == PeerMatcher.ALL) {
                return List.of(PeerMatcher.ALL);
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
        return out;
    }

    /**
     * Whether some rule lets {@code peer} through on this protocol and port.
     *
     * @param slot        {@link #slot} of the IP protocol
     * @param destination the destination pod's container ports, for named ports kept unresolved
     *                    (egress); null when the destination is no pod
     */
    boolean allows(int peer, int slot, int port, ContainerPorts destination) {
        int[] c = code;
        Object[] m = matchers;
        if (anyMatches(c, m, c[0], c[1], peer)) {
            return true;
        }
        if (slot < 0) {
            return false;
        }
        int h = SLOT_BASE + SLOT_HEADER * slot;
        int n = c[h + 1];
        if (n > 0) {
            int base = c[h];
            int k = floor(c, base, n, port);
            if (k >= 0) {
                int at = base + n + k;
                if (anyMatches(c, m, c[at], c[at + 1], peer)) {
                    return true;
                }
            }
        }
        int named = c[h + 3];
        if (named > 0 && destination != null) {
            for (int i = c[h + 2], end = i + 2 * named; i < end; i += 2) {
                if (destination.has(c[i], slot, port) && matches(m, c[i + 1], peer)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean anyMatches(int[] code, Object[] matchers, int from, int to, int peer) {
        for (int i = from; i < to; i++) {
            if (matches(matchers, code[i], peer)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Object[] matchers, int ref, int peer) {
        int kind = ref & 3;
        if (kind == SET) {
            return ((IntHashSet) matchers[ref >>> 2]).contains(peer);
        }
        return kind == ALL || ((IpBlockTrie) matchers[ref >>> 2]).matches(peer);
    }

    /** {@link #floor(int[], int, int, int)} over a whole array. */
    static int floor(int[] starts, int port) {
        return floor(starts, 0, starts.length, port);
    }

    /**
     * The index (from {@code from}) of the last of the {@code n} ascending starts at
     * {@code a[from..from+n)} at or below {@code port}, or -1. Branch-free halving (the step is
     * a conditional move, the loop count depends only on the length): packets ask for ports in
     * no predictable order, and a classic binary search paid a branch misprediction per step.
     */
    static int floor(int[] a, int from, int n, int port) {
        if (n == 0) {
            return -1;
        }
        int base = from;
        while (n > 1) {
            int half = n >>> 1;
            base = a[base + half] <= port ? base + half : base;
            n -= half;
        }
        return a[base] <= port ? base - from : -1;
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
