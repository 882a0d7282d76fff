package dev.podlab.netfilter.conntrack;

/** {@code enum nf_nat_manip_type}: which end of the original direction a binding rewrites. */
public enum NatType {
    /** NF_NAT_MANIP_SRC: SNAT and MASQUERADE, at POSTROUTING and INPUT. */
    SNAT,
    /** NF_NAT_MANIP_DST: DNAT and REDIRECT, at PREROUTING and OUTPUT. */
    DNAT
}
