package dev.podlab.net;

import dev.podlab.packet.Ipv4Address;

import java.util.Objects;

/**
 * One IPv4 route: the kernel's {@code fib_alias} (prefix, type, table) joined with its {@code
 * fib_info} (protocol, scope, preferred source, priority) and single nexthop {@code fib_nh}
 * (gateway, device, onlink). Immutable.
 *
 * <p>A route built with {@link Builder#build()} is a request; {@link RoutingTable#add} returns the
 * stored route, whose {@link #dev()} is resolved (a gateway route given without {@code dev} gets
 * the device of the route to its gateway, as {@code fib_check_nh} does). A route built with {@link
 * Builder#buildSelector()} is a deletion selector: unset fields match anything, as in
 * {@code fib_table_delete}.
 */
public final class Route {
    private final int table;
    private final RouteType type;
    private final int dst;
    private final int prefixLen;
    private final int gateway;
    private final DeviceRef dev;
    private final boolean onlink;
    private final int prefSrc;
    private final int scope;
    private final int protocol;
    private final long metric;
    /** {@code fib_nh.nh_scope}: scope of the route that made the gateway reachable (set when stored). */
    final int nhScope;

    private Route(Builder b, DeviceRef dev, int nhScope) {
        this.table = b.table;
        this.type = b.type;
        this.dst = b.dst;
        this.prefixLen = b.prefixLen;
        this.gateway = b.gateway;
        this.dev = dev;
        this.onlink = b.onlink;
        this.prefSrc = b.prefSrc;
        this.scope = b.scope;
        this.protocol = b.protocol;
        this.metric = b.metric;
        this.nhScope = nhScope;
    }

    /** The stored form of {@code request}, with the nexthop device and scope fib_check_nh resolved. */
    static Route resolved(Route request, DeviceRef dev, int nhScope) {
        return new Route(request.toBuilder(), dev, nhScope);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.table(table);
        b.type = type;
        b.dst = dst;
        b.prefixLen = prefixLen;
        b.gateway = gateway;
        b.dev = dev;
        b.onlink = onlink;
        b.prefSrc = prefSrc;
        b.scope = scope;
        b.protocol = protocol;
        b.metric = metric;
        return b;
    }

    /** Table id: {@link RoutingTable#MAIN} 254, {@link RoutingTable#LOCAL} 255, ... */
    public int table() {
        return table;
    }

    /** The type; null only in a selector that matches any type. */
    public RouteType type() {
        return type;
    }

    /** Destination network address (host bits zero). */
    public int dst() {
        return dst;
    }

    public int prefixLen() {
        return prefixLen;
    }

    /** Gateway ({@code via}) address, 0 when the destination is directly connected. */
    public int gateway() {
        return gateway;
    }

    public boolean hasGateway() {
        return gateway != 0;
    }

    /** Output device, or null (reject routes; selectors that match any device). */
    public DeviceRef dev() {
        return dev;
    }

    /** {@code RTNH_F_ONLINK}: the gateway is taken to be on the link without checking. */
    public boolean onlink() {
        return onlink;
    }

    /** Preferred source ({@code src}), 0 when unset. */
    public int prefSrc() {
        return prefSrc;
    }

    /** Route scope ({@link RouteScope}); -1 in a selector that matches any scope. */
    public int scope() {
        return scope;
    }

    /** Route protocol ({@link RouteProtocol}); 0 in a selector matches any protocol. */
    public int protocol() {
        return protocol;
    }

    /** Priority ({@code metric}); -1 in a selector that matches any metric. Unsigned 32 bits. */
    public long metric() {
        return metric;
    }

    /** {@code fib_info} equality as fib_find_info / the fa_match test of fib_table_insert use it. */
    boolean sameInfo(Route o) {
        return type == o.type && scope == o.scope && protocol == o.protocol && prefSrc == o.prefSrc
                && metric == o.metric && gateway == o.gateway && onlink == o.onlink
                && Objects.equals(dev, o.dev);
    }

    /** The line {@code ip route show} prints for this route (see {@link RoutingTable#show}). */
    @Override
    public String toString() {
        return RoutingTable.format(this);
    }

    /** Builds requests and selectors. Defaults are those of {@code ip route add}. */
    public static final class Builder {
        private int table = RoutingTable.MAIN;
        private boolean tableSet;
        private RouteType type;
        private int dst;
        private int prefixLen = -1;
        private int gateway;
        private DeviceRef dev;
        private boolean onlink;
        private int prefSrc;
        private int scope = -1;
        private int protocol = -1;
        private long metric = -1;

        private Builder() {}

        public Builder table(int table) {
            this.table = table;
            this.tableSet = true;
            return this;
        }

        public Builder type(RouteType type) {
            this.type = type;
            return this;
        }

        public Builder dst(int network, int prefixLen) {
            if (prefixLen < 0 || prefixLen > 32) {
                throw new IllegalArgumentException("prefix length " + prefixLen);
            }
            this.dst = network;
            this.prefixLen = prefixLen;
            return this;
        }

        /** {@code "10.244.0.0/24"}, {@code "10.0.0.1"} (a /32) or {@code "default"}. */
        public Builder dst(String prefix) {
            if (prefix.equals("default")) {
                return dst(0, 0);
            }
            int slash = prefix.indexOf('/');
            if (slash < 0) {
                return dst(Ipv4Address.parse(prefix), 32);
            }
            return dst(Ipv4Address.parse(prefix.substring(0, slash)), Integer.parseInt(prefix.substring(slash + 1)));
        }

        public Builder via(int gateway) {
            this.gateway = gateway;
            return this;
        }

        public Builder via(String gateway) {
            return via(Ipv4Address.parse(gateway));
        }

        public Builder dev(DeviceRef dev) {
            this.dev = dev;
            return this;
        }

        public Builder onlink(boolean onlink) {
            this.onlink = onlink;
            return this;
        }

        public Builder onlink() {
            return onlink(true);
        }

        public Builder src(int prefSrc) {
            this.prefSrc = prefSrc;
            return this;
        }

        public Builder src(String prefSrc) {
            return src(Ipv4Address.parse(prefSrc));
        }

        public Builder scope(int scope) {
            this.scope = scope;
            return this;
        }

        public Builder protocol(int protocol) {
            this.protocol = protocol;
            return this;
        }

        public Builder metric(long metric) {
            if (metric < 0 || metric > 0xffffffffL) {
                throw new IllegalArgumentException("metric " + metric);
            }
            this.metric = metric;
            return this;
        }

        /**
         * A request as {@code ip route add} sends it (iproute.c iproute_modify): type unicast, protocol
         * boot, metric 0; local and broadcast routes go to the local table unless a table was given;
         * when no scope was given, scope host for local routes, link for broadcast routes and for
         * unicast routes without a gateway, universe otherwise.
         */
        public Route build() {
            if (prefixLen < 0) {
                throw new IllegalArgumentException("a route needs a destination");
            }
            Builder b = copy();
            if (b.type == null) {
                b.type = RouteType.UNICAST;
            }
            if (!b.tableSet && (b.type == RouteType.LOCAL || b.type == RouteType.BROADCAST)) {
                b.table = RoutingTable.LOCAL;
            }
            if (b.protocol < 0) {
                b.protocol = RouteProtocol.BOOT;
            }
            if (b.metric < 0) {
                b.metric = 0;
            }
            if (b.scope < 0) {
                if (b.type == RouteType.LOCAL) {
                    b.scope = RouteScope.HOST;
                } else if (b.type == RouteType.BROADCAST) {
                    b.scope = RouteScope.LINK;
                } else if (b.type == RouteType.UNICAST && b.gateway == 0) {
                    b.scope = RouteScope.LINK;
                } else {
                    b.scope = RouteScope.UNIVERSE;
                }
            }
            return new Route(b, b.dev, RouteScope.NOWHERE);
        }

        /**
         * A selector for {@link RoutingTable#delete}: as {@code ip route del} sends it, type, scope,
         * protocol and metric match anything unless set, and so do device, gateway and source.
         */
        public Route buildSelector() {
            if (prefixLen < 0) {
                throw new IllegalArgumentException("a route needs a destination");
            }
            Builder b = copy();
            if (b.protocol < 0) {
                b.protocol = 0;
            }
            return new Route(b, b.dev, RouteScope.NOWHERE);
        }

        private Builder copy() {
            Builder b = new Builder();
            b.table = table;
            b.tableSet = tableSet;
            b.type = type;
            b.dst = dst;
            b.prefixLen = prefixLen;
            b.gateway = gateway;
            b.dev = dev;
            b.onlink = onlink;
            b.prefSrc = prefSrc;
            b.scope = scope;
            b.protocol = protocol;
            b.metric = metric;
            return b;
        }
    }
}
