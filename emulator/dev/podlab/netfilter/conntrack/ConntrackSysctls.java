package dev.podlab.netfilter.conntrack;

/**
 * The {@code net.netfilter.nf_conntrack_*} knobs of one network namespace, with the kernel's
 * defaults (Documentation/networking/nf_conntrack-sysctl.rst, the timeout tables of
 * nf_conntrack_proto_{tcp,udp,icmp,sctp,generic}.c). Timeouts are in seconds, as the sysctls are.
 *
 * <p>Read when a {@link Conntrack} is built; change it before, as kube-proxy does at start-up
 * ({@code tcpTimeoutEstablished = 86400}, {@code tcpTimeoutCloseWait = 3600}, {@code max}).
 */
public final class ConntrackSysctls {
    /** {@code nf_conntrack_buckets}: hash table size. */
    public int buckets = 262_144;
    /** {@code nf_conntrack_max}: most entries before new connections are refused. */
    public int max = 262_144;
    /** {@code nf_conntrack_checksum}: verify L4 checksums of packets entering at PREROUTING. */
    public boolean checksum = true;
    /** {@code nf_conntrack_acct}: show packet and byte counters in {@code conntrack -L}. */
    public boolean acct = false;

    /** {@code nf_conntrack_tcp_loose}: a non-SYN packet may create an entry (mid-stream pick-up). */
    public boolean tcpLoose = true;
    /** {@code nf_conntrack_tcp_be_liberal}: treat out-of-window packets as valid. */
    public boolean tcpBeLiberal = false;
    /** {@code nf_conntrack_tcp_max_retrans}: retransmissions before the RETRANS timeout applies. */
    public int tcpMaxRetrans = 3;
    public int tcpTimeoutSynSent = 120;
    public int tcpTimeoutSynRecv = 60;
    public int tcpTimeoutEstablished = 432_000;
    public int tcpTimeoutFinWait = 120;
    public int tcpTimeoutCloseWait = 60;
    public int tcpTimeoutLastAck = 30;
    public int tcpTimeoutTimeWait = 120;
    public int tcpTimeoutClose = 10;
    public int tcpTimeoutMaxRetrans = 300;
    public int tcpTimeoutUnacknowledged = 300;

    /** {@code nf_conntrack_udp_timeout}: not replied, or replied within the first 2 s. */
    public int udpTimeout = 30;
    /** {@code nf_conntrack_udp_timeout_stream}: a flow still active 2 s after it started. */
    public int udpTimeoutStream = 120;
    public int icmpTimeout = 30;
    public int genericTimeout = 600;

    public int sctpTimeoutClosed = 10;
    public int sctpTimeoutCookieWait = 3;
    public int sctpTimeoutCookieEchoed = 3;
    public int sctpTimeoutEstablished = 210;
    public int sctpTimeoutShutdownSent = 3;
    public int sctpTimeoutShutdownRecd = 3;
    public int sctpTimeoutShutdownAckSent = 3;
    public int sctpTimeoutHeartbeatSent = 30;

    /**
     * Defaults for a machine with {@code ramBytes} of memory, as {@code nf_conntrack_init_start}
     * (net/netfilter/nf_conntrack_core.c, kernels 5.15 and later) sizes them: RAM / 16384 / 8
     * buckets (8 = {@code sizeof(struct hlist_head)}), 65536 above 1 GiB, 262144 above 4 GiB, at
     * least 1024; {@code nf_conntrack_max} equal to the bucket count ({@code max_factor = 1}).
     */
    public static ConntrackSysctls forMemory(long ramBytes) {
        long gib = 1L << 30;
        long buckets;
        if (ramBytes > 4 * gib) {
            buckets = 262_144;
        } else if (ramBytes > gib) {
            buckets = 65_536;
        } else {
            buckets = Math.max(1024, ramBytes / 16384 / 8);
        }
        ConntrackSysctls s = new ConntrackSysctls();
        s.buckets = (int) buckets;
        s.max = (int) buckets;
        return s;
    }
}
