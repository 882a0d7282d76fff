package dev.podlab.net;

import java.util.Arrays;
import java.util.Objects;

/**
 * Open-addressing hash map from {@code long} to a non-null object, linear probing, backward-shift
 * deletion (no tombstones). A slot is free when its value is null, so a probe reads two arrays,
 * the key's and the value's, not a third of flags: every frame of the datapath does a few of
 * these lookups (neighbours, FDB, sockets, devices). {@link #get} allocates nothing. Iteration
 * order is not exposed: callers that print keep their own ordered view.
 */
final class LongObjectMap<V> {
    private long[] keys;
    private Object[] values;
    private int size;
    private int mask;

    LongObjectMap() {
        this(16);
    }

    LongObjectMap(int initialCapacity) {
        int cap = Integer.highestOneBit(Math.max(4, initialCapacity - 1)) << 1;
        keys = new long[cap];
        values = new Object[cap];
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
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null || keys[i] == key) {
                return (V) v;
            }
        }
    }

    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        Objects.requireNonNull(value, "value");
        int i = hash(key) & mask;
        for (; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                V old = (V) values[i];
                values[i] = value;
                return old;
            }
        }
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
        for (; values[i] != null; i = (i + 1) & mask) {
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
            if (values[i] == null) {
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
        values[hole] = null;
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        int cap = oldKeys.length * 2;
        keys = new long[cap];
        values = new Object[cap];
        mask = cap - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                @SuppressWarnings("unchecked")
                V v = (V) oldValues[i];
                put(oldKeys[i], v);
            }
        }
    }

    /** Visits every value (in slot order, which callers must not rely on for output). */
    @SuppressWarnings("unchecked")
    void forEachValue(java.util.function.Consumer<? super V> action) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                action.accept((V) values[i]);
            }
        }
    }

    void clear() {
        Arrays.fill(values, null);
        size = 0;
    }
}
