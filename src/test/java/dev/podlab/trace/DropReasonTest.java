package dev.podlab.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.sim.LinkDropReason;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DropReasonTest {
    /**
     * Names from enum skb_drop_reason in the kernel's include/net/dropreason-core.h (net-next,
     * 2025), transcribed independently of {@link DropReason}.
     */
    private static final Set<String> KERNEL = Set.of(
            "NOT_SPECIFIED", "NO_SOCKET", "SOCKET_CLOSE", "SOCKET_FILTER", "SOCKET_RCVBUFF", "PKT_TOO_SMALL",
            "TCP_CSUM", "UDP_CSUM", "NETFILTER_DROP", "OTHERHOST", "IP_CSUM", "IP_INHDR", "IP_RPFILTER",
            "UNICAST_IN_L2_MULTICAST", "XFRM_POLICY", "IP_NOPROTO", "PROTO_MEM", "TCP_FLAGS",
            "TCP_ZEROWINDOW", "TCP_OLD_DATA", "TCP_OVERWINDOW", "TCP_INVALID_SEQUENCE", "TCP_RESET",
            "TCP_INVALID_SYN", "TCP_CLOSE", "IP_OUTNOROUTES", "NEIGH_CREATEFAIL", "NEIGH_FAILED",
            "NEIGH_QUEUEFULL", "NEIGH_DEAD", "TC_EGRESS", "QDISC_DROP", "CPU_BACKLOG", "XDP", "TC_INGRESS",
            "UNHANDLED_PROTO", "DEV_HDR", "DEV_READY", "FULL_RING", "NOMEM", "HDR_TRUNC", "ICMP_CSUM",
            "INVALID_PROTO", "IP_INADDRERRORS", "IP_INNOROUTES", "IP_LOCAL_SOURCE", "IP_INVALID_SOURCE",
            "IP_LOCALNET", "IP_INVALID_DEST", "PKT_TOO_BIG", "DUP_FRAG", "FRAG_REASM_TIMEOUT",
            "FRAG_TOO_FAR", "VXLAN_INVALID_HDR", "VXLAN_VNI_NOT_FOUND", "MAC_INVALID_SOURCE",
            "VXLAN_ENTRY_EXISTS", "NO_TX_TARGET", "IP_TUNNEL_ECN", "TUNNEL_TXINFO", "LOCAL_MAC", "BLACKHOLE");

    @Test
    void everyKernelReasonIsSpelledAsInTheKernel() {
        for (DropReason r : DropReason.values()) {
            if (r.isKernelReason()) {
                assertThat(KERNEL).as("%s is not a kernel drop reason name", r).contains(r.name());
                assertThat(r.kernelName()).isEqualTo("SKB_DROP_REASON_" + r.name());
            } else {
                assertThat(KERNEL).as("%s is marked podlab-only but the kernel has it", r).doesNotContain(r.name());
                assertThat(r.kernelName()).isNull();
            }
        }
    }

    @Test
    void everyLinkDropMapsToTheSameNamedTraceReason() {
        for (LinkDropReason r : LinkDropReason.values()) {
            assertThat(DropReason.of(r).name()).isEqualTo(r.name());
        }
    }
}
