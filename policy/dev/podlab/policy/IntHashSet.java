package dev.podlab.policy;

import java.util.Arrays;

/**
 * Open-addressing hash set of {@code int} keys (IPv4 addresses): linear probing, backward-shift
 * deletion, load factor at most 1/2. Every int is a valid key: 0 marks an empty slot, so the key 0
 * ({@code 0.0.0.0}) is kept in a flag beside the table. {@link #contains} allocates nothing; the
 * ipset lookup of {@link PolicyIndex}'s packet path is the same probe, run by {@link PeerSets}
 * on {@link #slots()}. The only iteration is
 * {@link #toSortedArray()}, so nothing printed depends on hashing.
 */
final class IntHashSet {
    private static final int EMPTY = 0;
    private int[] slots;
    private int mask;
    private int size;
    private boolean hasZero;

    IntHashSet() {
        this(8);
    }

    IntHashSet(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1;
        slots = new int[capacity];
        mask = capacity - 1;
    }

    /** Fibonacci hashing, high bits folded down: consecutive addresses spread over the table. */
    static int hash(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    int size() {
        return size + (hasZero ? 1 : 0);
    }

    /**
     * The hash table, for {@link PeerSets} to probe as {@link #contains} does (key 0 is not in
     * it; the mask is its length minus one); replaced when the set grows.
     */
    int[] slots() {
        return slots;
    }

    boolean contains(int key) {
        if (key == EMPTY) {
            return hasZero;
        }
        int[] s = slots;
        int m = mask;
        for (int i = hash(key) & m; ; i = (i + 1) & m) {
            int v = s[i];
            if (v == key) {
                return true;
            }
            if (v == EMPTY) {
                return false;
            }
        }
    }

    /** Adds {@code key}; false if it was there. */
    boolean add(int key) {
        if (key == EMPTY) {
            boolean added = !hasZero;
            hasZero = true;
            return added;
        }
        if ((size + 1) * 2 > slots.length) {
            resize(slots.length * 2);
        }
        int i = hash(key) & mask;
        while (slots[i] != EMPTY) {
            if (slots[i] == key) {
                return false;
            }
            i = (i + 1) & mask;
        }
        slots[i] = key;
        size++;
        return true;
    }

    /** Removes {@code key}; false if it was not there. */
    boolean remove(int key) {
        if (key == EMPTY) {
            boolean removed = hasZero;
            hasZero = false;
            return removed;
        }
        int i = hash(key) & mask;
        while (slots[i] != key) {
            if (slots[i] == EMPTY) {
                return false;
            }
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: move later entries of the probe chain into the hole when their
        // home slot is not between the hole and them (cyclically), so no tombstones are needed.
        int hole = i;
        for (int j = (hole + 1) & mask; slots[j] != EMPTY; j = (j + 1) & mask) {
            int home = hash(slots[j]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                slots[hole] = slots[j];
                hole = j;
            }
        }
        slots[hole] = EMPTY;
        size--;
        return true;
    }

    void clear() {
        Arrays.fill(slots, EMPTY);
        size = 0;
        hasZero = false;
    }

    /** The keys in ascending unsigned order (as addresses sort). */
    int[] toSortedArray() {
        int[] out = new int[size()];
        int n = 0;
        if (hasZero) {
            out[n++] = 0;
        }
        for (int v : slots) {
            if (v != EMPTY) {
                out[n++] = v;
            }
        }
        for (int k = 0; k < out.length; k++) {
            out[k] ^= Integer.MIN_VALUE;
        }
        Arrays.sort(out);
        for (int k = 0; k < out.length; k++) {
            out[k] ^= Integer.MIN_VALUE;
        }
        return out;
    }

    private void resize(int capacity) {
        int[] old = slots;
        slots = new int[capacity];
        mask = capacity - 1;
        size = 0;
        for (int v : old) {
            if (v != EMPTY) {
                int i = hash(v) & mask;
                while (slots[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                slots[i] = v;
                size++;
            }
        }
    }
}
