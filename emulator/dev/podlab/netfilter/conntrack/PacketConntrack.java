package dev.podlab.netfilter.conntrack;

/**
 * The conntrack reference a packet carries through the hooks ({@code skb->_nfct}): the entry and
 * the packet's {@code ctinfo}. One instance per packet in flight, reused ({@link #reset}) for the
 * next; {@link Conntrack#in} fills it, {@link Conntrack#confirm} and {@link Nat} read it, and the
 * rule engine reads {@link #stateBits()} for {@code -m conntrack --ctstate} / {@code -m state}.
 */
public final class PacketConntrack {
    // enum ip_conntrack_info (include/uapi/linux/netfilter/nf_conntrack_common.h)
    /** Part of an established connection, original direction (or either, once replied). */
    public static final int IP_CT_ESTABLISHED = 0;
    /** Related to an established connection (an ICMP error about it), original direction. */
    public static final int IP_CT_RELATED = 1;
    /** Starts a new connection or belongs to one not yet answered. */
    public static final int IP_CT_NEW = 2;
    /** Added to the others for the reply direction. */
    public static final int IP_CT_IS_REPLY = 3;
    public static final int IP_CT_ESTABLISHED_REPLY = IP_CT_ESTABLISHED + IP_CT_IS_REPLY;
    public static final int IP_CT_RELATED_REPLY = IP_CT_RELATED + IP_CT_IS_REPLY;
    /** The raw table said NOTRACK ({@code -j CT --notrack}). */
    public static final int IP_CT_UNTRACKED = 7;

    // XT_CONNTRACK_STATE_* bits (include/uapi/linux/netfilter/xt_conntrack.h, nf_conntrack_common.h)
    public static final int STATE_INVALID = 1;
    /** XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) */
    public static final int STATE_ESTABLISHED = 1 << 1;
    /** XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) */
    public static final int STATE_RELATED = 1 << 2;
    /** XT_CONNTRACK_STATE_BIT(IP_CT_NEW) */
    public static final int STATE_NEW = 1 << 3;
    public static final int STATE_UNTRACKED = 1 << 4;
    /** Virtual state: the entry's original source is translated. */
    public static final int STATE_SNAT = 1 << 5;
    /** Virtual state: the entry's original destination is translated. */
    public static final int STATE_DNAT = 1 << 6;

    ConntrackEntry entry;
    int ctinfo;
    boolean untracked;
    /**
     * The packet's {@code skb_csum_unnecessary()} for TCP and UDP (see
     * {@code Packet#csumUnnecessary()}): the trackers at PREROUTING verify the checksum only while
     * it is false, and set it once they did ({@code csum_valid}).
     */
    boolean csumUnnecessary;

    public boolean csumUnnecessary() {
        return csumUnnecessary;
    }

    public PacketConntrack csumUnnecessary(boolean unnecessary) {
        this.csumUnnecessary = unnecessary;
        return this;
    }

    /** Clears the reference: a fresh packet, not yet seen by conntrack. */
    public PacketConntrack reset() {
        entry = null;
        ctinfo = 0;
        untracked = false;
        return this;
    }

    /** What {@code -j CT --notrack} in the raw table does: conntrack will leave the packet alone. */
    public PacketConntrack setUntracked() {
        entry = null;
        ctinfo = IP_CT_UNTRACKED;
        untracked = true;
        return this;
    }

    /**
     * Re-attaches what an earlier hook left on the packet ({@code skb->_nfct} travels with the
     * skb): the entry and the packet's {@code IP_CT_*} state relative to it.
     */
    public PacketConntrack attach(ConntrackEntry ct, int ctinfo) {
        set(ct, ctinfo);
        return this;
    }

    void set(ConntrackEntry ct, int ctinfo) {
        this.entry = ct;
        this.ctinfo = ctinfo;
        this.untracked = false;
    }

    void clear() {
        entry = null;
        ctinfo = 0;
    }

    /** The attached entry, or null (INVALID or UNTRACKED). */
    public ConntrackEntry entry() {
        return entry;
    }

    /** The {@code IP_CT_*} value; meaningful when {@link #entry()} is not null. */
    public int ctinfo() {
        return ctinfo;
    }

    /** {@code CTINFO2DIR}: {@link ConntrackEntry#ORIGINAL} or {@link ConntrackEntry#REPLY}. */
    public int direction() {
        return ctinfo >= IP_CT_IS_REPLY ? ConntrackEntry.REPLY : ConntrackEntry.ORIGINAL;
    }

    public boolean isUntracked() {
        return untracked;
    }

    public boolean isInvalid() {
        return entry == null && !untracked;
    }

    /**
     * The state bits {@code -m conntrack --ctstate} tests ({@code conntrack_mt} in
     * net/netfilter/xt_conntrack.c): one of INVALID, ESTABLISHED, RELATED, NEW, UNTRACKED, plus
     * SNAT / DNAT when the entry's status says its original direction is translated.
     * {@code -m state} tests the same bits without SNAT/DNAT.
     */
    public int stateBits() {
        if (entry == null) {
            return untracked ? STATE_UNTRACKED : STATE_INVALID;
        }
        int bits = 1 << (ctinfo % IP_CT_IS_REPLY + 1);
        if ((entry.status & ConntrackEntry.IPS_SRC_NAT) != 0) {
            bits |= STATE_SNAT;
        }
        if ((entry.status & ConntrackEntry.IPS_DST_NAT) != 0) {
            bits |= STATE_DNAT;
        }
        return bits;
    }

    /** The ctstate name of the packet: NEW, ESTABLISHED, RELATED, INVALID or UNTRACKED. */
    public String stateName() {
        if (entry == null) {
            return untracked ? "UNTRACKED" : "INVALID";
        }
        return switch (ctinfo % IP_CT_IS_REPLY) {
            case IP_CT_ESTABLISHED -> "ESTABLISHED";
            case IP_CT_RELATED -> "RELATED";
            default -> "NEW";
        };
    }

    @Override
    public String toString() {
        return stateName() + (entry == null ? "" : " " + entry);
    }
}
