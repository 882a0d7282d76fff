package dev.podlab.policy;

/**
 * Open-addressing map from {@code int} keys (IPv4 addresses) to non-negative {@code int} values
 * (pod ids), -1 meaning absent. Same scheme as {@link IntHashSet}: linear probing, backward-shift
 * deletion, key 0 kept beside the table. Keys and values are interleaved in one array (the key
 * of slot {@code i} at {@code 2i}, its value at {@code 2i + 1}), so a hit reads its value from
 * the cache line it found the key in: {@link #get} is the first step of every
 * {@link PolicyIndex} lookup. {@link #get} allocates nothing.
 */
final class IntIntHashMap {
    static final int ABSENT = -1;
    private static final int EMPTY = 0;
    /** Key at {@code 2i}, value at {@code 2i + 1}. */
    private int[] entries;
    /** Slots minus one: a slot index, not an array index. */
    private int mask;
    private int size;
    private int zeroValue = ABSENT;

    IntIntHashMap() {
        entries = new int[32];
        mask = 15;
    }

    int size() {
        return size + (zeroValue != ABSENT ? 1 : 0);
    }

    /** The value of {@code key}, or {@link #ABSENT}. */
    int get(int key) {
        if (key == EMPTY) {
            return zeroValue;
        }
        int[] e = entries;
        int m = mask;
        for (int i = IntHashSet.hash(key) & m; ; i = (i + 1) & m) {
            int k = e[2 * i];
            if (k == key) {
                return e[2 * i + 1];
            }
            if (k == EMPTY) {
                return ABSENT;
            }
        }
    }

    /** Maps {@code key} to {@code value} (>= 0), replacing any value it had. */
    void put(int key, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative value " + value);
        }
        if (key == EMPTY) {
            zeroValue = value;
            return;
        }
        if ((size + 1) * 2 > mask + 1) {
            resize(2 * (mask + 1));
        }
        int i = IntHashSet.hash(key) & mask;
        while (entries[2 * i] != EMPTY) {
            if (entries[2 * i] == key) {
                entries[2 * i + 1] = value;
                return;
            }
            i = (i + 1) & mask;
        }
        entries[2 * i] = key;
        entries[2 * i + 1] = value;
        size++;
    }

    /** Removes {@code key}; its value, or {@link #ABSENT}. */
    int remove(int key) {
        if (key == EMPTY) {
            int old = zeroValue;
            zeroValue = ABSENT;
            return old;
        }
        int i = IntHashSet.hash(key) & mask;
        while (entries[2 * i] != key) {
            if (entries[2 * i] == EMPTY) {
                return ABSENT;
            }
            i = (i + 1) & mask;
        }
        int old = entries[2 * i + 1];
        int hole = i;
        for (int j = (hole + 1) & mask; entries[2 * j] != EMPTY; j = (j + 1) & mask) {
            int home = IntHashSet.hash(entries[2 * j]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                entries[2 * hole] = entries[2 * j];
                entries[2 * hole + 1] = entries[2 * j + 1];
                hole = j;
            }
        }
        entries[2 * hole] = EMPTY;
        size--;
        return old;
    }

    private void resize(int capacity) {
        int[] old = entries;
        entries = new int[2 * capacity];
        mask = capacity - 1;
        for (int s = 0; s < old.length; s += 2) {
            if (old[s] != EMPTY) {
                int i = IntHashSet.hash(old[s]) & mask;
                while (entries[2 * i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                entries[2 * i] = old[s];
                entries[2 * i + 1] = old[s + 1];
            }
        }
    }
}
