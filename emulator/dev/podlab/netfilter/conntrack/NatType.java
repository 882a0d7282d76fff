package dev.podlab.netfilter.conntrack;

import dev.podlab.net.Hook;

/** {@code enum nf_nat_manip_type}: which end of the original direction a binding rewrites. */
public enum NatType {
    /** NF_NAT_MANIP_SRC: SNAT and MASQUERADE, at POSTROUTING and INPUT. */
    SNAT,
    /** NF_NAT_MANIP_DST: DNAT and REDIRECT, at PREROUTING and OUTPUT. */
    DNAT;

    /**
     * {@code HOOK2MANIP}: the NAT manipulation done at a hook, source at POSTROUTING and INPUT,
     * destination elsewhere.
     */
    public static NatType forHook(Hook hook) {
        return hook == Hook.POSTROUTING || hook == Hook.INPUT ? SNAT : DNAT;
    }
}
