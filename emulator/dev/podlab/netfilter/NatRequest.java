package dev.podlab.netfilter;

import dev.podlab.netfilter.conntrack.NatRange;

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

    // NF_NAT_RANGE_* flags: the same values the NAT module's range uses.
    public static final int MAP_IPS = NatRange.MAP_IPS;
    public static final int PROTO_SPECIFIED = NatRange.PROTO_SPECIFIED;
    public static final int PROTO_RANDOM = NatRange.PROTO_RANDOM;
    public static final int PERSISTENT = NatRange.PERSISTENT;
    public static final int PROTO_RANDOM_FULLY = NatRange.PROTO_RANDOM_FULLY;

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

    /** The range the NAT module binds the connection into ({@code struct nf_nat_range2}). */
    public NatRange range() {
        return new NatRange(flags, minAddress, maxAddress, minPort, maxPort, 0);
    }

    @Override
    public String toString() {
        if (type == Type.NONE) {
            return "NONE";
        }
        String range = range().toString();
        return range.isEmpty() ? type.name() : type.name() + " " + range.strip();
    }
}
