package dev.podlab.packet;

/**
 * Outer header fields for {@link Frames#vxlanEncap}: a mutable, reusable holder whose defaults are
 * those of a Linux VXLAN device created without options (see that method for the kernel facts):
 * TTL 64, TOS 0 (inner ECN copied), DF clear, destination port 8472 as flannel uses, UDP checksum
 * on.
 */
public final class VxlanSpec {
    long srcMac;
    long dstMac;
    int src;
    int dst;
    int id;
    int ttl = Ipv4.DEFAULT_TTL;
    int tos;
    boolean df;
    int srcPort;
    int dstPort = Vxlan.PORT_LINUX;
    int vni;
    boolean udpChecksum = true;
    int gpeNextProtocol = -1;

    public VxlanSpec macs(long srcMac, long dstMac) {
        this.srcMac = srcMac;
        this.dstMac = dstMac;
        return this;
    }

    public VxlanSpec addresses(int src, int dst) {
        this.src = src;
        this.dst = dst;
        return this;
    }

    /** Outer IP ID (hashed in Linux: {@link IpIdent#hashed}). */
    public VxlanSpec id(int id) {
        this.id = id;
        return this;
    }

    public VxlanSpec ttl(int ttl) {
        this.ttl = ttl;
        return this;
    }

    /** Device TOS: 0 (default), a fixed value, or {@link Frames#TOS_INHERIT}. */
    public VxlanSpec tos(int tos) {
        this.tos = tos;
        return this;
    }

    /** Outer DF ("df set"); default clear. */
    public VxlanSpec df(boolean df) {
        this.df = df;
        return this;
    }

    /** Outer UDP source port, normally {@link UdpTunnel#sourcePort} of the inner flow hash. */
    public VxlanSpec srcPort(int port) {
        this.srcPort = port;
        return this;
    }

    /** Outer UDP destination port: {@link Vxlan#PORT_LINUX} (default) or {@link Vxlan#PORT_IANA}. */
    public VxlanSpec dstPort(int port) {
        this.dstPort = port;
        return this;
    }

    public VxlanSpec vni(int vni) {
        this.vni = vni;
        return this;
    }

    /**
     * Writes a VXLAN-GPE header instead (a Linux device created with {@code gpe}): flags I|P and
     * this next protocol; -1 (default) for plain RFC 7348 VXLAN.
     */
    public VxlanSpec gpe(int nextProtocol) {
        this.gpeNextProtocol = nextProtocol;
        return this;
    }

    /** False models {@code noudpcsum} (IFLA_VXLAN_UDP_CSUM = 0): outer UDP checksum 0. */
    public VxlanSpec udpChecksum(boolean on) {
        this.udpChecksum = on;
        return this;
    }
}
