package dev.podlab.policy;

/**
 * Open-addressing map from {@code int} keys (IPv4 addresses) to non-negative {@code int} values
 * (pod ids), -1 meaning absent. Same layout as {@link IntHashSet}: linear probing, backward-shift
 * deletion, key 0 kept beside the table. {@link #get} allocates nothing.
 */
final class IntIntHashMap {
    static final int ABSENT = -1;
    private static final int EMPTY = 0;
    private int[] keys;
    private int[] values;
    private int mask;
    private int size;
    private int zeroValue = ABSENT;

    IntIntHashMap() {
        keys = new int[16];
        values = new int[16];
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
        int[] k = keys;
        int m = mask;
        for (int i = IntHashSet.hash(key) & m; ; i = (i + 1) & m) {
            int v = k[i];
            if (v == key) {
                return values[i];
            }
            if (v == EMPTY) {
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
        if ((size + 1) * 2 > keys.length) {
            resize(keys.length * 2);
        }
        int i = IntHashSet.hash(key) & mask;
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
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
        while (keys[i] != key) {
            if (keys[i] == EMPTY) {
                return ABSENT;
            }
            i = (i + 1) & mask;
        }
        int old = values[i];
        int hole = i;
        for (int j = (hole + 1) & mask; keys[j] != EMPTY; j = (j + 1) & mask) {
            int home = IntHashSet.hash(keys[j]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = EMPTY;
        size--;
        return old;
    }

    private void resize(int capacity) {
        int[] oldKeys = keys;
        int[] oldValues = values;
        keys = new int[capacity];
        values = new int[capacity];
        mask = capacity - 1;
        for (int s = 0; s < oldKeys.length; s++) {
            if (oldKeys[s] != EMPTY) {
                int i = IntHashSet.hash(oldKeys[s]) & mask;
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[s];
                values[i] = oldValues[s];
            }
        }
    }
}
