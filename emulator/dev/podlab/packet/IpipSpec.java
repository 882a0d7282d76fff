package dev.podlab.packet;

/**
 * Outer header fields for {@link Frames#ipipEncap}: a mutable, reusable holder. Defaults are those
 * of Calico's {@code tunl0} (the ipip module's fallback device: TTL 0 = inherit, TOS 0, no fixed
 * DF); set {@link #pmtudisc(boolean)} for an {@code ip link add type ipip} device, where
 * {@code ipip_netlink_parms} sets DF unless {@code nopmtudisc} is given.
 */
public final class IpipSpec {
    long srcMac;
    long dstMac;
    int src;
    int dst;
    int id;
    int ttl;
    int tos;
    boolean pmtudisc;

    public IpipSpec macs(long srcMac, long dstMac) {
        this.srcMac = srcMac;
        this.dstMac = dstMac;
        return this;
    }

    public IpipSpec addresses(int src, int dst) {
        this.src = src;
        this.dst = dst;
        return this;
    }

    /** Outer IP ID (hashed in Linux: {@link IpIdent#hashed}). */
    public IpipSpec id(int id) {
        this.id = id;
        return this;
    }

    /** Tunnel TTL; 0 (default) copies the inner TTL. */
    public IpipSpec ttl(int ttl) {
        this.ttl = ttl;
        return this;
    }

    /** Tunnel TOS: 0 (default), a fixed value, or {@link Frames#TOS_INHERIT}. */
    public IpipSpec tos(int tos) {
        this.tos = tos;
        return this;
    }

    /** True: outer DF always set (pmtudisc); false: outer DF only when the inner packet has it. */
    public IpipSpec pmtudisc(boolean on) {
        this.pmtudisc = on;
        return this;
    }
}
