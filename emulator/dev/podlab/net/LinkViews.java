package dev.podlab.net;

import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.MacAddress;

/**
 * A namespace's devices and addresses printed as iproute2 prints them: {@code ip link},
 * {@code ip -s link}, {@code ip addr} and {@code bridge link}. The layout follows iproute2's
 * {@code print_linkinfo} / {@code print_addrinfo}: every field is printed as "%s " (so lines end
 * in a blank where a field closes them), the flags in {@code <...>}, a second line with the
 * link-layer addresses.
 */
public final class LinkViews {
    private LinkViews() {}

    /** {@code ip link show} ({@code stats}: {@code ip -s link show}). */
    public static String ipLink(NetNamespace ns, boolean stats) {
        StringBuilder sb = new StringBuilder();
        for (NetDevice d : ns.devices()) {
            header(sb, d, true);
            linkLine(sb, d);
            if (stats) {
                statistics(sb, d);
            }
        }
        return sb.toString();
    }

    /** {@code ip addr show}. */
    public static String ipAddr(NetNamespace ns) {
        StringBuilder sb = new StringBuilder();
        for (NetDevice d : ns.devices()) {
            header(sb, d, false);
            linkLine(sb, d);
            for (NetNamespace.Address a : ns.addresses()) {
                if (a.dev() != d) {
                    continue;
                }
                sb.append("    inet ");
                Ipv4Address.appendTo(sb, a.local()).append('/').append(a.prefixLength()).append(' ');
                if (a.broadcast() != 0) {
                    sb.append("brd ");
                    Ipv4Address.appendTo(sb, a.broadcast()).append(' ');
                }
                sb.append("scope ").append(RouteScope.name(a.scope())).append(' ').append(d.name()).append('\n');
                sb.append("       valid_lft forever preferred_lft forever\n");
            }
        }
        return sb.toString();
    }

    /** {@code bridge link show}: one line per bridge port ({@code details} adds the port flags, as {@code -d}). */
    public static String bridgeLink(NetNamespace ns, boolean details) {
        StringBuilder sb = new StringBuilder();
        for (NetDevice d : ns.devices()) {
            Bridge br = d.master();
            if (br == null) {
                continue;
            }
            Bridge.Port port = br.port(d);
            sb.append(d.ifindex()).append(": ").append(d.name()).append(d.linkSuffix()).append(": ");
            flags(sb, d);
            sb.append(" mtu ").append(d.mtu()).append(" master ").append(br.name()).append(" state ")
                    .append(d.isUp() && carrier(d) ? "forwarding" : "disabled").append(" priority 32 cost 2 \n");
            if (details) {
                sb.append("    hairpin ").append(port.hairpin() ? "on" : "off").append(" guard off root_block off fastleave off")
                        .append(" learning ").append(port.learning() ? "on" : "off").append(" flood ")
                        .append(port.flood() ? "on" : "off").append(" mcast_flood on bcast_flood on mcast_router 1")
                        .append(" mcast_to_unicast off neigh_suppress off vlan_tunnel off isolated off \n");
            }
        }
        return sb.toString();
    }

    private static void header(StringBuilder sb, NetDevice d, boolean link) {
        sb.append(d.ifindex()).append(": ").append(d.name()).append(d.linkSuffix()).append(": ");
        flags(sb, d);
        sb.append(" mtu ").append(d.mtu()).append(" qdisc ").append(qdisc(d)).append(' ');
        if (d.master() != null) {
            sb.append("master ").append(d.master().name()).append(' ');
        }
        sb.append("state ").append(operState(d)).append(' ');
        if (link) {
            sb.append("mode DEFAULT ");
        }
        sb.append("group default ");
        int qlen = qlen(d);
        if (qlen > 0) {
            sb.append("qlen ").append(qlen);
        }
        sb.append('\n');
    }

    private static void linkLine(StringBuilder sb, NetDevice d) {
        sb.append("    link/").append(d.linkKind()).append(' ');
        MacAddress.appendTo(sb, d.mac()).append(" brd ");
        sb.append(d instanceof Loopback ? "00:00:00:00:00:00" : "ff:ff:ff:ff:ff:ff");
        if (d instanceof Veth v && v.peer().netns() != d.netns()) {
            sb.append(" link-netns ").append(v.peer().netns().name() == null ? v.peer().netns().node()
                    : v.peer().netns().name());
        }
        sb.append('\n');
    }

    private static void statistics(StringBuilder sb, NetDevice d) {
        sb.append("    RX:  bytes packets errors dropped  missed   mcast           \n");
        row(sb, d.rxBytes(), d.rxPackets(), 0, d.rxDropped(), 0, 0);
        sb.append("    TX:  bytes packets errors dropped carrier collsns           \n");
        row(sb, d.txBytes(), d.txPackets(), 0, d.txDropped(), 0, 0);
    }

    private static void row(StringBuilder sb, long... values) {
        // iproute2 size_columns: bytes right-aligned in 10, the others in 7 and 6/7, one blank between.
        sb.append("    ");
        int[] widths = {10, 7, 6, 7, 7, 7};
        for (int i = 0; i < values.length; i++) {
            String v = Long.toString(values[i]);
            for (int k = v.length(); k < widths[i]; k++) {
                sb.append(' ');
            }
            sb.append(v).append(' ');
        }
        sb.append('\n');
    }

    private static void flags(StringBuilder sb, NetDevice d) {
        sb.append('<');
        boolean carrier = carrier(d);
        if (d.isUp() && !carrier) {
            sb.append("NO-CARRIER,");
        }
        sb.append(d instanceof Loopback ? "LOOPBACK" : d.noArp() ? "POINTOPOINT,NOARP" : "BROADCAST,MULTICAST");
        if (d.isUp()) {
            sb.append(",UP");
            if (carrier) {
                sb.append(",LOWER_UP");
            }
        }
        sb.append('>');
    }

    /** The device has a carrier: a veth whose peer is up, a NIC on a wire, a bridge with a port up. */
    static boolean carrier(NetDevice d) {
        if (d instanceof Veth v) {
            return v.peer().isUp();
        }
        if (d instanceof Nic n) {
            return n.wire() != null;
        }
        if (d instanceof Bridge b) {
            for (Bridge.Port p : b.ports()) {
                if (p.dev().isUp() && carrier(p.dev())) {
                    return true;
                }
            }
            return false;
        }
        return true;
    }

    private static String operState(NetDevice d) {
        if (!d.isUp()) {
            return "DOWN";
        }
        if (d instanceof Loopback || d instanceof VxlanDevice) {
            return "UNKNOWN";
        }
        return carrier(d) ? "UP" : "DOWN";
    }

    private static String qdisc(NetDevice d) {
        if (!d.isUp()) {
            return "noop";
        }
        return d instanceof Nic ? "fq_codel" : "noqueue";
    }

    private static int qlen(NetDevice d) {
        return d instanceof VxlanDevice ? 0 : 1000;
    }
}
