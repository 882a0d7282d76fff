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
    private final BitSet used = new BitSet();

    /** Gives the set an id, the lowest free. */
    int register(PeerSet set) {
        int id = used.nextClearBit(0);
        used.set(id);
        if (id == sets.length) {
            sets = Arrays.copyOf(sets, id * 2);
            slots = Arrays.copyOf(slots, id * 2);
            masks = Arrays.copyOf(masks, id * 2);
        }
        sets[id] = set;
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

    /** Whether set {@code id} holds {@code address}: {@link IntHashSet#contains} on its arrays. */
    boolean contains(int id, int address) {
        if (address == 0) {
            return sets[id].addresses.contains(0); // kept beside the table
        }
        int[] s = slots[id];
        int m = masks[id];
        for (int i = IntHashSet.hash(address) & m; ; i = (i + 1) & m) {
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
