package dev.podlab.netfilter;

/**
 * The conntrack facts matches read from a {@link PacketContext}: the packet's state (what
 * {@code nf_conntrack_in} attached: {@code enum ip_conntrack_info} plus "no entry" and
 * "untracked") and the entry's status bits ({@code enum ip_conntrack_status},
 * include/uapi/linux/netfilter/nf_conntrack_common.h). The conntrack module fills them in.
 */
public final class Ct {
    private Ct() {}

    /** No entry attached: {@code -m conntrack --ctstate INVALID} (the default of a fresh context). */
    public static final int STATE_INVALID = 0;
    /** IP_CT_NEW. */
    public static final int STATE_NEW = 1;
    /** IP_CT_ESTABLISHED / IP_CT_ESTABLISHED_REPLY. */
    public static final int STATE_ESTABLISHED = 2;
    /** IP_CT_RELATED / IP_CT_RELATED_REPLY. */
    public static final int STATE_RELATED = 3;
    /** IP_CT_UNTRACKED (raw table {@code -j CT --notrack}). */
    public static final int STATE_UNTRACKED = 4;

    // ip_conntrack_status bits (IPS_*).
    public static final int IPS_EXPECTED = 1;
    public static final int IPS_SEEN_REPLY = 1 << 1;
    public static final int IPS_ASSURED = 1 << 2;
    public static final int IPS_CONFIRMED = 1 << 3;
    public static final int IPS_SRC_NAT = 1 << 4;
    public static final int IPS_DST_NAT = 1 << 5;

    // xt_conntrack state mask bits (include/uapi/linux/netfilter/xt_conntrack.h):
    // XT_CONNTRACK_STATE_BIT(ctinfo) = 1 << (ctinfo % IP_CT_IS_REPLY + 1).
    static final int XT_STATE_INVALID = 1;
    static final int XT_STATE_ESTABLISHED = 1 << 1;
    static final int XT_STATE_RELATED = 1 << 2;
    static final int XT_STATE_NEW = 1 << 3;
    static final int XT_STATE_SNAT = 1 << 8;
    static final int XT_STATE_DNAT = 1 << 9;
    static final int XT_STATE_UNTRACKED = 1 << 10;

    /** The xt_conntrack state bit of a packet state (without the SNAT/DNAT virtual states). */
    static int stateBit(int state) {
        return switch (state) {
            case STATE_NEW -> XT_STATE_NEW;
            case STATE_ESTABLISHED -> XT_STATE_ESTABLISHED;
            case STATE_RELATED -> XT_STATE_RELATED;
            case STATE_UNTRACKED -> XT_STATE_UNTRACKED;
            default -> XT_STATE_INVALID;
        };
    }
}
