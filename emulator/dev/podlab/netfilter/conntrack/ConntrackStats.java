package dev.podlab.netfilter.conntrack;

/**
 * The per-namespace conntrack counters ({@code struct ip_conntrack_stat}) that
 * {@code conntrack -S} prints; podlab has one CPU. Each counter is bumped where the kernel bumps
 * it (function named on the field).
 */
public final class ConntrackStats {
    /** nf_conntrack_tuple_taken: a NAT candidate tuple was already in use. */
    long found;
    /** nf_conntrack_in: the packet got no entry (INVALID). */
    long invalid;
    /** nf_conntrack_in / nf_ct_resolve_clash: the packet was dropped by conntrack. */
    long drop;
    /** early_drop: entries evicted to make room. */
    long earlyDrop;
    /** nf_conntrack_handle_icmp: an ICMP packet was malformed or an error matched nothing. */
    long error;
    /** __nf_conntrack_confirm: the entry could not be inserted (clash not resolved). */
    long insertFailed;
    /** __nf_ct_resolve_clash: a clash was resolved by reusing the existing entry. */
    long clashResolve;

    public long found() {
        return found;
    }

    public long invalid() {
        return invalid;
    }

    public long drop() {
        return drop;
    }

    public long earlyDrop() {
        return earlyDrop;
    }

    public long error() {
        return error;
    }

    public long insertFailed() {
        return insertFailed;
    }

    public long clashResolve() {
        return clashResolve;
    }

    /**
     * One {@code conntrack -S} line for CPU 0. The counter set is the one current kernels export
     * (no {@code ignore}, dropped in 5.x); {@code insert}, {@code search_restart} and
     * {@code chaintoolong} are printed as 0: podlab does not count insertions, never restarts a
     * search because of a concurrent resize, and does not limit chain length.
     */
    public String toConntrackS() {
        return "cpu=0   \tfound=" + found + " invalid=" + invalid + " insert=0 insert_failed=" + insertFailed
                + " drop=" + drop + " early_drop=" + earlyDrop + " error=" + error
                + " search_restart=0 clash_resolve=" + clashResolve + " chaintoolong=0 ";
    }

    @Override
    public String toString() {
        return toConntrackS();
    }
}
