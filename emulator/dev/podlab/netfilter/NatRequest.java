package dev.podlab.netfilter;

import dev.podlab.packet.Ipv4Address;

/**
 * What a NAT target asked for ({@code struct nf_nat_range2}): the conntrack/NAT module turns it
 * into a binding. Mutable and reused by its {@link PacketContext}; {@link #type()} is
 * {@link Type#NONE} when no NAT target fired.
 */
public final class NatRequest {
    public enum Type {
        NONE,
        /** {@code -j DNAT}: rewrite the destination (nat PREROUTING/OUTPUT). */
        DNAT,
        /** {@code -j SNAT}: rewrite the source (nat POSTROUTING/INPUT). */
        SNAT,
        /** {@code -j MASQUERADE}: SNAT to the primary address of the outgoing interface. */
        MASQUERADE
    }

    /** NF_NAT_RANGE_MAP_IPS */
    public static final int MAP_IPS = 1;
    /** NF_NAT_RANGE_PROTO_SPECIFIED */
    public static final int PROTO_SPECIFIED = 1 << 1;
    /** NF_NAT_RANGE_PROTO_RANDOM ({@code --random}) */
    public static final int PROTO_RANDOM = 1 << 2;
    /** NF_NAT_RANGE_PERSISTENT ({@code --persistent}) */
    public static final int PERSISTENT = 1 << 3;
    /** NF_NAT_RANGE_PROTO_RANDOM_FULLY ({@code --random-fully}) */
    public static final int PROTO_RANDOM_FULLY = 1 << 4;

    private Type type = Type.NONE;
    private int flags;
    private int minAddress;
    private int maxAddress;
    private int minPort;
    private int maxPort;

    void set(Type type, int flags, int minAddress, int maxAddress, int minPort, int maxPort) {
        this.type = type;
        this.flags = flags;
        this.minAddress = minAddress;
        this.maxAddress = maxAddress;
        this.minPort = minPort;
        this.maxPort = maxPort;
    }

    void clear() {
        set(Type.NONE, 0, 0, 0, 0, 0);
    }

    public Type type() {
        return type;
    }

    /** NF_NAT_RANGE_* flags. */
    public int flags() {
        return flags;
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    /** First address of the range (valid with {@link #MAP_IPS}). */
    public int minAddress() {
        return minAddress;
    }

    public int maxAddress() {
        return maxAddress;
    }

    /** First port of the range (valid with {@link #PROTO_SPECIFIED}). */
    public int minPort() {
        return minPort;
    }

    public int maxPort() {
        return maxPort;
    }

    @Override
    public String toString() {
        if (type == Type.NONE) {
            return "NONE";
        }
        StringBuilder sb = new StringBuilder(type.name());
        if ((flags & MAP_IPS) != 0) {
            sb.append(' ');
            Ipv4Address.appendTo(sb, minAddress);
            if (maxAddress != minAddress) {
                Ipv4Address.appendTo(sb.append('-'), maxAddress);
            }
        }
        if ((flags & PROTO_SPECIFIED) != 0) {
            sb.append(':').append(minPort);
            if (maxPort != minPort) {
                sb.append('-').append(maxPort);
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
