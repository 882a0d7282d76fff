package dev.podlab.net;

import java.util.Arrays;

/**
 * Open-addressing hash map from {@code long} to an object, linear probing, backward-shift deletion
 * (no tombstones). {@link #get} allocates nothing. Iteration order is not exposed: callers that
 * print keep their own ordered view.
 */
final class LongObjectMap<V> {
    private long[] keys;
    private Object[] values;
    private boolean[] used;
    private int size;
    private int mask;

    LongObjectMap() {
        this(16);
    }

    LongObjectMap(int initialCapacity) {
        int cap = Integer.highestOneBit(Math.max(4, initialCapacity - 1)) << 1;
        keys = new long[cap];
        values = new Object[cap];
        used = new boolean[cap];
        mask = cap - 1;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32) ^ (h >>> 16));
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        for (int i = hash(key) & mask; used[i]; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return (V) values[i];
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        int i = hash(key) & mask;
        for (; used[i]; i = (i + 1) & mask) {
            if (keys[i] == key) {
                V old = (V) values[i];
                values[i] = value;
                return old;
            }
        }
        used[i] = true;
        keys[i] = key;
        values[i] = value;
        if (++size * 2 > keys.length) {
            grow();
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    V remove(long key) {
        int i = hash(key) & mask;
        for (; used[i]; i = (i + 1) & mask) {
            if (keys[i] == key) {
                V old = (V) values[i];
                deleteAt(i);
                size--;
                return old;
            }
        }
        return null;
    }

    private void deleteAt(int hole) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            if (!used[i]) {
                break;
            }
            int home = hash(keys[i]) & mask;
            // Move the entry at i into the hole if its home slot is not in (hole, i].
            if (((i - home) & mask) >= ((i - hole) & mask)) {
                keys[hole] = keys[i];
                values[hole] = values[i];
                hole = i;
            }
        }
        used[hole] = false;
        values[hole] = null;
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        boolean[] oldUsed = used;
        int cap = oldKeys.length * 2;
        keys = new long[cap];
        values = new Object[cap];
        used = new boolean[cap];
        mask = cap - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldUsed[i]) {
                @SuppressWarnings("unchecked")
                V v = (V) oldValues[i];
                put(oldKeys[i], v);
            }
        }
    }

    /** Visits every value (in slot order, which callers must not rely on for output). */
    @SuppressWarnings("unchecked")
    void forEachValue(java.util.function.Consumer<? super V> action) {
        for (int i = 0; i < used.length; i++) {
            if (used[i]) {
                action.accept((V) values[i]);
            }
        }
    }

    void clear() {
        Arrays.fill(used, false);
        Arrays.fill(values, null);
        size = 0;
    }
}
