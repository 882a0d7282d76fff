package dev.podlab.net;

import java.util.HashMap;
import java.util.Map;

/**
 * The sysctls of one namespace that change what the datapath does, with the kernel's defaults for
 * a new network namespace. Per-device values ({@code net.ipv4.conf.DEV.*}) fall back to the
 * namespace-wide value when not set for the device.
 */
public final class Sysctls {
    /** {@code net.ipv4.ip_forward}: 0 in a new namespace; Kubernetes nodes set 1. */
    public boolean ipForward;
    /** {@code net.ipv4.conf.all.rp_filter}: 0 off, 1 strict, 2 loose (RFC 3704). */
    public int rpFilter;
    /**
     * {@code net.bridge.bridge-nf-call-iptables}: 1 once br_netfilter is loaded (kubeadm requires
     * it), making bridged IPv4 frames traverse the iptables hooks.
     */
    public boolean bridgeNfCallIptables = true;
    /** {@code net.ipv4.icmp_echo_ignore_all}. */
    public boolean icmpEchoIgnoreAll;
    /** {@code net.ipv4.ip_local_port_range}. */
    public int localPortLow = 32768;
    public int localPortHigh = 60999;
    /** {@code net.ipv4.ip_default_ttl}. */
    public int defaultTtl = 64;

    private final Map<String, Boolean> proxyArp = new HashMap<>();
    private final Map<String, Integer> devRpFilter = new HashMap<>();

    /** {@code net.ipv4.conf.DEV.proxy_arp}. */
    public boolean proxyArp(String dev) {
        return proxyArp.getOrDefault(dev, false);
    }

    public void proxyArp(String dev, boolean on) {
        proxyArp.put(dev, on);
    }

    /**
     * The effective rp_filter for a device: the kernel uses max(conf.all, conf.DEV)
     * ({@code IN_DEV_RPFILTER}).
     */
    public int rpFilter(String dev) {
        if (devRpFilter.isEmpty()) {
            return rpFilter; // the common case, checked per packet: no per-device setting
        }
        return Math.max(rpFilter, devRpFilter.getOrDefault(dev, 0));
    }

    public void rpFilter(String dev, int mode) {
        devRpFilter.put(dev, mode);
    }
}
