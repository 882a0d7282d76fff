package dev.podlab.netfilter.conntrack;

/**
 * The IPv4 netfilter hooks ({@code enum nf_inet_hooks}), by their iptables chain names. Conntrack
 * runs {@link Conntrack#in} at PREROUTING and OUTPUT (priority -200) and {@link Conntrack#confirm}
 * at INPUT and POSTROUTING (last); NAT rewrites destinations at PREROUTING/OUTPUT and sources at
 * INPUT/POSTROUTING ({@link #natType}).
 */
public enum Hook {
    /** NF_INET_PRE_ROUTING */
    PREROUTING,
    /** NF_INET_LOCAL_IN */
    INPUT,
    /** NF_INET_FORWARD */
    FORWARD,
    /** NF_INET_LOCAL_OUT */
    OUTPUT,
    /** NF_INET_POST_ROUTING */
    POSTROUTING;

    /**
     * {@code HOOK2MANIP}: the NAT manipulation done at this hook, source at POSTROUTING and INPUT,
     * destination elsewhere.
     */
    public NatType natType() {
        return this == POSTROUTING || this == INPUT ? NatType.SNAT : NatType.DNAT;
    }
}
