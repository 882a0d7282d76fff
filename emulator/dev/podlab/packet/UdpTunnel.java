package dev.podlab.packet;

/**
 * Outer UDP source-port selection for UDP tunnels (VXLAN), as Linux's {@code udp_flow_src_port}
 * (include/net/udp.h) does it: a flow hash of the inner packet spread over a port range, so that
 * ECMP and RSS in the underlay see per-flow entropy while one inner flow keeps one outer port.
 *
 * <p>The kernel uses {@code skb_get_hash} (the flow dissector's hash of the inner addresses,
 * ports and protocol with a boot-time random key). Here {@link #flowHash} is a pure function of
 * the inner 5-tuple and a seed; {@link #sourcePort} is the kernel's range mapping, bit for bit.
 */
public final class UdpTunnel {
    private UdpTunnel() {}

    /** Default {@code net.ipv4.ip_local_port_range} low end. */
    public static final int EPHEMERAL_LOW = 32768;
    /** Default {@code net.ipv4.ip_local_port_range} high end. */
    public static final int EPHEMERAL_HIGH = 60999;

    /**
     * Maps a flow hash into [{@code min}, {@code max}): {@code hash ^= hash << 16}, then
     * {@code ((u64) hash * (max - min)) >> 32) + min}. When {@code min >= max} the default
     * ephemeral range is used, as the VXLAN driver does when no port range is configured.
     */
    public static int sourcePort(int hash, int min, int max) {
        if (min >= max) {
            min = EPHEMERAL_LOW;
            max = EPHEMERAL_HIGH;
        }
        long h = (hash ^ (hash << 16)) & 0xffffffffL;
        return (int) ((h * (max - min)) >>> 32) + min;
    }

    /**
     * A deterministic stand-in for {@code skb_get_hash}: a hash of the inner flow's addresses,
     * protocol and ports (ports 0 for port-less protocols) keyed by {@code seed}. Like the
     * kernel's ({@code __flow_hash_consistentify} orders the endpoints before hashing: the lower
     * address first, on equal addresses the lower port first), it is symmetric, so both
     * directions of a connection get the same outer source port. Never returns 0 (the kernel
     * treats 0 as "no hash").
     */
    public static int flowHash(int src, int dst, int protocol, int srcPort, int dstPort, int seed) {
        int cmp = Integer.compareUnsigned(dst, src);
        if (cmp < 0 || (cmp == 0 && (dstPort & 0xffff) < (srcPort & 0xffff))) {
            int a = src;
            src = dst;
            dst = a;
            int p = srcPort;
            srcPort = dstPort;
            dstPort = p;
        }
        int h = seed ^ 0x9e3779b9;
        h = round(h, src);
        h = round(h, dst);
        h = round(h, protocol);
        h = round(h, srcPort << 16 | dstPort & 0xffff);
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h == 0 ? 1 : h;
    }

    private static int round(int h, int k) {
        k *= 0xcc9e2d51;
        k = Integer.rotateLeft(k, 15);
        k *= 0x1b873593;
        h ^= k;
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }
}
