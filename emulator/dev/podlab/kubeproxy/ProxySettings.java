package dev.podlab.kubeproxy;

import java.util.List;
import java.util.Objects;

/**
 * The kube-proxy configuration and node facts that change the rules it writes
 * ({@code KubeProxyConfiguration} and what {@code NewProxier} probes on the node).
 *
 * @param nodeName {@code --hostname-override}; endpoints with this {@code nodeName} are local
 * @param clusterCidr {@code --cluster-cidr} with {@code --detect-local-mode=ClusterCIDR}; null
 *     means no local-traffic detector (no "{@code ! -s <cidr>}" masquerade rule, no pod
 *     short-circuit in {@code KUBE-EXT-*})
 * @param masqueradeAll {@code --masquerade-all}
 * @param masqueradeBit {@code --iptables-masquerade-bit} (default 14: mark 0x4000)
 * @param localhostNodePorts {@code --iptables-localhost-nodeports} (default true)
 * @param nodeIps the node's own IPv4 addresses in interface order; used only when
 *     {@code nodePortAddresses} is set ({@code NodePortAddresses.GetNodeIPs})
 * @param nodePortAddresses {@code --nodeport-addresses}; empty means every local address
 *     ({@code -m addrtype --dst-type LOCAL})
 * @param randomFully whether the node's iptables accepts {@code MASQUERADE --random-fully}
 *     ({@code HasRandomFully()}: iptables ≥ 1.6.2)
 * @param nfacct whether the {@code nfacct} counters could be created (kernel
 *     {@code nfnetlink_acct}); when true kube-proxy adds {@code -m nfacct} to the INVALID drop
 *     and writes the localhost NodePort rules
 * @param conntrackTcpBeLiberal {@code net.netfilter.nf_conntrack_tcp_be_liberal} is non-zero
 *     (then no INVALID drop rule)
 */
public record ProxySettings(
        String nodeName,
        Cidr clusterCidr,
        boolean masqueradeAll,
        int masqueradeBit,
        boolean localhostNodePorts,
        List<Integer> nodeIps,
        List<Cidr> nodePortAddresses,
        boolean randomFully,
        boolean nfacct,
        boolean conntrackTcpBeLiberal) {

    /** {@code --iptables-masquerade-bit} default. */
    public static final int DEFAULT_MASQUERADE_BIT = 14;

    public ProxySettings {
        Objects.requireNonNull(nodeName, "nodeName");
        nodeIps = List.copyOf(nodeIps);
        nodePortAddresses = List.copyOf(nodePortAddresses);
        if (masqueradeBit < 0 || masqueradeBit > 31) {
            throw new IllegalArgumentException("masquerade bit " + masqueradeBit + " not in 0..31");
        }
    }

    /**
     * kube-proxy defaults on a current node: ClusterCIDR local detection, bit 14,
     * localhost NodePorts on, all local addresses for NodePorts, {@code --random-fully}
     * available, no nfacct counters (the form the reference shows), conntrack not liberal.
     *
     * @param clusterCidr e.g. "10.244.0.0/16", or null for no local detection
     */
    public static ProxySettings defaults(String nodeName, String clusterCidr) {
        return new ProxySettings(nodeName, clusterCidr == null ? null : Cidr.parse(clusterCidr), false,
                DEFAULT_MASQUERADE_BIT, true, List.of(), List.of(), true, false, false);
    }

    public ProxySettings withMasqueradeAll(boolean value) {
        return new ProxySettings(nodeName, clusterCidr, value, masqueradeBit, localhostNodePorts, nodeIps,
                nodePortAddresses, randomFully, nfacct, conntrackTcpBeLiberal);
    }

    public ProxySettings withLocalhostNodePorts(boolean value) {
        return new ProxySettings(nodeName, clusterCidr, masqueradeAll, masqueradeBit, value, nodeIps,
                nodePortAddresses, randomFully, nfacct, conntrackTcpBeLiberal);
    }

    public ProxySettings withNodePortAddresses(List<Integer> nodeIps, List<Cidr> nodePortAddresses) {
        return new ProxySettings(nodeName, clusterCidr, masqueradeAll, masqueradeBit, localhostNodePorts, nodeIps,
                nodePortAddresses, randomFully, nfacct, conntrackTcpBeLiberal);
    }

    public ProxySettings withRandomFully(boolean value) {
        return new ProxySettings(nodeName, clusterCidr, masqueradeAll, masqueradeBit, localhostNodePorts, nodeIps,
                nodePortAddresses, value, nfacct, conntrackTcpBeLiberal);
    }

    public ProxySettings withNfacct(boolean value) {
        return new ProxySettings(nodeName, clusterCidr, masqueradeAll, masqueradeBit, localhostNodePorts, nodeIps,
                nodePortAddresses, randomFully, value, conntrackTcpBeLiberal);
    }

    public ProxySettings withConntrackTcpBeLiberal(boolean value) {
        return new ProxySettings(nodeName, clusterCidr, masqueradeAll, masqueradeBit, localhostNodePorts, nodeIps,
                nodePortAddresses, randomFully, nfacct, value);
    }

    /**
     * The mark as {@code NewProxier} formats it: {@code fmt.Sprintf("%#08x", 1<<bit)}, which in Go
     * pads the digits (not the prefix) to 8: {@code 0x00004000}. iptables-save prints it back as
     * {@code 0x4000}.
     */
    public String masqueradeMark() {
        return String.format("0x%08x", 1L << masqueradeBit);
    }

    /** {@code NodePortAddresses.MatchAll()}: no addresses given, or one of them is 0.0.0.0/0. */
    boolean nodePortsMatchAll() {
        return nodePortAddresses.isEmpty() || nodePortAddresses.stream().anyMatch(c -> c.prefixLength() == 0);
    }

    /**
     * Whether localhost NodePorts are in effect: {@code NewProxier} turns the flag off when
     * {@code nodePortAddresses} does not contain 127.0.0.1 ({@code ContainsIPv4Loopback}).
     */
    boolean effectiveLocalhostNodePorts() {
        return localhostNodePorts
                && (nodePortsMatchAll() || nodePortAddresses.stream().anyMatch(c -> c.contains(LOOPBACK)));
    }

    static final int LOOPBACK = 0x7f000001;
}
