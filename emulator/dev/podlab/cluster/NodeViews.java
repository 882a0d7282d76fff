package dev.podlab.cluster;

import dev.podlab.cluster.model.TopologyException;
import dev.podlab.net.Bridge;
import dev.podlab.net.LinkViews;
import dev.podlab.net.NetDevice;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.VxlanDevice;
import java.util.List;

/**
 * A node's or a pod's state as the real tools print it: {@code routes} ({@code ip route}),
 * {@code neigh} ({@code ip neigh}), {@code fdb} ({@code bridge fdb}), {@code links}
 * ({@code ip link}), {@code addr} ({@code ip addr}), {@code bridge} ({@code bridge link}),
 * {@code iptables} ({@code iptables-save}), {@code ipsets} ({@code ipset save}), {@code conntrack}
 * ({@code conntrack -L}), {@code counters} ({@code ip -s link}).
 */
public final class NodeViews {
    public static final List<String> VIEWS = List.of("routes", "neigh", "fdb", "links", "addr", "bridge", "iptables",
            "ipsets", "conntrack", "counters");

    private NodeViews() {}

    /** The view of {@code target}: a node name or a pod as NAMESPACE/POD. */
    public static String show(Cluster cluster, String target, String view) {
        ClusterNode node = cluster.node(target);
        ClusterPod pod = node == null ? cluster.pod(target) : null;
        if (node == null && pod == null) {
            throw new TopologyException(null, "show: \"" + target + "\" is neither a node nor a pod (write NODE or NAMESPACE/POD)");
        }
        NetNamespace ns = node != null ? node.netns() : pod.netns();
        long now = cluster.sim().now();
        return switch (view) {
            case "routes" -> ns.routes().show();
            case "neigh" -> ns.arp().show();
            case "fdb" -> fdb(ns, now);
            case "links" -> LinkViews.ipLink(ns, false);
            case "addr" -> LinkViews.ipAddr(ns);
            case "bridge" -> LinkViews.bridgeLink(ns, false);
            case "counters" -> LinkViews.ipLink(ns, true);
            case "iptables" -> node == null ? "" : node.netfilter().iptables().save(
                    "Thu Jan  1 00:00:00 1970");
            case "ipsets" -> node == null ? "" : node.netfilter().iptables().ipsets().save();
            case "conntrack" -> node == null ? "" : node.netfilter().conntrackList();
            default -> throw new TopologyException(null, "show: unknown view \"" + view + "\": one of " + VIEWS);
        };
    }

    /** {@code bridge fdb show}: the bridges' entries, then the VXLAN devices' {@code self} entries. */
    private static String fdb(NetNamespace ns, long now) {
        StringBuilder sb = new StringBuilder();
        for (NetDevice d : ns.devices()) {
            if (d instanceof Bridge b) {
                sb.append(b.fdb().show(now));
            }
        }
        for (NetDevice d : ns.devices()) {
            if (d instanceof VxlanDevice v) {
                sb.append(v.fdb().show());
            }
        }
        return sb.toString();
    }
}
