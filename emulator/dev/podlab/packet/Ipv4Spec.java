package dev.podlab.packet;

/**
 * The Ethernet and IPv4 header fields of a frame to build with {@link Frames}: a mutable,
 * reusable holder (one per sender, refilled per packet, so building allocates nothing but the
 * buffer). Defaults are what a Linux host's TCP socket sends: TTL 64, TOS 0, DF set.
 *
 * <p>The IP ID is not chosen here: take it from {@link IpIdent} (hashed, or 0) or from a
 * connected socket's {@link IpIdent.SocketCounter}, following the rules documented there.
 */
public final class Ipv4Spec {
    long srcMac;
    long dstMac;
    int src;
    int dst;
    int tos;
    int ttl = Ipv4.DEFAULT_TTL;
    int id;
    boolean df = true;

    /** Restores the defaults (TTL 64, TOS 0, DF, ID 0, zero addresses). */
    public Ipv4Spec reset() {
        srcMac = 0;
        dstMac = 0;
        src = 0;
        dst = 0;
        tos = 0;
        ttl = Ipv4.DEFAULT_TTL;
        id = 0;
        df = true;
        return this;
    }

    public Ipv4Spec macs(long srcMac, long dstMac) {
        this.srcMac = srcMac;
        this.dstMac = dstMac;
        return this;
    }

    public Ipv4Spec addresses(int src, int dst) {
        this.src = src;
        this.dst = dst;
        return this;
    }

    public Ipv4Spec tos(int tos) {
        this.tos = tos;
        return this;
    }

    public Ipv4Spec ttl(int ttl) {
        this.ttl = ttl;
        return this;
    }

    public Ipv4Spec id(int id) {
        this.id = id;
        return this;
    }

    public Ipv4Spec df(boolean df) {
        this.df = df;
        return this;
    }

    public long srcMac() {
        return srcMac;
    }

    public long dstMac() {
        return dstMac;
    }

    public int src() {
        return src;
    }

    public int dst() {
        return dst;
    }

    public int tos() {
        return tos;
    }

    public int ttl() {
        return ttl;
    }

    public int id() {
        return id;
    }

    public boolean df() {
        return df;
    }
}
