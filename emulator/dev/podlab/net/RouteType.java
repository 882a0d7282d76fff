package dev.podlab.net;

/**
 * Route types ({@code RTN_*} in include/uapi/linux/rtnetlink.h) with the name iproute2 prints
 * ({@code rtnl_rtntype_n2a}) and the properties of net/ipv4/fib_semantics.c {@code fib_props[]}:
 * the least scope a route of this type may have and the error a lookup hitting it returns.
 */
public enum RouteType {
    UNICAST(1, "unicast", RouteScope.UNIVERSE, null),
    LOCAL(2, "local", RouteScope.HOST, null),
    BROADCAST(3, "broadcast", RouteScope.LINK, null),
    /** fib_props: -EINVAL; the packet is silently discarded. */
    BLACKHOLE(6, "blackhole", RouteScope.UNIVERSE, Errno.EINVAL),
    /** fib_props: -EHOSTUNREACH; the sender gets ICMP host unreachable. */
    UNREACHABLE(7, "unreachable", RouteScope.UNIVERSE, Errno.EHOSTUNREACH),
    /** fib_props: -EACCES; the sender gets ICMP communication administratively prohibited. */
    PROHIBIT(8, "prohibit", RouteScope.UNIVERSE, Errno.EACCES);

    /** The {@code rtm_type} number. */
    public final int rtmType;
    /** The keyword iproute2 prints and parses. */
    public final String keyword;
    /** {@code fib_props[type].scope}: a route of this type must not have a smaller scope. */
    final int minScope;
    /** {@code fib_props[type].error}, or null for types that forward or deliver. */
    public final Errno error;

    RouteType(int rtmType, String keyword, int minScope, Errno error) {
        this.rtmType = rtmType;
        this.keyword = keyword;
        this.minScope = minScope;
        this.error = error;
    }

    /** True for blackhole, unreachable and prohibit: no nexthop, the lookup fails with {@link #error}. */
    public boolean rejects() {
        return error != null;
    }

    static RouteType fromKeyword(String keyword) {
        for (RouteType t : values()) {
            if (t.keyword.equals(keyword)) {
                return t;
            }
        }
        return null;
    }
}
