package dev.podlab.policy;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The selector peer sets of a {@link PolicyIndex} by id, laid out for the packet path: per id,
 * the set's hash slots (their length gives the mask), so {@link #contains} goes from the id a
 * {@link PortTable} ref carries to the slot it probes without loading the {@link PeerSet} or its
 * {@link IntHashSet}. A set keeps its id (the lowest free one, so the arrays stay dense) from
 * {@link #register} to {@link #unregister}; whenever its hash table grows the set calls
 * {@link #refresh}.
 *
 * <p>A table refers to a set by id only while the policies it was compiled from hold the set;
 * {@link PolicyIndex} rebuilds the tables of those policies before it lets the set go, so no
 * table reads an id after it is reused.
 */
final class PeerSets {
    private PeerSet[] sets = new PeerSet[16];
    private int[][] slots = new int[16][];
    /**
     * Per id, its slots' length minus one: read beside the slots (both by id) instead of after
     * them (from the array's length), so the probe waits for one load less.
     */
    private int[] masks = new int[16];
    /**
     * Per id, {@link #FILTER_WORDS} words of a one-hash Bloom filter of the members (bit: the top
     * eight bits of the member's {@link IntHashSet#hash}). Most peers a rule is asked about are
     * not in its set: the filter answers those from one load of this small array, where the hash
     * probe loads the set's slots and branches on what it finds there.
     */
    private long[] filters = new long[16 * FILTER_WORDS];
    private final BitSet used = new BitSet();

    private static final int FILTER_WORDS = 4;

    /** Gives the set an id, the lowest free. */
    int register(PeerSet set) {
        int id = used.nextClearBit(0);
        used.set(id);
        if (id == sets.length) {
            sets = Arrays.copyOf(sets, id * 2);
            slots = Arrays.copyOf(slots, id * 2);
            masks = Arrays.copyOf(masks, id * 2);
            filters = Arrays.copyOf(filters, id * 2 * FILTER_WORDS);
        }
        sets[id] = set;
        Arrays.fill(filters, id * FILTER_WORDS, (id + 1) * FILTER_WORDS, 0L);
        return id;
    }

    void unregister(PeerSet set) {
        sets[set.id] = null;
        slots[set.id] = null;
        used.clear(set.id);
    }

    /** Takes the set's current hash table (after it was created or resized). */
    void refresh(PeerSet set) {
        int[] s = set.addresses.slots();
        slots[set.id] = s;
        masks[set.id] = s.length - 1;
    }

    /** Notes a member of set {@code id} in its filter. */
    void added(int id, int address) {
        int f = IntHashSet.hash(address) >>> 24;
        filters[id * FILTER_WORDS + (f >>> 6)] |= 1L << f;
    }

    /** The filter of set {@code id} made anew from its members, after a removal. */
    void removed(PeerSet set) {
        int base = set.id * FILTER_WORDS;
        Arrays.fill(filters, base, base + FILTER_WORDS, 0L);
        for (int address : set.addresses.slots()) {
            if (address != 0) {
                added(set.id, address);
            }
        }
        if (set.addresses.contains(0)) {
            added(set.id, 0);
        }
    }

    /** Whether set {@code id} holds {@code address}: its filter, then {@link IntHashSet#contains} on its arrays. */
    boolean contains(int id, int address) {
        int h = IntHashSet.hash(address);
        int f = h >>> 24;
        if ((filters[id * FILTER_WORDS + (f >>> 6)] & 1L << f) == 0) {
            return false;
        }
        if (address == 0) {
            return sets[id].addresses.contains(0); // kept beside the table
        }
        int[] s = slots[id];
        int m = masks[id];
        for (int i = h & m; ; i = (i + 1) & m) {
            int v = s[i];
            if (v == address) {
                return true;
            }
            if (v == 0) {
                return false;
            }
        }
    }
}
