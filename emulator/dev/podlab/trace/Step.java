package dev.podlab.trace;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The stage of the packet path that produced a trace event, named the way a kernel hacker would
 * name it. An open set: the constants here are the stages known so far, and any component may
 * define its own with {@link #of(String)} (lower-case words joined by dashes), so adding a stage
 * never requires editing this class. Steps compare by name.
 *
 * @param name the step's name as printed in traces
 */
public record Step(String name) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(?:[-.][a-z0-9]+)*");

    /** IPv4 forwarding decision ({@code ip_forward}). */
    public static final Step IP_FORWARD = new Step("ip-forward");
    /** IPv4 output after routing ({@code ip_finish_output}). */
    public static final Step IP_OUTPUT = new Step("ip-output");
    /** IPv4 fragmentation ({@code ip_do_fragment}). */
    public static final Step IP_FRAGMENT = new Step("ip-fragment");
    /** IPv4 reassembly ({@code ip_defrag}). */
    public static final Step IP_DEFRAG = new Step("ip-defrag");
    /** Netfilter hooks run by a bridge for switched frames (br_netfilter). */
    public static final Step NF_BRIDGE = new Step("nf-bridge");

    /** A frame was put on a link (serialization started or queued). */
    public static final Step LINK_TX = new Step("link-tx");
    /** A frame arrived over a link. */
    public static final Step LINK_RX = new Step("link-rx");
    /** A device received a frame ({@code __netif_receive_skb}). */
    public static final Step DEV_RX = new Step("dev-rx");
    /** A device transmitted a frame ({@code dev_queue_xmit}). */
    public static final Step DEV_TX = new Step("dev-tx");
    /** Bridge forwarding database lookup ({@code br_fdb_find}). */
    public static final Step FDB_LOOKUP = new Step("fdb-lookup");
    /** IPv4 route lookup ({@code fib_lookup}). */
    public static final Step ROUTE_LOOKUP = new Step("route-lookup");
    /** Neighbour (ARP) resolution ({@code neigh_resolve_output}). */
    public static final Step NEIGH_LOOKUP = new Step("neigh-lookup");
    /** Netfilter PREROUTING hook ({@code NF_INET_PRE_ROUTING}). */
    public static final Step NF_PREROUTING = new Step("nf-prerouting");
    /** Netfilter INPUT hook. */
    public static final Step NF_INPUT = new Step("nf-input");
    /** Netfilter FORWARD hook. */
    public static final Step NF_FORWARD = new Step("nf-forward");
    /** Netfilter OUTPUT hook. */
    public static final Step NF_OUTPUT = new Step("nf-output");
    /** Netfilter POSTROUTING hook. */
    public static final Step NF_POSTROUTING = new Step("nf-postrouting");
    /** Connection tracking lookup or insertion ({@code nf_conntrack_in}). */
    public static final Step CONNTRACK = new Step("conntrack");
    /** Tunnel encapsulation (VXLAN, IPIP). */
    public static final Step ENCAP = new Step("encap");
    /** Tunnel decapsulation. */
    public static final Step DECAP = new Step("decap");
    /** Delivery to a local socket ({@code ip_local_deliver}). */
    public static final Step LOCAL_DELIVER = new Step("local-deliver");

    public Step {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("step name must be lower-case words joined by '-' or '.', got \"" + name + "\"");
        }
    }

    /** The step named {@code name}. */
    public static Step of(String name) {
        return new Step(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
