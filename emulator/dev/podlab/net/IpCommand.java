package dev.podlab.net;

import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.MacAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The subset of iproute2's {@code ip} (and {@code bridge}, {@code sysctl}) commands that set up a
 * namespace's devices, addresses, routes and neighbours, applied to the emulated namespace with
 * the same words — so node state can be written as the shell commands a person would type on a
 * real node, and the same script can be run against the real kernel:
 *
 * <pre>
 *   link add NAME type veth peer name PEER [netns NS]
 *   link add NAME type bridge
 *   link add NAME type vxlan id VNI [local ADDR] [dev LOWER] [dstport PORT] [nolearning]
 *   link set DEV up|down | master BRIDGE | mtu N | address MAC | netns NS
 *   link set dev DEV type bridge_slave hairpin on|off
 *   addr add CIDR dev DEV
 *   route add|append|replace|del ... (as {@code ip route})
 *   neigh add|replace IP lladdr MAC dev DEV [nud permanent|reachable|stale]
 *   bridge fdb add|append MAC dev DEV dst IP [self] [permanent]
 *   sysctl -w KEY=VALUE
 * </pre>
 *
 * Errors are {@link IllegalArgumentException}s whose message is one line in iproute2's manner.
 */
public final class IpCommand {

    private IpCommand() {}

    /** Runs one command line in {@code ns}; a leading {@code ip}, {@code bridge} or {@code sysctl} word chooses the tool. */
    public static void run(NetNamespace ns, String line) {
        List<String> w = words(line);
        if (w.isEmpty()) {
            return;
        }
        String tool = "ip";
        if (w.get(0).equals("ip") || w.get(0).equals("bridge") || w.get(0).equals("sysctl")) {
            tool = w.remove(0);
        }
        try {
            switch (tool) {
                case "bridge" -> bridge(ns, w);
                case "sysctl" -> sysctl(ns, w);
                default -> ip(ns, w);
            }
        } catch (RouteException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IndexOutOfBoundsException | NumberFormatException e) {
            throw new IllegalArgumentException("Command line is not complete: " + line, e);
        }
    }

    private static void ip(NetNamespace ns, List<String> w) {
        String object = w.remove(0);
        switch (object) {
            case "link", "l" -> link(ns, w);
            case "addr", "address", "a" -> addr(ns, w);
            case "route", "r", "ro" -> ns.routes().apply(String.join(" ", w));
            case "neigh", "neighbor", "n" -> neigh(ns, w);
            default -> throw new IllegalArgumentException("Object \"" + object + "\" is unknown, try \"ip help\".");
        }
    }

    private static void link(NetNamespace ns, List<String> w) {
        String verb = w.remove(0);
        if (verb.equals("add")) {
            String name = w.remove(0);
            String type = value(w, "type");
            switch (type) {
                case "veth" -> {
                    String peer = value(w, "name");
                    String peerNs = optional(w, "netns");
                    NetNamespace other = peerNs == null ? ns : namespace(ns, peerNs);
                    Veth.pair(ns, name, other, peer);
                }
                case "bridge" -> Bridge.create(ns, name);
                case "vxlan" -> {
                    int vni = Integer.parseInt(value(w, "id"));
                    String local = optional(w, "local");
                    String lower = optional(w, "dev");
                    String port = optional(w, "dstport");
                    new VxlanDevice(ns, name, ns.network().randomMac(), vni, port == null ? 8472 : Integer.parseInt(port),
                            local == null ? 0 : Ipv4Address.parse(local), lower == null ? null : device(ns, lower));
                }
                default -> throw new IllegalArgumentException("Error: Unknown device type \"" + type + "\".");
            }
            return;
        }
        if (!verb.equals("set")) {
            throw new IllegalArgumentException("Command \"" + verb + "\" is unknown, try \"ip link help\".");
        }
        if (w.get(0).equals("dev")) {
            w.remove(0);
        }
        NetDevice dev = device(ns, w.remove(0));
        while (!w.isEmpty()) {
            String k = w.remove(0);
            switch (k) {
                case "up" -> dev.up();
                case "down" -> dev.down();
                case "mtu" -> dev.mtu(Integer.parseInt(w.remove(0)));
                case "address" -> dev.mac(MacAddress.parse(w.remove(0)));
                case "master" -> {
                    NetDevice br = device(ns, w.remove(0));
                    if (!(br instanceof Bridge bridge)) {
                        throw new IllegalArgumentException("Error: Device does not allow enslaving to a master.");
                    }
                    bridge.addPort(dev);
                }
                case "type" -> {
                    if (!w.remove(0).equals("bridge_slave")) {
                        throw new IllegalArgumentException("Error: only \"type bridge_slave\" settings are supported");
                    }
                }
                case "hairpin" -> {
                    if (dev.master() == null) {
                        throw new IllegalArgumentException("Error: " + dev.name() + " is not a bridge port.");
                    }
                    dev.master().port(dev).hairpin(w.remove(0).equals("on"));
                }
                case "netns" -> throw new IllegalArgumentException(
                        "Error: moving a device between namespaces is not supported; create the veth with \"peer name X netns NS\"");
                default -> throw new IllegalArgumentException("Error: argument \"" + k + "\" is wrong: unknown link setting");
            }
        }
    }

    private static void addr(NetNamespace ns, List<String> w) {
        String verb = w.remove(0);
        if (!verb.equals("add")) {
            throw new IllegalArgumentException("Command \"" + verb + "\" is unknown, try \"ip address help\".");
        }
        String cidr = w.remove(0);
        NetDevice dev = device(ns, value(w, "dev"));
        ns.addAddress(dev, cidr);
    }

    private static void neigh(NetNamespace ns, List<String> w) {
        String verb = w.remove(0);
        if (!verb.equals("add") && !verb.equals("replace")) {
            throw new IllegalArgumentException("Command \"" + verb + "\" is unknown, try \"ip neigh help\".");
        }
        int ip = Ipv4Address.parse(w.remove(0));
        long mac = MacAddress.parse(value(w, "lladdr"));
        NetDevice dev = device(ns, value(w, "dev"));
        String nud = optional(w, "nud");
        int state = nud == null || nud.equals("permanent") ? NeighbourTable.NUD_PERMANENT
                : nud.equals("reachable") ? NeighbourTable.NUD_REACHABLE
                : nud.equals("stale") ? NeighbourTable.NUD_STALE
                : nud.equals("noarp") ? NeighbourTable.NUD_NOARP : -1;
        if (state < 0) {
            throw new IllegalArgumentException("nud state \"" + nud + "\" is unknown");
        }
        ns.arp().replace(dev.ref(), ip, mac, state, ns.network().sim().now());
    }

    private static void bridge(NetNamespace ns, List<String> w) {
        if (!w.remove(0).equals("fdb")) {
            throw new IllegalArgumentException("only \"bridge fdb\" is supported");
        }
        String verb = w.remove(0);
        long mac = MacAddress.parse(w.remove(0));
        NetDevice dev = device(ns, value(w, "dev"));
        String dst = optional(w, "dst");
        if (dev instanceof VxlanDevice vx) {
            if (dst == null) {
                throw new IllegalArgumentException("Error: a VXLAN FDB entry needs \"dst IP\"");
            }
            if (verb.equals("replace")) {
                vx.fdb().replace(mac, Ipv4Address.parse(dst));
            } else {
                vx.fdb().add(mac, Ipv4Address.parse(dst));
            }
            return;
        }
        if (dev.master() == null) {
            throw new IllegalArgumentException("Error: " + dev.name() + " is neither a VXLAN device nor a bridge port");
        }
        dev.master().fdb().addStatic(dev.ref(), mac, 0, ns.network().sim().now());
    }

    private static void sysctl(NetNamespace ns, List<String> w) {
        if (w.get(0).equals("-w")) {
            w.remove(0);
        }
        String kv = String.join("", w);
        int eq = kv.indexOf('=');
        String key = kv.substring(0, eq).trim().replace('/', '.');
        String value = kv.substring(eq + 1).trim();
        Sysctls s = ns.sysctl();
        String[] parts = key.split("\\.");
        switch (key) {
            case "net.ipv4.ip_forward" -> s.ipForward = value.equals("1");
            case "net.bridge.bridge-nf-call-iptables" -> s.bridgeNfCallIptables = value.equals("1");
            case "net.ipv4.icmp_echo_ignore_all" -> s.icmpEchoIgnoreAll = value.equals("1");
            case "net.ipv4.conf.all.rp_filter" -> s.rpFilter = Integer.parseInt(value);
            default -> {
                if (parts.length == 5 && key.startsWith("net.ipv4.conf.") && parts[4].equals("proxy_arp")) {
                    s.proxyArp(parts[3], value.equals("1"));
                } else if (parts.length == 5 && key.startsWith("net.ipv4.conf.") && parts[4].equals("rp_filter")) {
                    s.rpFilter(parts[3], Integer.parseInt(value));
                } else if (parts.length == 5 && key.startsWith("net.ipv4.conf.") && parts[4].equals("forwarding")) {
                    s.ipForward = value.equals("1");
                } else {
                    throw new IllegalArgumentException("sysctl: cannot stat /proc/sys/" + key.replace('.', '/')
                            + ": not emulated");
                }
            }
        }
    }

    /** The blank-separated words of a command line (a shell's word splitting, without quotes). */
    static List<String> words(String line) {
        List<String> w = new ArrayList<>();
        int n = line.length();
        for (int i = 0; i < n; ) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                w.add(line.substring(start, i));
            }
        }
        return w;
    }

    private static NetNamespace namespace(NetNamespace from, String name) {
        // A name is the namespace's own on the same node (ip netns names are per host), else qualified.
        NetNamespace ns = from.network().find(from.node() + "/" + name);
        if (ns == null) {
            ns = from.network().find(name);
        }
        if (ns == null) {
            throw new IllegalArgumentException("Cannot find netns \"" + name + "\"");
        }
        return ns;
    }

    private static NetDevice device(NetNamespace ns, String name) {
        NetDevice d = ns.device(name);
        if (d == null) {
            throw new IllegalArgumentException("Cannot find device \"" + name + "\"");
        }
        return d;
    }

    private static String value(List<String> w, String key) {
        String v = optional(w, key);
        if (v == null) {
            throw new IllegalArgumentException("Error: \"" + key + "\" is required");
        }
        return v;
    }

    private static String optional(List<String> w, String key) {
        int i = w.indexOf(key);
        if (i < 0) {
            return null;
        }
        w.remove(i);
        return w.remove(i);
    }
}
