package dev.podlab.netfilter.conntrack;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The conntrack hash table of one network namespace ({@code nf_conntrack_hash},
 * net/netfilter/nf_conntrack_core.c): {@code nf_conntrack_buckets} chains, each entry linked into
 * the chain of its ORIGINAL tuple and the chain of its REPLY tuple, so a packet finds its entry
 * whichever way it travels.
 *
 * <p>Why chains rather than open addressing: the kernel's behaviour when the table is full is
 * defined over these buckets ({@code early_drop} evicts unassured entries from the new tuple's
 * bucket and the next seven), and {@code conntrack -L} dumps bucket by bucket. The chains are
 * intrusive (the {@link TupleHash} nodes live in the entry), the comparison is on primitive fields,
 * so a lookup allocates nothing.
 *
 * <p>Hashing: the kernel uses siphash with a random boot-time key; podlab uses a fixed 64-bit mix
 * of the packed tuple ({@link #hash}) so that bucket order, early drop and dumps are reproducible
 * from run to run. Buckets are picked with {@code reciprocal_scale(hash, size)} like the kernel.
 *
 * <p>Expiry: entries carry absolute deadlines in virtual time. An expired entry is invisible: a
 * lookup that meets one removes it ({@code nf_ct_gc_expired} in {@code ____nf_conntrack_find}),
 * and {@link #gc} / {@link #nextDeadlineNs} let a simulator timer remove them at their deadline.
 * The deadlines are kept in a binary min-heap whose keys may lag behind an extended deadline
 * (lazy increase, eager decrease), so refreshing an ESTABLISHED entry on every packet costs no heap
 * operation.
 *
 * <p>Also holds NAT's by-source index ({@code nf_nat_bysource}, nf_nat_core.c): entries whose
 * source NAT binding is set up, chained by original source address, port and protocol.
 */
public final class ConntrackTable {
    /** NF_CT_EVICTION_RANGE: buckets scanned by early_drop. */
    static final int EVICTION_RANGE = 8;

    private final TupleHash[] buckets;
    private final ConntrackEntry[] bysource;
    private ConntrackEntry[] heap = new ConntrackEntry[64];
    private int heapSize;
    private int count;

    ConntrackTable(int buckets) {
        if (buckets < 1) {
            throw new IllegalArgumentException("nf_conntrack_buckets must be positive: " + buckets);
        }
        this.buckets = new TupleHash[buckets];
        this.bysource = new ConntrackEntry[buckets];
    }

    /** Number of confirmed entries ({@code nf_conntrack_count}). */
    public int count() {
        return count;
    }

    public int bucketCount() {
        return buckets.length;
    }

    // ------------------------------------------------------------------ hashing

    /** A fixed mix of the packed tuple (stands in for {@code hash_conntrack_raw}'s siphash). */
    static int hash(int src, int dst, int protocol, int srcPort, int dstPort) {
        long h = Tuple.key1(src, dst) * 0x9E3779B97F4A7C15L;
        h ^= Tuple.key2(protocol, srcPort, dstPort) + 0x632BE59BD9B4E019L + (h << 6) + (h >>> 2);
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return (int) h;
    }

    static int hash(Tuple t) {
        return hash(t.src, t.dst, t.protocol, t.srcPort, t.dstPort);
    }

    /** {@code reciprocal_scale(hash, size)}: (hash * size) >> 32 over unsigned 32-bit values. */
    static int reciprocalScale(int hash, int size) {
        return (int) (((hash & 0xffffffffL) * size) >>> 32);
    }

    int bucketOf(int hash) {
        return reciprocalScale(hash, buckets.length);
    }

    // ------------------------------------------------------------------ lookup

    /**
     * {@code __nf_conntrack_find_get}: the node whose tuple equals the given one, or null. Expired
     * entries met on the way are removed.
     */
    TupleHash find(int src, int dst, int protocol, int srcPort, int dstPort, long nowNs) {
        int b = bucketOf(hash(src, dst, protocol, srcPort, dstPort));
        TupleHash h = buckets[b];
        while (h != null) {
            TupleHash next = h.next;
            if (h.ct.isExpired(nowNs)) {
                remove(h.ct);
            } else if (h.matches(src, dst, protocol, srcPort, dstPort)) {
                return h;
            }
            h = next;
        }
        return null;
    }

    TupleHash find(Tuple t, long nowNs) {
        return find(t.src, t.dst, t.protocol, t.srcPort, t.dstPort, nowNs);
    }

    /** The entry with {@code tuple} as its ORIGINAL or REPLY tuple, or null. */
    public ConntrackEntry lookup(Tuple tuple, long nowNs) {
        TupleHash h = find(tuple, nowNs);
        return h == null ? null : h.ct;
    }

    /**
     * {@code nf_conntrack_tuple_taken}: whether a confirmed entry other than {@code ignored} has
     * {@code tuple} as one of its tuples. As in the kernel, an entry whose ORIGINAL tuple equals
     * {@code ignored}'s is the same flow (a clash the confirm step resolves) and does not count.
     */
    boolean taken(Tuple tuple, ConntrackEntry ignored, long nowNs) {
        int b = bucketOf(hash(tuple));
        TupleHash h = buckets[b];
        while (h != null) {
            TupleHash next = h.next;
            if (h.ct.isExpired(nowNs)) {
                remove(h.ct);
            } else if (h.ct != ignored && h.equalTo(tuple)) {
                if (ignored == null || !h.ct.original().equalTo(ignored.original())) {
                    return true;
                }
            }
            h = next;
        }
        return false;
    }

    // ------------------------------------------------------------------ insert / delete

    /** {@code __nf_conntrack_hash_insert}: both nodes at the head of their chains, timer armed. */
    void insert(ConntrackEntry ct) {
        for (TupleHash h : ct.tuplehash) {
            int b = bucketOf(hash(h));
            h.next = buckets[b];
            buckets[b] = h;
        }
        count++;
        heapAdd(ct);
    }

    /**
     * {@code nf_ct_delete}: unlinks a confirmed entry from both chains, the timer heap and the NAT
     * by-source index, and marks it dying.
     *
     * @return false if it was not in the table
     */
    boolean remove(ConntrackEntry ct) {
        if (!ct.isConfirmed() || ct.isDying()) {
            return false;
        }
        for (TupleHash h : ct.tuplehash) {
            int b = bucketOf(hash(h));
            TupleHash prev = null;
            for (TupleHash cur = buckets[b]; cur != null; prev = cur, cur = cur.next) {
                if (cur == h) {
                    if (prev == null) {
                        buckets[b] = cur.next;
                    } else {
                        prev.next = cur.next;
                    }
                    break;
                }
            }
            h.next = null;
        }
        ct.status |= ConntrackEntry.IPS_DYING;
        count--;
        heapRemove(ct);
        bysourceRemove(ct);
        return true;
    }

    /**
     * {@code early_drop}: starting at the bucket of {@code hash} and for up to
     * {@link #EVICTION_RANGE} buckets, deletes every entry of the first bucket that has entries
     * not ASSURED ({@code early_drop_list}); expired entries met are collected, not counted.
     *
     * @return the number of entries dropped (0: nothing could be evicted)
     */
    int earlyDrop(int hash, long nowNs) {
        int b = bucketOf(hash);
        for (int i = 0; i < EVICTION_RANGE; i++) {
            if (i > 0) {
                b = (b + 1) % buckets.length;
            }
            int drops = 0;
            TupleHash h = buckets[b];
            while (h != null) {
                TupleHash next = h.next;
                ConntrackEntry ct = h.ct;
                if (ct.isExpired(nowNs)) {
                    remove(ct);
                } else if (!ct.isAssured() && !ct.isDying()) {
                    // Removing ct may unlink its other node from this same chain: restart from
                    // the head rather than follow a stale link.
                    remove(ct);
                    drops++;
                    next = buckets[b];
                }
                h = next;
            }
            if (drops > 0) {
                return drops;
            }
        }
        return 0;
    }

    /** Deletes every entry ({@code conntrack -F}); returns how many. */
    int flush() {
        int n = 0;
        for (ConntrackEntry ct : entries(Long.MIN_VALUE)) {
            if (remove(ct)) {
                n++;
            }
        }
        return n;
    }

    /**
     * The live entries in dump order: bucket by bucket, each chain from its head, ORIGINAL nodes
     * only ({@code ctnetlink_dump_table}). Entries expired at {@code nowNs} are skipped (pass
     * {@code Long.MIN_VALUE} to include them).
     */
    public List<ConntrackEntry> entries(long nowNs) {
        List<ConntrackEntry> out = new ArrayList<>(count);
        for (TupleHash head : buckets) {
            for (TupleHash h = head; h != null; h = h.next) {
                if (h.dir == ConntrackEntry.ORIGINAL && !h.ct.isExpired(nowNs)) {
                    out.add(h.ct);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ timers

    /**
     * {@code nf_ct_refresh}: sets the deadline of a confirmed entry to {@code nowNs + timeoutNs}
     * (or the relative timeout of an unconfirmed one).
     */
    void refresh(ConntrackEntry ct, long nowNs, long timeoutNs) {
        if ((ct.status & ConntrackEntry.IPS_FIXED_TIMEOUT) != 0) {
            return;
        }
        if (!ct.isConfirmed()) {
            ct.timeout = timeoutNs;
            return;
        }
        long deadline = nowNs + timeoutNs;
        ct.timeout = deadline;
        if (ct.heapIndex >= 0 && deadline < ct.heapKey) {
            ct.heapKey = deadline;
            siftUp(ct.heapIndex);
        }
    }

    /**
     * The earliest deadline of any entry, or {@link Long#MAX_VALUE} when the table is empty. A
     * simulator schedules {@link #gc} at this time.
     */
    public long nextDeadlineNs() {
        while (heapSize > 0) {
            ConntrackEntry top = heap[0];
            if (top.heapKey == top.timeout) {
                return top.timeout;
            }
            top.heapKey = top.timeout;
            siftDown(0);
        }
        return Long.MAX_VALUE;
    }

    /** Removes every entry whose deadline is at or before {@code nowNs}; returns how many. */
    public int gc(long nowNs) {
        int n = 0;
        while (heapSize > 0) {
            ConntrackEntry top = heap[0];
            if (top.heapKey > nowNs) {
                break;
            }
            if (top.timeout <= nowNs) {
                remove(top);
                n++;
            } else {
                top.heapKey = top.timeout;
                siftDown(0);
            }
        }
        return n;
    }

    private boolean less(ConntrackEntry a, ConntrackEntry b) {
        return a.heapKey < b.heapKey || (a.heapKey == b.heapKey && a.id < b.id);
    }

    private void heapAdd(ConntrackEntry ct) {
        if (heapSize == heap.length) {
            heap = Arrays.copyOf(heap, heapSize * 2);
        }
        ct.heapKey = ct.timeout;
        ct.heapIndex = heapSize;
        heap[heapSize++] = ct;
        siftUp(ct.heapIndex);
    }

    private void heapRemove(ConntrackEntry ct) {
        int i = ct.heapIndex;
        if (i < 0) {
            return;
        }
        ct.heapIndex = -1;
        ConntrackEntry last = heap[--heapSize];
        heap[heapSize] = null;
        if (i < heapSize) {
            heap[i] = last;
            last.heapIndex = i;
            siftDown(i);
            siftUp(last.heapIndex);
        }
    }

    private void siftUp(int i) {
        ConntrackEntry x = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            ConntrackEntry p = heap[parent];
            if (!less(x, p)) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = x;
        x.heapIndex = i;
    }

    private void siftDown(int i) {
        ConntrackEntry x = heap[i];
        int half = heapSize >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < heapSize && less(heap[right], heap[child])) {
                child = right;
            }
            if (!less(heap[child], x)) {
                break;
            }
            heap[i] = heap[child];
            heap[i].heapIndex = i;
            i = child;
        }
        heap[i] = x;
        x.heapIndex = i;
    }

    // ------------------------------------------------------------------ NAT by-source index

    private int bysourceBucket(int src, int srcPort, int protocol) {
        return reciprocalScale(hash(src, 0, protocol, srcPort, 0), bysource.length);
    }

    /** {@code hlist_add_head_rcu(&ct->nat_bysource, ...)} in {@code nf_nat_setup_info}. */
    void bysourceAdd(ConntrackEntry ct) {
        if (ct.inBysource) {
            return;
        }
        Tuple o = ct.original();
        int b = bysourceBucket(o.src, o.srcPort, o.protocol);
        ct.bysourceNext = bysource[b];
        bysource[b] = ct;
        ct.inBysource = true;
    }

    private void bysourceRemove(ConntrackEntry ct) {
        if (!ct.inBysource) {
            return;
        }
        Tuple o = ct.original();
        int b = bysourceBucket(o.src, o.srcPort, o.protocol);
        ConntrackEntry prev = null;
        for (ConntrackEntry cur = bysource[b]; cur != null; prev = cur, cur = cur.bysourceNext) {
            if (cur == ct) {
                if (prev == null) {
                    bysource[b] = cur.bysourceNext;
                } else {
                    prev.bysourceNext = cur.bysourceNext;
                }
                break;
            }
        }
        ct.bysourceNext = null;
        ct.inBysource = false;
    }

    /** First entry of the by-source chain that may hold entries with this original source. */
    ConntrackEntry bysourceChain(int src, int srcPort, int protocol) {
        return bysource[bysourceBucket(src, srcPort, protocol)];
    }
}
