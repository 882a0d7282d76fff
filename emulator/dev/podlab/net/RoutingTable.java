package dev.podlab.net;

import dev.podlab.packet.Ipv4Address;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The IPv4 forwarding information base of one network namespace: the routing tables (main 254,
 * local 255, default 253 and any other id), the interface addresses the FIB consults, and the
 * behaviour of net/ipv4/fib_trie.c ({@code fib_table_insert}, {@code fib_table_delete}, {@code
 * fib_table_lookup}), fib_semantics.c ({@code fib_create_info}, {@code fib_check_nh}), fib_frontend.c
 * ({@code fib_add_ifaddr}) and devinet.c ({@code inet_select_addr}), printed as iproute2's {@code ip
 * route show} and {@code ip route get} print it (ip/iproute.c {@code print_route}).
 *
 * <h2>Lookup</h2>
 * With no policy rules configured the kernel consults the local table, then main, then default
 * (rules 0, 32766, 32767); so does {@link #lookup}. Policy routing rules are not modelled.
 *
 * <p>Each table keeps one open-addressing hash map per prefix length (keyed by the masked
 * destination, values are the aliases of that prefix in kernel order) and a 33-bit mask of the
 * lengths in use. A lookup probes the lengths in use from longest to shortest: O(L) hash probes,
 * L the number of distinct prefix lengths present (at most 33), with no allocation. Within a prefix
 * the aliases are ordered as {@code fib_find_alias}/{@code fib_insert_alias} order them (tos is
 * always 0 here): ascending metric, then insertion order ({@code ip route append} after its equals,
 * {@code ip route add} before routes of a larger metric); the first alias whose scope is at least the
 * lookup scope and whose nexthop matches the requested output device wins; a blackhole, unreachable
 * or prohibit alias ends the lookup with its error. If no alias of a prefix qualifies the lookup
 * backtracks to shorter prefixes, as the trie walk does. Insertion and removal are O(A) in the
 * aliases of one prefix and may allocate.
 *
 * <h2>Dump order</h2>
 * {@code ip route show} lists a table in trie order: ascending destination key (unsigned), and for
 * one key the longer prefix first (a leaf's aliases are kept by ascending suffix length), then alias
 * order.
 *
 * <p>Not modelled: multipath, tos, metrics other than priority, device up/down and carrier (all
 * devices are taken as up with carrier), {@code fib_del_ifaddr}, the route cache/exceptions.
 */
public final class RoutingTable {
    public static final int UNSPEC = 0;
    public static final int DEFAULT = 253;
    public static final int MAIN = 254;
    public static final int LOCAL = 255;

    private static final int[] RULE_TABLES = {LOCAL, MAIN, DEFAULT};

    private final LongObjectMap<FibTable> tables = new LongObjectMap<>();

    /*
     * A memo of lookup(daddr), the query of every forwarded and sent packet: direct-mapped by the
     * destination, allocated on first use (a pod's namespace asks for one or two destinations),
     * and emptied by any change to the routes (a stamp per entry against the table's generation).
     * The kernel has had no route cache since 3.6; this is not one either: its answer is always
     * the one the full rule-and-table walk would give now, it only saves the walk (one hash probe
     * per prefix length present in the local and main tables).
     */
    private static final int CACHE_BITS = 5;
    private static final int CACHE_SIZE = 1 << CACHE_BITS;
    private int[] cacheDst;
    private Route[] cacheRoute;
    private int[] cacheGeneration;
    private int generation = 1;
    /** Devices in registration order: the order {@code for_each_netdev} walks them. */
    private final List<Device> devices = new ArrayList<>();
    private final LongObjectMap<Device> devicesByIndex = new LongObjectMap<>();
    private final Map<String, Device> devicesByName = new HashMap<>();
    private Device loopback;

    public RoutingTable() {
        table(LOCAL);
        table(MAIN);
    }

    // ---------------------------------------------------------------------------------------------
    // Devices and addresses

    /** Registers a device so routes may name it and source addresses may be chosen from it. */
    public void addDevice(DeviceRef dev) {
        addDevice(dev, false);
    }

    /** Registers the loopback device: output to local addresses leaves through it ({@code dev lo}). */
    public void addLoopback(DeviceRef dev) {
        addDevice(dev, true);
    }

    private Device addDevice(DeviceRef dev, boolean isLoopback) {
        Device existing = devicesByIndex.get(dev.ifindex());
        if (existing != null) {
            if (!existing.ref.equals(dev)) {
                throw new IllegalArgumentException("ifindex " + dev.ifindex() + " already names " + existing.ref.name());
            }
            return existing;
        }
        if (devicesByName.containsKey(dev.name())) {
            throw new IllegalArgumentException("device name " + dev.name() + " already registered");
        }
        Device d = new Device(dev, isLoopback);
        devices.add(d);
        devicesByIndex.put(dev.ifindex(), d);
        devicesByName.put(dev.name(), d);
        if (isLoopback) {
            loopback = d;
        }
        return d;
    }

    /** The registered device of that name, or null. */
    public DeviceRef device(String name) {
        Device d = devicesByName.get(name);
        return d == null ? null : d.ref;
    }

    /** {@code ip addr add CIDR dev DEV}: see {@link #addAddress(DeviceRef, int, int, int, int, long)}. */
    public void addAddress(DeviceRef dev, String cidr) {
        int slash = cidr.indexOf('/');
        int local = Ipv4Address.parse(slash < 0 ? cidr : cidr.substring(0, slash));
        int len = slash < 0 ? 32 : Integer.parseInt(cidr.substring(slash + 1));
        addAddress(dev, local, len, 0, defaultScope(local), 0);
    }

    /**
     * Adds an IPv4 address to an (up) device and installs the routes {@code fib_add_ifaddr} creates,
     * all {@code proto kernel} with {@code src} the (primary) address:
     * <ul>
     *   <li>local table: {@code local ADDR} scope host;
     *   <li>local table: {@code broadcast BRD} scope link when a broadcast address other than
     *       255.255.255.255 was given explicitly;
     *   <li>unless the address is secondary, the prefix is 0.0.0.0 or the address is a /32 equal to its
     *       prefix: main table {@code PREFIX/LEN} scope link with metric {@code metric}
     *       ({@code ifa_rt_priority}) — a {@code local} route in the local table on the loopback device —
     *       and, for prefixes shorter than /31, local table {@code broadcast PREFIX|~MASK} scope link.
     * </ul>
     * Since Linux 5.14 no broadcast route is added for the network address itself (commit "ipv4: Make
     * the lowest address of a subnet unicast", fib_frontend.c); older kernels printed one more
     * {@code broadcast} line per address. An address on a device that already has a primary address of
     * the same prefix becomes secondary, as {@code __inet_insert_ifa} decides.
     *
     * @param broadcast explicit broadcast address ({@code brd}), 0 for none
     * @param scope address scope ({@link RouteScope}); iproute2 defaults to host for 127/8, else global
     */
    public void addAddress(DeviceRef dev, int local, int prefixLen, int broadcast, int scope, long metric) {
        Device d = devicesByIndex.get(dev.ifindex());
        if (d == null) {
            d = addDevice(dev, false);
        }
        int mask = Ipv4Address.mask(prefixLen);
        int prefix = local & mask;
        Ifaddr prim = null;
        for (Ifaddr a : d.addrs) {
            if (a.local == local && a.prefixLen == prefixLen) {
                throw new RouteException(Errno.EEXIST);
            }
            if (!a.secondary && a.prefixLen == prefixLen && (a.local & mask) == prefix) {
                prim = a;
            }
        }
        Ifaddr ifa = new Ifaddr(local, prefixLen, scope, prim != null);
        d.addrs.add(ifa);
        if (prim == null) {
            prim = ifa;
        }
        fibMagic(LOCAL, RouteType.LOCAL, local, 32, d, prim.local, 0);
        if (broadcast != 0 && broadcast != -1) {
            fibMagic(LOCAL, RouteType.BROADCAST, broadcast, 32, d, prim.local, 0);
        }
        boolean zeronet = (prefix >>> 24) == 0;
        if (!zeronet && !ifa.secondary && (prefix != local || prefixLen < 32)) {
            if (d.loopback) {
                fibMagic(LOCAL, RouteType.LOCAL, prefix, prefixLen, d, prim.local, metric);
            } else {
                fibMagic(MAIN, RouteType.UNICAST, prefix, prefixLen, d, prim.local, metric);
            }
            if (prefixLen < 31) {
                fibMagic(LOCAL, RouteType.BROADCAST, prefix | ~mask, 32, d, prim.local, 0);
            }
        }
    }

    private static int defaultScope(int addr) {
        return (addr >>> 24) == 127 ? RouteScope.HOST : RouteScope.UNIVERSE;
    }

    /** fib_magic: an in-kernel RTM_NEWROUTE with NLM_F_CREATE | NLM_F_APPEND, errors ignored. */
    private void fibMagic(int table, RouteType type, int dst, int len, Device d, int prefSrc, long metric) {
        Route r = Route.builder().table(table).type(type).dst(dst, len).dev(d.ref).src(prefSrc)
                .protocol(RouteProtocol.KERNEL).metric(metric)
                .scope(type == RouteType.LOCAL ? RouteScope.HOST : RouteScope.LINK).build();
        try {
            insert(r, Mode.APPEND);
        } catch (RouteException ignored) {
            // fib_magic does not report errors: a duplicate kernel route is simply not added twice.
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Insertion and deletion (fib_table_insert / fib_table_delete)

    private enum Mode { ADD, APPEND, REPLACE }

    /** {@code ip route add}: NLM_F_CREATE | NLM_F_EXCL. Returns the stored route. */
    public Route add(Route route) {
        return insert(route, Mode.ADD);
    }

    /** {@code ip route append}: NLM_F_CREATE | NLM_F_APPEND, after the routes of equal metric. */
    public Route append(Route route) {
        return insert(route, Mode.APPEND);
    }

    /** {@code ip route replace}: NLM_F_CREATE | NLM_F_REPLACE, replaces the first route of equal metric. */
    public Route replace(Route route) {
        return insert(route, Mode.REPLACE);
    }

    private Route insert(Route req, Mode mode) {
        int len = req.prefixLen();
        if (len < 32 && (req.dst() << len) != 0) {
            throw new RouteException(Errno.EINVAL, "Invalid prefix for given prefix length");
        }
        Route fi = createInfo(req);
        FibTable tb = table(req.table());
        List<Route> aliases = tb.aliases(req.dst(), len);
        int first = -1;
        if (aliases != null) {
            for (int i = 0; i < aliases.size(); i++) {
                if (aliases.get(i).metric() >= fi.metric()) {
                    first = i;
                    break;
                }
            }
        }
        int at = first < 0 ? (aliases == null ? 0 : aliases.size()) : first;
        if (first >= 0 && aliases.get(first).metric() == fi.metric()) {
            if (mode == Mode.ADD) {
                throw new RouteException(Errno.EEXIST);
            }
            int match = -1;
            int end = first;
            while (end < aliases.size() && aliases.get(end).metric() == fi.metric()) {
                if (match < 0 && aliases.get(end).sameInfo(fi)) {
                    match = end;
                }
                end++;
            }
            if (mode == Mode.REPLACE) {
                if (match >= 0) {
                    if (match == first) {
                        return aliases.get(first);
                    }
                    throw new RouteException(Errno.EEXIST);
                }
                aliases.set(first, fi);
                routesChanged();
                return fi;
            }
            if (match >= 0) {
                throw new RouteException(Errno.EEXIST);
            }
            at = end;
        }
        tb.insert(fi, at);
        routesChanged();
        return fi;
    }

    /** fib_create_info and fib_check_nh: validates a request and resolves its nexthop. */
    private Route createInfo(Route r) {
        RouteType type = r.type();
        if (type == null) {
            throw new IllegalArgumentException("a route to add needs a type");
        }
        if (type.minScope > r.scope()) {
            throw new RouteException(Errno.EINVAL, "Invalid scope");
        }
        if (type.rejects()) {
            if (r.hasGateway() || r.dev() != null) {
                throw new RouteException(Errno.EINVAL,
                        "Gateway, device and multipath can not be specified for this route type");
            }
            return Route.resolved(r, null, RouteScope.NOWHERE);
        }
        if (r.scope() > RouteScope.HOST) {
            throw new RouteException(Errno.EINVAL, "Invalid scope");
        }
        DeviceRef dev;
        int nhScope;
        if (r.scope() == RouteScope.HOST) {
            if (r.hasGateway()) {
                throw new RouteException(Errno.EINVAL, "Route with host scope can not have a gateway");
            }
            dev = knownDevice(r.dev());
            nhScope = RouteScope.NOWHERE;
        } else if (r.hasGateway()) {
            if (r.onlink()) {
                if (r.scope() >= RouteScope.LINK) {
                    throw new RouteException(Errno.EINVAL, "Nexthop has invalid scope");
                }
                if (r.dev() == null) {
                    throw new RouteException(Errno.ENODEV, "Nexthop device required for onlink");
                }
                dev = knownDevice(r.dev());
                if (addrTypeInLocalTable(r.gateway(), dev) != RouteType.UNICAST) {
                    throw new RouteException(Errno.EINVAL, "Nexthop has invalid gateway");
                }
                nhScope = RouteScope.LINK;
            } else {
                int scope = Math.max(r.scope() + 1, RouteScope.LINK);
                int oif = r.dev() == null ? 0 : knownDevice(r.dev()).ifindex();
                FibTable tb = tables.get(r.table());
                Route res = tb == null ? null : lookupTable(tb, r.gateway(), scope, oif);
                if (res == null || res.type().rejects()) {
                    res = lookupRules(r.gateway(), scope, oif);
                }
                if (res == null) {
                    throw new RouteException(Errno.ENETUNREACH, "Nexthop has invalid gateway");
                }
                if (res.type().rejects()) {
                    throw new RouteException(res.type().error, "Nexthop has invalid gateway");
                }
                if (res.type() != RouteType.UNICAST && res.type() != RouteType.LOCAL) {
                    throw new RouteException(Errno.EINVAL, "Nexthop has invalid gateway");
                }
                dev = res.dev();
                nhScope = res.scope();
            }
        } else {
            if (r.onlink()) {
                throw new RouteException(Errno.EINVAL,
                        "Invalid flags for nexthop - PERVASIVE and ONLINK can not be set");
            }
            dev = knownDevice(r.dev());
            nhScope = RouteScope.HOST;
        }
        if (r.prefSrc() != 0 && !validPrefSrc(r)) {
            throw new RouteException(Errno.EINVAL, "Invalid prefsrc address");
        }
        return Route.resolved(r, dev, nhScope);
    }

    private DeviceRef knownDevice(DeviceRef dev) {
        if (dev == null) {
            throw new RouteException(Errno.ENODEV);
        }
        Device d = devicesByIndex.get(dev.ifindex());
        if (d == null) {
            throw new RouteException(Errno.ENODEV);
        }
        return d.ref;
    }

    /** fib_valid_prefsrc: the preferred source must be a local address (or the local route's own key). */
    private boolean validPrefSrc(Route r) {
        if (r.type() == RouteType.LOCAL && r.dst() != 0 && r.prefSrc() == r.dst()) {
            return true;
        }
        Route res = lookupTable(table(LOCAL), r.prefSrc(), RouteScope.UNIVERSE, 0);
        return res != null && res.type() == RouteType.LOCAL;
    }

    /** inet_addr_type_dev_table: the type of {@code addr} in the local table as seen from {@code dev}. */
    private RouteType addrTypeInLocalTable(int addr, DeviceRef dev) {
        if ((addr >>> 24) == 0 || addr == -1) {
            return RouteType.BROADCAST;
        }
        if ((addr >>> 28) == 0xe) {
            return null; // RTN_MULTICAST: never a valid gateway
        }
        Route res = lookupTable(table(LOCAL), addr, RouteScope.UNIVERSE, 0);
        if (res != null && (dev == null || dev.equals(res.dev()))) {
            return res.type();
        }
        return RouteType.UNICAST;
    }

    /**
     * {@code ip route del}: removes the first route of the selector's prefix (in its table) that
     * matches every field the selector sets, as fib_table_delete / fib_nh_match compare them.
     *
     * @return the removed route
     * @throws RouteException {@code RTNETLINK answers: No such process} when nothing matches
     */
    public Route delete(Route selector) {
        FibTable tb = tables.get(selector.table());
        int len = selector.prefixLen();
        if (len < 32 && (selector.dst() << len) != 0) {
            throw new RouteException(Errno.EINVAL, "Invalid prefix for given prefix length");
        }
        List<Route> aliases = tb == null ? null : tb.aliases(selector.dst(), len);
        if (aliases != null) {
            for (int i = 0; i < aliases.size(); i++) {
                Route fa = aliases.get(i);
                if ((selector.type() == null || selector.type() == fa.type())
                        && (selector.scope() < 0 || selector.scope() == RouteScope.NOWHERE || selector.scope() == fa.scope())
                        && (selector.protocol() == 0 || selector.protocol() == fa.protocol())
                        && (selector.metric() < 0 || selector.metric() == fa.metric())
                        && (selector.dev() == null || selector.dev().equals(fa.dev()))
                        && (!selector.hasGateway() || selector.gateway() == fa.gateway())
                        && (selector.prefSrc() == 0 || selector.prefSrc() == fa.prefSrc())) {
                    tb.remove(fa.dst(), len, i);
                    routesChanged();
                    return fa;
                }
            }
        }
        throw new RouteException(Errno.ESRCH);
    }

    // ---------------------------------------------------------------------------------------------
    // Lookup (fib_lookup with the default rules, fib_table_lookup)

    /**
     * The route for an output lookup of {@code daddr} (scope universe, any device), or null when no
     * route matches (the kernel's ENETUNREACH). A returned route of a rejecting type (blackhole,
     * unreachable, prohibit) is the lookup's error: {@link RouteType#error}. Allocates nothing.
     */
    public Route lookup(int daddr) {
        int[] dsts = cacheDst;
        if (dsts == null) {
            dsts = cacheDst = new int[CACHE_SIZE];
            cacheRoute = new Route[CACHE_SIZE];
            cacheGeneration = new int[CACHE_SIZE];
        }
        int i = (daddr * 0x9E3779B1) >>> (32 - CACHE_BITS);
        if (cacheGeneration[i] == generation && dsts[i] == daddr) {
            return cacheRoute[i];
        }
        Route r = lookupRules(daddr, RouteScope.UNIVERSE, 0);
        dsts[i] = daddr;
        cacheRoute[i] = r;
        cacheGeneration[i] = generation;
        return r;
    }

    /** Forgets every cached lookup: called by each change to a table's routes. */
    private void routesChanged() {
        generation++;
        if (generation == 0) { // wrapped: no stamp may survive from the previous round
            generation = 1;
            if (cacheGeneration != null) {
                java.util.Arrays.fill(cacheGeneration, 0);
            }
        }
    }

    /** As {@link #lookup(int)} restricted to routes whose nexthop leaves through {@code oif} (flowi4_oif). */
    public Route lookup(int daddr, DeviceRef oif) {
        return lookupRules(daddr, RouteScope.UNIVERSE, oif == null ? 0 : oif.ifindex());
    }

    private Route lookupRules(int daddr, int scope, int oif) {
        for (int id : RULE_TABLES) {
            FibTable tb = tables.get(id);
            if (tb == null) {
                continue;
            }
            Route r = lookupTable(tb, daddr, scope, oif);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    private static Route lookupTable(FibTable tb, int daddr, int scope, int oif) {
        long lens = tb.lenMask;
        while (lens != 0) {
            int len = 63 - Long.numberOfLeadingZeros(lens);
            lens &= ~(1L << len);
            List<Route> aliases = tb.byLen[len].get(daddr & Ipv4Address.mask(len));
            if (aliases == null) {
                continue;
            }
            for (int i = 0, n = aliases.size(); i < n; i++) {
                Route fa = aliases.get(i);
                if (fa.scope() < scope) {
                    continue;
                }
                if (fa.type().rejects()) {
                    return fa;
                }
                if (oif != 0 && (fa.dev() == null || fa.dev().ifindex() != oif)) {
                    continue;
                }
                return fa;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------
    // Source address selection (devinet.c inet_select_addr)

    /**
     * inet_select_addr: the first primary address of {@code dev} with scope not beyond {@code scope},
     * preferring one whose subnet holds {@code dst}; failing that, the first primary address (not of
     * link scope) of any device in registration order. 0 when there is none.
     */
    public int selectSourceAddress(DeviceRef dev, int dst, int scope) {
        int addr = 0;
        Device d = dev == null ? null : devicesByIndex.get(dev.ifindex());
        if (d != null) {
            for (Ifaddr a : d.addrs) {
                if (a.secondary || a.scope > scope) {
                    continue;
                }
                if (dst == 0 || ((a.local ^ dst) & Ipv4Address.mask(a.prefixLen)) == 0) {
                    return a.local;
                }
                if (addr == 0) {
                    addr = a.local;
                }
            }
        }
        if (addr != 0) {
            return addr;
        }
        for (Device other : devices) {
            for (Ifaddr a : other.addrs) {
                if (!a.secondary && a.scope != RouteScope.LINK && a.scope <= scope) {
                    return a.local;
                }
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------------------------------------
    // iproute2 views

    /** {@code ip route show [table main]}. */
    public String show() {
        return show(MAIN, null);
    }

    /** {@code ip route show table ID}: the table's routes in dump order, one {@code print_route} line each. */
    public String show(int tableId) {
        return show(tableId, null);
    }

    /** {@code ip route show table ID dev DEV} (dev may be null): with a device filter {@code dev} is not printed. */
    public String show(int tableId, DeviceRef devFilter) {
        StringBuilder sb = new StringBuilder();
        for (Route r : routes(tableId)) {
            if (devFilter != null && !devFilter.equals(r.dev())) {
                continue;
            }
            appendRoute(sb, r, devFilter == null);
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The routes of a table in dump order (fib_trie leaf walk). */
    public List<Route> routes(int tableId) {
        FibTable tb = tables.get(tableId);
        List<Route> out = new ArrayList<>();
        if (tb == null) {
            return out;
        }
        List<List<Route>> prefixes = new ArrayList<>();
        for (int len = 0; len <= 32; len++) {
            if ((tb.lenMask & (1L << len)) != 0) {
                tb.byLen[len].forEachValue(prefixes::add);
            }
        }
        prefixes.sort(Comparator.<List<Route>>comparingLong(l -> Integer.toUnsignedLong(l.get(0).dst()))
                .thenComparing(l -> -l.get(0).prefixLen()));
        for (List<Route> l : prefixes) {
            out.addAll(l);
        }
        return out;
    }

    static String format(Route r) {
        StringBuilder sb = new StringBuilder();
        appendRoute(sb, r, true);
        return sb.toString();
    }

    /** print_route for a dumped (not cloned) route, as {@code ip route show} prints it; ends with the space iproute2 leaves. */
    private static void appendRoute(StringBuilder sb, Route r, boolean printDev) {
        if (r.type() != RouteType.UNICAST) {
            sb.append(r.type().keyword).append(' ');
        }
        appendDst(sb, r.dst(), r.prefixLen());
        if (r.hasGateway()) {
            sb.append("via ").append(Ipv4Address.toString(r.gateway())).append(' ');
        }
        if (printDev && r.dev() != null) {
            sb.append("dev ").append(r.dev().name()).append(' ');
        }
        if (r.protocol() != RouteProtocol.BOOT) {
            sb.append("proto ").append(RouteProtocol.name(r.protocol())).append(' ');
        }
        if (r.scope() != RouteScope.UNIVERSE) {
            sb.append("scope ").append(RouteScope.name(r.scope())).append(' ');
        }
        if (r.prefSrc() != 0) {
            sb.append("src ").append(Ipv4Address.toString(r.prefSrc())).append(' ');
        }
        if (r.metric() != 0) {
            sb.append("metric ").append(r.metric()).append(' ');
        }
        if (r.onlink()) {
            sb.append("onlink ");
        }
    }

    private static void appendDst(StringBuilder sb, int dst, int len) {
        if (len == 0) {
            sb.append("default ");
        } else if (len == 32) {
            sb.append(Ipv4Address.toString(dst)).append(' ');
        } else {
            sb.append(Ipv4Address.toString(dst)).append('/').append(len).append(' ');
        }
    }

    /** {@code rtnl_rttable_n2a}. */
    static String tableName(int id) {
        return switch (id) {
            case UNSPEC -> "unspec";
            case DEFAULT -> "default";
            case MAIN -> "main";
            case LOCAL -> "local";
            default -> Integer.toUnsignedString(id);
        };
    }

    /**
     * {@code ip route get ADDR} as root: the cloned output route the kernel reports
     * (route.c ip_route_output_key_hash_rcu, rt_fill_info) printed by print_route, e.g.
     * <pre>
     * 10.244.2.5 via 10.244.2.0 dev flannel.1 src 10.244.1.0 uid 0 \n    cache \n
     * local 10.0.0.1 dev lo table local src 10.0.0.1 uid 0 \n    cache &lt;local&gt; \n
     * </pre>
     *
     * @throws RouteException {@code RTNETLINK answers: Network is unreachable} without a route; the
     *     type's error for blackhole ({@code Invalid argument}), unreachable ({@code No route to host})
     *     and prohibit ({@code Permission denied}) routes
     */
    public String get(int daddr) {
        Route res = lookup(daddr);
        if (res == null) {
            throw new RouteException(Errno.ENETUNREACH);
        }
        if (res.type().rejects()) {
            throw new RouteException(res.type().error);
        }
        StringBuilder sb = new StringBuilder();
        DeviceRef devOut = res.dev();
        int saddr;
        String cacheFlags;
        if (res.type() == RouteType.LOCAL) {
            saddr = res.prefSrc() != 0 ? res.prefSrc() : daddr;
            if (loopback != null) {
                devOut = loopback.ref;
            }
            cacheFlags = "<local> ";
            sb.append("local ");
        } else {
            saddr = res.prefSrc() != 0 ? res.prefSrc()
                    : selectSourceAddress(res.dev(), res.gateway(), res.scope());
            if (res.type() == RouteType.BROADCAST) {
                cacheFlags = "<local,brd> ";
                sb.append("broadcast ");
            } else {
                cacheFlags = "";
            }
        }
        sb.append(Ipv4Address.toString(daddr)).append(' ');
        if (res.type() == RouteType.UNICAST && res.hasGateway() && res.nhScope == RouteScope.LINK) {
            sb.append("via ").append(Ipv4Address.toString(res.gateway())).append(' ');
        }
        if (devOut != null) {
            sb.append("dev ").append(devOut.name()).append(' ');
        }
        if (res.table() != MAIN) {
            sb.append("table ").append(tableName(res.table())).append(' ');
        }
        if (saddr != 0) {
            sb.append("src ").append(Ipv4Address.toString(saddr)).append(' ');
        }
        sb.append("uid 0 ");
        sb.append("\n    cache ").append(cacheFlags).append('\n');
        return sb.toString();
    }

    /** {@code ip route get} with a dotted-quad address. */
    public String get(String daddr) {
        return get(Ipv4Address.parse(daddr));
    }

    // ---------------------------------------------------------------------------------------------
    // ip route add/append/replace/del argument text (iproute.c iproute_modify)

    /**
     * Applies one {@code ip route} modification given as the words after {@code ip route}, e.g.
     * {@code "add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink"} or {@code "del default"}.
     * Devices must have been registered.
     *
     * @return the stored (or removed) route
     */
    public Route apply(String command) {
        String[] words = IpCommand.words(command).toArray(String[]::new);
        String verb = words[0];
        String[] rest = java.util.Arrays.copyOfRange(words, 1, words.length);
        return switch (verb) {
            case "add" -> add(parse(rest, false));
            case "append" -> append(parse(rest, false));
            case "replace" -> replace(parse(rest, false));
            case "del", "delete" -> delete(parse(rest, true));
            default -> throw new IllegalArgumentException("Command \"" + verb + "\" is unknown, try \"ip route help\".");
        };
    }

    /** Parses {@code ip route add} arguments ({@code NODE_SPEC INFO_SPEC}) into a request. */
    public Route parseRoute(String args) {
        return parse(IpCommand.words(args).toArray(String[]::new), false);
    }

    private Route parse(String[] argv, boolean selector) {
        Route.Builder b = Route.builder();
        boolean dstSeen = false;
        for (int i = 0; i < argv.length; i++) {
            String w = argv[i];
            switch (w) {
                case "via" -> b.via(Ipv4Address.parse(next(argv, ++i, w)));
                case "dev", "oif" -> {
                    String name = next(argv, ++i, w);
                    DeviceRef dev = device(name);
                    if (dev == null) {
                        throw new IllegalArgumentException("Cannot find device \"" + name + "\"");
                    }
                    b.dev(dev);
                }
                case "src" -> b.src(Ipv4Address.parse(next(argv, ++i, w)));
                case "proto", "protocol" -> b.protocol(RouteProtocol.parse(next(argv, ++i, w)));
                case "scope" -> b.scope(RouteScope.parse(next(argv, ++i, w)));
                case "metric", "priority", "preference" -> b.metric(Long.parseLong(next(argv, ++i, w)));
                case "table" -> b.table(parseTable(next(argv, ++i, w)));
                case "onlink" -> b.onlink();
                case "to" -> {
                    // "to" introduces the prefix; the next word is handled below.
                }
                default -> {
                    RouteType t = RouteType.fromKeyword(w);
                    if (t != null && !dstSeen) {
                        b.type(t);
                    } else if (!dstSeen) {
                        b.dst(w);
                        dstSeen = true;
                    } else {
                        throw new IllegalArgumentException("Error: either \"to\" is duplicate, or \"" + w + "\" is a garbage.");
                    }
                }
            }
        }
        if (!dstSeen) {
            throw new IllegalArgumentException("Error: destination prefix is required");
        }
        return selector ? b.buildSelector() : b.build();
    }

    private static String next(String[] argv, int i, String after) {
        if (i >= argv.length) {
            throw new IllegalArgumentException("Command line is not complete. Try option \"help\"");
        }
        return argv[i];
    }

    private static int parseTable(String text) {
        return switch (text) {
            case "main" -> MAIN;
            case "local" -> LOCAL;
            case "default" -> DEFAULT;
            default -> Integer.parseUnsignedInt(text);
        };
    }

    // ---------------------------------------------------------------------------------------------

    private FibTable table(int id) {
        FibTable tb = tables.get(id);
        if (tb == null) {
            tb = new FibTable(id);
            tables.put(id, tb);
        }
        return tb;
    }

    /** One routing table: per-prefix-length maps from masked destination to that prefix's aliases. */
    private static final class FibTable {
        final int id;
        @SuppressWarnings("unchecked")
        final LongObjectMap<List<Route>>[] byLen = new LongObjectMap[33];
        long lenMask;

        FibTable(int id) {
            this.id = id;
        }

        List<Route> aliases(int key, int len) {
            LongObjectMap<List<Route>> m = byLen[len];
            return m == null ? null : m.get(key);
        }

        void insert(Route r, int at) {
            int len = r.prefixLen();
            if (byLen[len] == null) {
                byLen[len] = new LongObjectMap<>();
            }
            List<Route> l = byLen[len].get(r.dst());
            if (l == null) {
                l = new ArrayList<>(2);
                byLen[len].put(r.dst(), l);
            }
            l.add(at, r);
            lenMask |= 1L << len;
        }

        void remove(int key, int len, int index) {
            List<Route> l = byLen[len].get(key);
            l.remove(index);
            if (l.isEmpty()) {
                byLen[len].remove(key);
                if (byLen[len].size() == 0) {
                    lenMask &= ~(1L << len);
                }
            }
        }
    }

    private static final class Device {
        final DeviceRef ref;
        final boolean loopback;
        /** Addresses in the order the device holds them (primaries before their secondaries). */
        final List<Ifaddr> addrs = new ArrayList<>();

        Device(DeviceRef ref, boolean loopback) {
            this.ref = ref;
            this.loopback = loopback;
        }
    }

    private record Ifaddr(int local, int prefixLen, int scope, boolean secondary) {}
}
