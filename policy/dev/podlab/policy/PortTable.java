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
 * <li>a rule without ports: its peer matchers go to the table's any-protocol word, checked for
 *     every protocol (ICMP included, as a missing {@code ports} means all protocols);
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
 * Flat, so that a lookup touches one array and the set it probes rather than a tree of small
 * objects: with a thousand distinct tables in use, every object on the way was a cache miss of
 * its own. {@link #code} holds everything, ipBlock tries included; {@link PolicyIndex} keeps it
 * by pod id and passes it to {@link #allows}, so a lookup does not load the table object either:
 * <pre>
 *   0             the word of the rules without ports (every protocol)
 *   1, 2          the named-port entries are code[code[1]] .. code[code[2] - 1], 3 ints each
 *   3+4s .. 6+4s  protocol slot s: offset b of its segment block, segment count n (0: none),
 *                 the lowest and highest port some segment's matchers cover (low > high: none)
 *   b .. b+n-1    the segment starts, ascending: the binary search runs here
 *   b+n .. b+2n-1 segment k's word
 *   named         (protocol slot, port name id, ref) per named-port clause
 *   lists         per word of two matchers or more: the count, then the refs
 *   tries         path-compressed, per node: its prefix and prefix mask, offset of the child
 *                 for bit 0, for bit 1 (0: none), the shift of the bit that picks the child
 *                 shifted left once with the verdict (0, 1) in bit 0
 * </pre>
 * A ref is {@code value << 2 | kind}: kind {@link #ALL} (every peer), {@link #SET} (value: the
 * id of a selector peer set in {@link PeerSets}, probed there without loading the set) or
 * {@link #TRIE} (value: the offset of an {@link IpBlockTrie}'s root node in the code; the walk
 * indexes the child by the address bit instead of branching on it). The kind in the ref
 * replaces a virtual call per matcher by compares. A word is what a segment (or the rules
 * without ports) allows: -1 for no matcher, the ref itself for one (most segments: one rule's
 * peers, or the ALL of a rule without peers), or {@code offset << 2 | 3} for a list. Each
 * distinct trie is laid out once, however many segments refer to it.
 *
 * <p>Size: a protocol with {@code n} clauses has at most {@code 2n} segments, each holding at
 * most {@code n} matchers. Immutable; rebuilt for a pod when its policies or its ports change.
 * A set it refers to by id is held by the policies it was compiled from (see {@link PeerSets}).
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
    /** A word's kind when it points to a list of refs (count, then the refs). */
    private static final int LIST = 3;
    /** The word of no matchers. */
    private static final int NONE = -1;

    /** Offset of slot 0's header in {@link #code}; each slot has {@link #SLOT_INTS} ints. */
    private static final int SLOT_BASE = 3;
    private static final int SLOT_INTS = 4;
    /**
     * Where the segment block of slot 0 (TCP) starts, in every table: a TCP lookup reads the
     * segment starts without waiting for the header to say where they are.
     */
    private static final int FIRST_BLOCK = SLOT_BASE + SLOT_INTS * SLOTS;
    /** Ints per trie node: prefix, prefix mask, child for bit 0, for bit 1, the bit's shift << 1 | verdict. */
    static final int TRIE_NODE = 5;

    /** The protocol slot of an IP protocol number, or -1 (ICMP, and anything but TCP, UDP, SCTP). */
    static int slot(int ipProtocol) {
        return ipProtocol >= 0 && ipProtocol < SLOT_OF.length ? SLOT_OF[ipProtocol] : -1;
    }

    /** The table; see the class comment. */
    final int[] code;
    private final int clauses;

    private PortTable(Builder b) {
        List<PeerMatcher> any = distinct(b.anyProtocol);
        int count = b.anyProtocol.size();
        int lists = listSize(any);
        // Per slot: segment starts and the segments' matchers.
        List<int[]> startsOf = new ArrayList<>();
        List<List<List<PeerMatcher>>> segmentsOf = new ArrayList<>();
        int size = SLOT_BASE + SLOT_INTS * SLOTS;
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
            List<List<PeerMatcher>> segments = new ArrayList<>();
            for (int start : bounds) {
                List<PeerMatcher> covering = new ArrayList<>();
                for (Clause c : cs) {
                    if (c.low <= start && start <= c.high) {
                        covering.add(c.matcher);
                    }
                }
                List<PeerMatcher> d = distinct(covering);
                segments.add(d);
                lists += listSize(d);
            }
            startsOf.add(bounds.stream().mapToInt(Integer::intValue).toArray());
            segmentsOf.add(segments);
            size += 2 * bounds.size() + 3 * b.named.get(s).size();
        }
        // Everything but the tries has a known size: they go after it, in first-use order.
        Layout out = new Layout(size + lists);
        int[] c = new int[size + lists];
        int at = FIRST_BLOCK;
        for (int s = 0; s < SLOTS; s++) {
            int[] starts = startsOf.get(s);
            int n = starts.length;
            int h = SLOT_BASE + SLOT_INTS * s;
            c[h] = at;
            c[h + 1] = n;
            // The span of the segments with matchers: the first segment has some (it starts at
            // a clause's low port); the last has none when it starts after a clause's high port.
            c[h + 2] = 1;
            c[h + 3] = 0;
            if (n > 0) {
                List<List<PeerMatcher>> segments = segmentsOf.get(s);
                int last = n - 1;
                while (segments.get(last).isEmpty()) {
                    last--;
                }
                c[h + 2] = starts[0];
                c[h + 3] = last == n - 1 ? Integer.MAX_VALUE : starts[last + 1] - 1;
            }
            at += 2 * n;
        }
        c[1] = at;
        for (int s = 0; s < SLOTS; s++) {
            for (Clause cl : b.named.get(s)) {
                c[at] = s;
                c[at + 1] = cl.low;
                c[at + 2] = out.ref(cl.matcher);
                at += 3;
            }
        }
        c[2] = at;
        int[] next = {at};
        c[0] = word(any, c, next, out);
        for (int s = 0; s < SLOTS; s++) {
            int[] starts = startsOf.get(s);
            int base = c[SLOT_BASE + SLOT_INTS * s];
            int n = starts.length;
            for (int k = 0; k < n; k++) {
                c[base + k] = starts[k];
                c[base + n + k] = word(segmentsOf.get(s).get(k), c, next, out);
            }
        }
        code = out.withTries(c);
        clauses = count;
    }

    /** Ints a matcher list takes beside its word: none for zero or one matcher. */
    private static int listSize(List<PeerMatcher> matchers) {
        return matchers.size() < 2 ? 0 : 1 + matchers.size();
    }

    /** The word of a matcher list: {@link #NONE}, its one ref, or a {@link #LIST} laid out at {@code next[0]}. */
    private static int word(List<PeerMatcher> matchers, int[] c, int[] next, Layout out) {
        if (matchers.isEmpty()) {
            return NONE;
        }
        if (matchers.size() == 1) {
            return out.ref(matchers.get(0));
        }
        int at = next[0];
        c[at] = matchers.size();
        for (int i = 0; i < matchers.size(); i++) {
            c[at + 1 + i] = out.ref(matchers.get(i));
        }
        next[0] = at + 1 + matchers.size();
        return at << 2 | LIST;
    }

    /** Refs to matchers; tries get offsets after {@code base} as they are first referred to. */
    private static final class Layout {
        private final Map<IpBlockTrie, Integer> roots = new IdentityHashMap<>();
        private final Map<IpBlockTrie, int[]> compressed = new IdentityHashMap<>();
        private final List<IpBlockTrie> tries = new ArrayList<>();
        private int next;

        Layout(int base) {
            next = base;
        }

        int ref(PeerMatcher m) {
            if (m == PeerMatcher.ALL) {
                return ALL;
            }
            if (m instanceof PeerSet set) {
                return set.id << 2 | SET;
            }
            IpBlockTrie t = (IpBlockTrie) m;
            Integer root = roots.get(t);
            if (root == null) {
                root = next;
                roots.put(t, root);
                tries.add(t);
                int[] nodes = compress(t);
                compressed.put(t, nodes);
                next += nodes.length;
            }
            return root << 2 | TRIE;
        }

        /** The code with the tries appended at the offsets their refs name. */
        int[] withTries(int[] c) {
            int[] out = Arrays.copyOf(c, next);
            for (IpBlockTrie t : tries) {
                int base = roots.get(t);
                int[] nodes = compressed.get(t);
                for (int o = 0; o < nodes.length; o += TRIE_NODE) {
                    out[base + o] = nodes[o];
                    out[base + o + 1] = nodes[o + 1];
                    out[base + o + 2] = nodes[o + 2] < 0 ? 0 : base + nodes[o + 2];
                    out[base + o + 3] = nodes[o + 3] < 0 ? 0 : base + nodes[o + 3];
                    out[base + o + 4] = nodes[o + 4];
                }
            }
            return out;
        }
    }

    /**
     * A trie laid out path-compressed, {@link #TRIE_NODE} ints a node, children as offsets from
     * the root's (-1: none): the root, then every node that ends a prefix with a verdict of its
     * own or where paths fork. A node dropped has one child at most and its parent's verdict,
     * so an address that leaves the path below it ends with that verdict all the same; its
     * child, now the parent's, checks the whole prefix it stands for instead. The 10.96.0.0/12
     * of a Service range is then two nodes, not thirteen.
     */
    static int[] compress(IpBlockTrie t) {
        int[] out = new int[TRIE_NODE * t.nodeCount()];
        int[] size = {0};
        keep(t, 0, 0, 0, out, size);
        return Arrays.copyOf(out, size[0]);
    }

    /** Lays out {@code node} (at {@code depth}, prefix {@code prefix}) and what it keeps below; its offset. */
    private static int keep(IpBlockTrie t, int node, int depth, int prefix, int[] out, int[] size) {
        int at = size[0];
        size[0] += TRIE_NODE;
        boolean verdict = t.verdict(node);
        out[at] = prefix;
        out[at + 1] = depth == 0 ? 0 : -1 << (32 - depth);
        out[at + 2] = below(t, t.child0(node), depth + 1, prefix, verdict, out, size);
        out[at + 3] = below(t, t.child1(node), depth + 1, prefix | 1 << (31 - depth), verdict, out, size);
        // The bit that picks the child: for a /32 node (no children) any shift will do.
        out[at + 4] = (depth < 32 ? 31 - depth : 0) << 1 | (verdict ? 1 : 0);
        return at;
    }

    /** The offset of the first node kept on the way down from {@code node}, or -1 for none. */
    private static int below(IpBlockTrie t, int node, int depth, int prefix, boolean parentVerdict, int[] out, int[] size) {
        while (node != 0) {
            int c0 = t.child0(node);
            int c1 = t.child1(node);
            if (t.verdict(node) != parentVerdict || c0 != 0 && c1 != 0) {
                return keep(t, node, depth, prefix, out, size);
            }
            if (c0 != 0) {
                node = c0;
            } else {
                node = c1;
                if (node != 0) {
                    prefix |= 1 << (31 - depth);
                }
            }
            depth++;
        }
        return -1;
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

    /** {@link #summary} bits: the table exists (the pod is isolated in that direction). */
    private static final long ISOLATED = 1L << 32;
    /** The table has no rule without ports and no named port: its verdict follows from its spans. */
    private static final long SPANS_DECIDE = 1L << 33;
    /** UDP's span, SCTP's span is empty. */
    private static final long UDP_EMPTY = 1L << 34;
    private static final long SCTP_EMPTY = 1L << 35;
    /** Bits a {@link #summary} takes, from bit 0: the bits above are the holder's. */
    static final int SUMMARY_BITS = 36;

    /**
     * What a lookup can tell from one word kept per pod, without loading the table, never 0:
     * {@link #ISOLATED}, {@link #SPANS_DECIDE} when no rule without ports and no
     * named port can allow, which protocols other than TCP have no segment with matchers, and
     * TCP's span (low port in bits 0-15, high in 16-31; low above high: empty).
     */
    static long summary(int[] code) {
        long s = ISOLATED;
        if (code[0] == NONE && !hasNamedPorts(code)) {
            s |= SPANS_DECIDE;
        }
        int udp = SLOT_BASE + SLOT_INTS * Protocol.UDP.ordinal();
        int sctp = SLOT_BASE + SLOT_INTS * Protocol.SCTP.ordinal();
        if (code[udp + 2] > code[udp + 3]) {
            s |= UDP_EMPTY;
        }
        if (code[sctp + 2] > code[sctp + 3]) {
            s |= SCTP_EMPTY;
        }
        int tcp = SLOT_BASE + SLOT_INTS * Protocol.TCP.ordinal();
        int low = Math.max(0, code[tcp + 2]);
        int high = Math.min(0xffff, code[tcp + 3]);
        if (low > high) {
            low = 1;
            high = 0;
        }
        return s | (long) high << 16 | low;
    }

    /**
     * True when {@code summary} (of a table that exists) shows that no rule of the table lets
     * anything through on this protocol and port: {@link #allows} would say false.
     */
    static boolean summaryDenies(long summary, int slot, int port) {
        if ((summary & SPANS_DECIDE) == 0) {
            return false;
        }
        return switch (slot) { // the slots are Protocol's ordinals
            case 0 -> port < (int) (summary & 0xffff) || port > (int) (summary >>> 16 & 0xffff);
            case 1 -> (summary & UDP_EMPTY) != 0;
            case 2 -> (summary & SCTP_EMPTY) != 0;
            default -> true;
        };
    }

    /** Whether the table keeps named ports to resolve on the destination pod per packet (egress). */
    static boolean hasNamedPorts(int[] code) {
        return code[1] != code[2];
    }

    /**
     * Whether some rule of the table {@code code} lets {@code peer} through on this protocol and
     * port.
     *
     * @param sets        the peer sets the refs name by id
     * @param slot        {@link #slot} of the IP protocol
     * @param destination the destination pod's container ports, for named ports kept unresolved
     *                    (egress); null when the destination is no pod
     */
    static boolean allows(int[] code, PeerSets sets, int peer, int slot, int port, ContainerPorts destination) {
        int[] c = code;
        if (wordMatches(c, sets, c[0], peer)) {
            return true;
        }
        if (slot < 0) {
            return false;
        }
        int h = SLOT_BASE + SLOT_INTS * slot;
        // Ports outside the span of the segments with matchers (all of them when the protocol
        // has none) are answered from the header, in the cache line of the word above: the
        // segment search and its loads are for ports some rule may name.
        if (port >= c[h + 2] && port <= c[h + 3]) {
            int base = slot == 0 ? FIRST_BLOCK : c[h];
            int n = c[h + 1];
            if (wordMatches(c, sets, c[base + n + floor(c, base, n, port)], peer)) {
                return true;
            }
        }
        if (destination != null) {
            for (int i = c[1], end = c[2]; i < end; i += 3) {
                if (c[i] == slot && destination.has(c[i + 1], slot, port) && matches(c, sets, c[i + 2], peer)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether a word's matchers (none, one ref, or a list) let {@code peer} through. */
    private static boolean wordMatches(int[] code, PeerSets sets, int word, int peer) {
        if (word < 0) {
            return false;
        }
        if ((word & 3) != LIST) {
            return matches(code, sets, word, peer);
        }
        int at = word >>> 2;
        for (int i = at + 1, end = at + 1 + code[at]; i < end; i++) {
            if (matches(code, sets, code[i], peer)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(int[] code, PeerSets sets, int ref, int peer) {
        int kind = ref & 3;
        if (kind == SET) {
            return sets.contains(ref >>> 2, peer);
        }
        return kind == ALL || trieMatches(code, ref >>> 2, peer);
    }

    /**
     * {@link IpBlockTrie#matches} on the trie laid out at {@code root} (see {@link #compress}):
     * down the nodes whose prefix holds the address, the verdict of the last one. Each step goes
     * one bit deeper at least, so 33 steps bound the walk.
     */
    private static boolean trieMatches(int[] code, int root, int address) {
        int v = 0;
        int node = root;
        for (int step = 0; step <= 32; step++) {
            if (((address ^ code[node]) & code[node + 1]) != 0) {
                break;
            }
            int bitAndVerdict = code[node + 4];
            v = bitAndVerdict & 1;
            node = code[node + 2 + (address >>> (bitAndVerdict >>> 1) & 1)];
            if (node == 0) {
                break;
            }
        }
        return v != 0;
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
     * Up to four starts are counted instead, without a chain of dependent loads.
     */
    static int floor(int[] a, int from, int n, int port) {
        if (n <= 4) {
            // Few starts, the usual table: count those at or below the port. The loads do not
            // wait on each other as the halving's do; the tests on n follow the table's size.
            int k = -1;
            if (n > 0) {
                k += a[from] <= port ? 1 : 0;
            }
            if (n > 1) {
                k += a[from + 1] <= port ? 1 : 0;
            }
            if (n > 2) {
                k += a[from + 2] <= port ? 1 : 0;
            }
            if (n > 3) {
                k += a[from + 3] <= port ? 1 : 0;
            }
            return k;
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
