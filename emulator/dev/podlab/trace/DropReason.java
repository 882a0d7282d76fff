package dev.podlab.trace;

import dev.podlab.sim.LinkDropReason;

/**
 * Why a packet was dropped. Every constant but those marked as podlab's own carries the name of
 * the kernel's {@code enum skb_drop_reason} value ({@code include/net/dropreason-core.h}) without
 * the {@code SKB_DROP_REASON_} prefix, so a trace reads like {@code perf}/{@code dropwatch} output
 * from a real node. Only the reasons the emulated paths can produce are listed; add more from the
 * kernel's list as paths grow, keeping the kernel's spelling.
 */
public enum DropReason {
    /** Drop reason is not specified. */
    NOT_SPECIFIED("no reason given"),
    /** No socket found for the packet. */
    NO_SOCKET("no socket"),
    /** Packet shorter than its headers claim. */
    PKT_TOO_SMALL("packet too small"),
    /** TCP checksum error. */
    TCP_CSUM("bad TCP checksum"),
    /** UDP checksum error. */
    UDP_CSUM("bad UDP checksum"),
    /** Dropped by netfilter (a DROP or REJECT rule, a policy, an INVALID conntrack state). */
    NETFILTER_DROP("dropped by netfilter"),
    /** The frame is addressed to another host (seen in promiscuous mode). */
    OTHERHOST("addressed to another host"),
    /** IPv4 header checksum error. */
    IP_CSUM("bad IP checksum"),
    /** Something wrong with the IP header, TTL expiry included (IPSTATS_MIB_INHDRERRORS). */
    IP_INHDR("bad IP header"),
    /** Reverse-path filter check failed. */
    IP_RPFILTER("reverse path filter"),
    /** L2 destination is multicast but L3 destination is unicast. */
    UNICAST_IN_L2_MULTICAST("unicast IP in L2 multicast"),
    /** No handler for the IP protocol. */
    IP_NOPROTO("unknown IP protocol"),
    /** Socket receive buffer full. */
    SOCKET_RCVBUFF("socket receive buffer full"),
    /** Invalid TCP flags. */
    TCP_FLAGS("bad TCP flags"),
    /** TCP segment outside the acceptable sequence window. */
    TCP_INVALID_SEQUENCE("TCP sequence not acceptable"),
    /** Invalid TCP RST. */
    TCP_RESET("invalid TCP RST"),
    /** Unexpected TCP SYN. */
    TCP_INVALID_SYN("unexpected TCP SYN"),
    /** TCP socket in CLOSE state. */
    TCP_CLOSE("TCP socket closed"),
    /** Output route lookup failed. */
    IP_OUTNOROUTES("no route (output)"),
    /** Failed to create a neighbour entry. */
    NEIGH_CREATEFAIL("neighbour create failed"),
    /** Neighbour entry in FAILED state (ARP unanswered). */
    NEIGH_FAILED("neighbour failed"),
    /** The neighbour's queue of packets awaiting resolution is full. */
    NEIGH_QUEUEFULL("neighbour queue full"),
    /** Neighbour entry is dead. */
    NEIGH_DEAD("neighbour dead"),
    /** Dropped at the TC egress hook. */
    TC_EGRESS("tc egress"),
    /** Dropped by a qdisc: its queue was full. */
    QDISC_DROP("qdisc drop"),
    /** Per-CPU backlog queue full. */
    CPU_BACKLOG("cpu backlog full"),
    /** Dropped at the TC ingress hook. */
    TC_INGRESS("tc ingress"),
    /** Protocol not implemented or not supported. */
    UNHANDLED_PROTO("unhandled protocol"),
    /** Device-specific header invalid. */
    DEV_HDR("bad device header"),
    /** The device cannot transmit or receive (down, or nothing attached). */
    DEV_READY("device not ready"),
    /** Header could not be pulled (truncated). */
    HDR_TRUNC("header truncated"),
    /** ICMP checksum error. */
    ICMP_CSUM("bad ICMP checksum"),
    /** Packet violates the protocol (e.g. ICMP timestamp to broadcast). */
    INVALID_PROTO("invalid protocol use"),
    /** Destination host unreachable (IPSTATS_MIB_INADDRERRORS). */
    IP_INADDRERRORS("bad destination address"),
    /** Input route lookup failed: network unreachable. */
    IP_INNOROUTES("no route (input)"),
    /** Source address is local. */
    IP_LOCAL_SOURCE("local source address"),
    /** Source address is invalid (multicast, broadcast, zero). */
    IP_INVALID_SOURCE("invalid source address"),
    /** Source or destination is a loopback/local-net address where not allowed. */
    IP_LOCALNET("local-net address"),
    /** Destination address is invalid (zero). */
    IP_INVALID_DEST("invalid destination address"),
    /** Packet larger than the MTU. */
    PKT_TOO_BIG("packet too big"),
    /** Duplicate IP fragment. */
    DUP_FRAG("duplicate fragment"),
    /** Fragment reassembly timed out. */
    FRAG_REASM_TIMEOUT("reassembly timeout"),
    /** Invalid VXLAN header. */
    VXLAN_INVALID_HDR("bad VXLAN header"),
    /** No VXLAN device for the VNI. */
    VXLAN_VNI_NOT_FOUND("VXLAN VNI not found"),
    /** Invalid source MAC address. */
    MAC_INVALID_SOURCE("invalid source MAC"),
    /** No target to transmit to (e.g. no VXLAN FDB entry). */
    NO_TX_TARGET("no transmit target"),
    /** Packet matched a blackhole route. */
    BLACKHOLE("blackhole route"),
    /** podlab's own: lost on the wire by a link's loss model (no kernel equivalent). */
    LINK_LOSS("lost on the link", false);

    private final String description;
    private final boolean kernel;

    DropReason(String description) {
        this(description, true);
    }

    DropReason(String description, boolean kernel) {
        this.description = description;
        this.kernel = kernel;
    }

    /** A short human description. */
    public String description() {
        return description;
    }

    /** Whether the kernel has this reason (false for podlab's own). */
    public boolean isKernelReason() {
        return kernel;
    }

    /** The kernel's full name, e.g. {@code SKB_DROP_REASON_QDISC_DROP}, or {@code null} for podlab's own. */
    public String kernelName() {
        return kernel ? "SKB_DROP_REASON_" + name() : null;
    }

    /** The trace reason of a link drop. */
    public static DropReason of(LinkDropReason reason) {
        return switch (reason) {
            case PKT_TOO_BIG -> PKT_TOO_BIG;
            case QDISC_DROP -> QDISC_DROP;
            case LINK_LOSS -> LINK_LOSS;
            case DEV_READY -> DEV_READY;
        };
    }
}
