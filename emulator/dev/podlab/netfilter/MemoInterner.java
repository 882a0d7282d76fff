package dev.podlab.netfilter;

import java.util.HashMap;
import java.util.function.Supplier;

/**
 * One node's kept walks ({@link FlowMemo}), hook runs ({@link HookMemo}) or sets of them
 * ({@link FlowMemo.Memos}), shared between the connections that kept equal ones. Most connections
 * through a node walk the same rules with the same result, so a conntrack entry holds a shared
 * set of shared memos instead of copies: the memo costs a connection one reference, not a copy of
 * every walk's rule list.
 *
 * <p>A memo is built in a scratch object, then looked up among the kept ones by everything it
 * holds (its key and its outcome); an equal one is returned, or the scratch becomes a kept memo
 * and a new scratch is made. Kept memos never change afterwards (a hook memo's pending counters
 * are not part of its value: sharers add to them together, and their sum belongs to the same
 * rules). A new {@link Iptables#stamp() stamp} or more than {@link #LIMIT} kept memos empty the
 * set: entries keep the memos they hold, and later keeps start a new set.
 */
final class MemoInterner<T extends MemoInterner.Kept> {
    /** Kept memos beyond which the set starts over. */
    static final int LIMIT = 1 << 14;

    /** A memo's value: equality and hash over everything it holds. */
    interface Kept {
        /** Drops spare capacity before the memo is kept. */
        void trim();
    }

    private final HashMap<T, T> kept = new HashMap<>();
    private final Supplier<T> fresh;
    private T scratch;
    private long stamp = Long.MIN_VALUE;

    MemoInterner(Supplier<T> fresh) {
        this.fresh = fresh;
        this.scratch = fresh.get();
    }

    /** The scratch memo to fill for a keep under {@code stamp}. */
    T scratch(long stamp) {
        if (stamp != this.stamp) {
            kept.clear(); // memos under an older stamp never replay again
            this.stamp = stamp;
        }
        return scratch;
    }

    /** The kept memo equal to the filled scratch: an earlier one, or the scratch itself. */
    T intern() {
        T found = kept.get(scratch);
        if (found != null) {
            return found;
        }
        if (kept.size() >= LIMIT) {
            kept.clear();
        }
        T k = scratch;
        k.trim();
        kept.put(k, k);
        scratch = fresh.get();
        return k;
    }

    /** How many memos are kept now (for tests). */
    int size() {
        return kept.size();
    }
}
