package dev.podlab.netfilter;

/**
 * Route types ({@code enum rtn_type}, include/uapi/linux/rtnetlink.h) as {@code -m addrtype}
 * names them; the match's masks use bit {@code 1 << ordinal()} like the kernel's
 * {@code XT_ADDRTYPE_*}.
 */
public enum AddressType {
    UNSPEC,
    UNICAST,
    LOCAL,
    BROADCAST,
    ANYCAST,
    MULTICAST,
    BLACKHOLE,
    UNREACHABLE,
    PROHIBIT,
    THROW,
    NAT,
    XRESOLVE;

    private static final AddressType[] VALUES = values();

    public int bit() {
        return 1 << ordinal();
    }

    static AddressType byName(String name) {
        for (AddressType t : VALUES) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    static AddressType[] all() {
        return VALUES;
    }
}
