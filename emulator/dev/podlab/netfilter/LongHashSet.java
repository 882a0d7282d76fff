package dev.podlab.netfilter;

import java.util.Arrays;

/**
 * Open-addressing hash set of non-negative {@code long} keys (linear probing, backward-shift
 * deletion, -1 marks an empty slot). {@link #contains} allocates nothing. Iteration is only
 * through {@link #sortedKeys()}, so printing order never depends on hashing.
 */
final class LongHashSet {
    private static final long EMPTY = -1L;
    private long[] slots;
    private int mask;
    private int size;

    LongHashSet() {
        this(16);
    }

    LongHashSet(int expected) {
        int cap = Integer.highestOneBit(Math.max(8, expected * 2 - 1)) << 1;
        slots = new long[cap];
        Arrays.fill(slots, EMPTY);
        mask = cap - 1;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29) ^ (h >>> 47));
    }

    int size() {
        return size;
    }

    boolean contains(long key) {
        long[] s = slots;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            long v = s[i];
            if (v == key) {
                return true;
            }
            if (v == EMPTY) {
                return false;
            }
        }
    }

    /** Adds {@code key} (must be >= 0); false if it was present. */
    boolean add(long key) {
        if (key < 0) {
            throw new IllegalArgumentException("negative key " + key);
        }
        if ((size + 1) * 2 > slots.length) {
            grow();
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

    boolean remove(long key) {
        int i = hash(key) & mask;
        while (slots[i] != key) {
            if (slots[i] == EMPTY) {
                return false;
            }
            i = (i + 1) & mask;
        }
        // Backward-shift deletion keeps every probe chain unbroken.
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
    }

    long[] sortedKeys() {
        long[] out = new long[size];
        int n = 0;
        for (long v : slots) {
            if (v != EMPTY) {
                out[n++] = v;
            }
        }
        Arrays.sort(out);
        return out;
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        Arrays.fill(slots, EMPTY);
        mask = slots.length - 1;
        size = 0;
        for (long v : old) {
            if (v != EMPTY) {
                add(v);
            }
        }
    }
}
