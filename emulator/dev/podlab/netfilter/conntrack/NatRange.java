package dev.podlab.netfilter.conntrack;

import dev.podlab.packet.Ipv4Address;

/**
 * A NAT request's target ({@code struct nf_nat_range2}, include/uapi/linux/netfilter/
 * nf_nat.h): an address range, a port (or ICMP id) range and flags, as the DNAT, SNAT and
 * MASQUERADE targets build it from {@code --to-destination}, {@code --to-source},
 * {@code --to-ports}, {@code --random}, {@code --random-fully}, {@code --persistent}. Immutable.
 */
public final class NatRange {
    /** NF_NAT_RANGE_MAP_IPS: the address is rewritten into [minAddr, maxAddr]. */
    public static final int MAP_IPS = 1;
    /** NF_NAT_RANGE_PROTO_SPECIFIED: the port is rewritten into [minProto, maxProto]. */
    public static final int PROTO_SPECIFIED = 1 << 1;
    /** NF_NAT_RANGE_PROTO_RANDOM ({@code --random}). */
    public static final int PROTO_RANDOM = 1 << 2;
    /** NF_NAT_RANGE_PERSISTENT ({@code --persistent}): same address for a client whatever the destination. */
    public static final int PERSISTENT = 1 << 3;
    /** NF_NAT_RANGE_PROTO_RANDOM_FULLY ({@code --random-fully}). */
    public static final int PROTO_RANDOM_FULLY = 1 << 4;
    /** NF_NAT_RANGE_PROTO_OFFSET: map ports by offset from {@link #baseProto}. */
    public static final int PROTO_OFFSET = 1 << 5;
    /** NF_NAT_RANGE_PROTO_RANDOM_ALL */
    public static final int PROTO_RANDOM_ALL = PROTO_RANDOM | PROTO_RANDOM_FULLY;

    final int flags;
    final int minAddr;
    final int maxAddr;
    final int minProto;
    final int maxProto;
    final int baseProto;

    public NatRange(int flags, int minAddr, int maxAddr, int minProto, int maxProto, int baseProto) {
        this.flags = flags;
        this.minAddr = minAddr;
        this.maxAddr = maxAddr;
        this.minProto = minProto & 0xffff;
        this.maxProto = maxProto & 0xffff;
        this.baseProto = baseProto & 0xffff;
    }

    /** {@code --to-destination/--to-source a}: one address, port kept when possible. */
    public static NatRange address(int addr) {
        return new NatRange(MAP_IPS, addr, addr, 0, 0, 0);
    }

    /** {@code --to-destination a:port} (kube-proxy's DNAT to an endpoint). */
    public static NatRange addressPort(int addr, int port) {
        return new NatRange(MAP_IPS | PROTO_SPECIFIED, addr, addr, port, port, 0);
    }

    /** {@code --to-source min-max}. */
    public static NatRange addresses(int minAddr, int maxAddr) {
        return new NatRange(MAP_IPS, minAddr, maxAddr, 0, 0, 0);
    }

    /** MASQUERADE without options: the address comes from the out interface, nothing else set. */
    public static NatRange masquerade() {
        return new NatRange(0, 0, 0, 0, 0, 0);
    }

    /** This range with ports (or ICMP ids) restricted to [min, max] ({@code :min-max}, {@code --to-ports}). */
    public NatRange ports(int min, int max) {
        return new NatRange(flags | PROTO_SPECIFIED, minAddr, maxAddr, min, max, baseProto);
    }

    /** This range with more flags ({@link #PROTO_RANDOM_FULLY}, {@link #PERSISTENT}, ...). */
    public NatRange withFlags(int more) {
        return new NatRange(flags | more, minAddr, maxAddr, minProto, maxProto, baseProto);
    }

    public int flags() {
        return flags;
    }

    public int minAddr() {
        return minAddr;
    }

    public int maxAddr() {
        return maxAddr;
    }

    public int minProto() {
        return minProto;
    }

    public int maxProto() {
        return maxProto;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if ((flags & MAP_IPS) != 0) {
            Ipv4Address.appendTo(sb, minAddr);
            if (minAddr != maxAddr) {
                Ipv4Address.appendTo(sb.append('-'), maxAddr);
            }
        }
        if ((flags & PROTO_SPECIFIED) != 0) {
            sb.append(':').append(minProto);
            if (minProto != maxProto) {
                sb.append('-').append(maxProto);
            }
        }
        if ((flags & PROTO_RANDOM) != 0) {
            sb.append(" random");
        }
        if ((flags & PROTO_RANDOM_FULLY) != 0) {
            sb.append(" random-fully");
        }
        if ((flags & PERSISTENT) != 0) {
            sb.append(" persistent");
        }
        return sb.toString();
    }
}
