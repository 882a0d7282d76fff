package dev.podlab.netfilter.conntrack;

/**
 * The generic tracker (net/netfilter/nf_conntrack_proto_generic.c) for protocols without their
 * own: tuple of addresses and protocol only, {@code nf_conntrack_generic_timeout} (600 s) on every
 * packet. GRE and IPIP are tracked here (podlab has no PPTP helper, so GRE keys stay 0).
 */
final class GenericTracker {
    private final Conntrack conntrack;
    private final long timeout;

    GenericTracker(Conntrack conntrack, ConntrackSysctls s) {
        this.conntrack = conntrack;
        this.timeout = s.genericTimeout * 1_000_000_000L;
    }

    int packet(ConntrackEntry ct, int ipLen, int ctinfo, long nowNs) {
        conntrack.refreshAcct(ct, ctinfo, ipLen, nowNs, timeout);
        return Conntrack.NF_ACCEPT;
    }
}
