package dev.podlab.netfilter;

import dev.podlab.packet.Icmp4;

/**
 * REJECT's {@code --reject-with} types ({@code enum ipt_reject_with},
 * include/uapi/linux/netfilter_ipv4/ipt_REJECT.h) with the reply {@code reject_tg}
 * (net/ipv4/netfilter/ipt_REJECT.c) sends: an ICMP destination-unreachable of the given code
 * ({@code nf_send_unreach}) or a TCP RST ({@code nf_send_reset}). The datapath builds the reply.
 */
public enum RejectWith {
    ICMP_NET_UNREACHABLE("icmp-net-unreachable", "net-unreach", Icmp4.NET_UNREACH),
    ICMP_HOST_UNREACHABLE("icmp-host-unreachable", "host-unreach", Icmp4.HOST_UNREACH),
    ICMP_PROTO_UNREACHABLE("icmp-proto-unreachable", "proto-unreach", Icmp4.PROT_UNREACH),
    ICMP_PORT_UNREACHABLE("icmp-port-unreachable", "port-unreach", Icmp4.PORT_UNREACH),
    ICMP_NET_PROHIBITED("icmp-net-prohibited", "net-prohib", Icmp4.NET_ANO),
    ICMP_HOST_PROHIBITED("icmp-host-prohibited", "host-prohib", Icmp4.HOST_ANO),
    TCP_RESET("tcp-reset", "tcp-rst", -1),
    ICMP_ADMIN_PROHIBITED("icmp-admin-prohibited", "admin-prohib", Icmp4.PKT_FILTERED);

    private final String option;
    private final String alias;
    private final int icmpCode;

    RejectWith(String option, String alias, int icmpCode) {
        this.option = option;
        this.alias = alias;
        this.icmpCode = icmpCode;
    }

    /** The name iptables-save prints after {@code --reject-with}. */
    public String option() {
        return option;
    }

    /** True for {@link #TCP_RESET}: the reply is a RST, not an ICMP error. */
    public boolean isTcpReset() {
        return this == TCP_RESET;
    }

    /** ICMP type of the reply: 3 (destination unreachable) for every ICMP variant, -1 for tcp-reset. */
    public int icmpType() {
        return icmpCode < 0 ? -1 : Icmp4.DEST_UNREACH;
    }

    /** ICMP code of the reply, -1 for tcp-reset. */
    public int icmpCode() {
        return icmpCode;
    }

    /** Parses a name or its short alias as libipt_REJECT accepts them; null if unknown. */
    static RejectWith parse(String text) {
        for (RejectWith r : values()) {
            if (r.option.equals(text) || r.alias.equals(text)) {
                return r;
            }
        }
        return null;
    }
}
