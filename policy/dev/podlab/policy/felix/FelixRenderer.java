package dev.podlab.policy.felix;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.policy.Cidr;
import dev.podlab.policy.IpBlock;
import dev.podlab.policy.NetworkPolicy;
import dev.podlab.policy.Peer;
import dev.podlab.policy.PolicyEvaluator;
import dev.podlab.policy.PolicyPort;
import dev.podlab.policy.PolicyType;
import dev.podlab.policy.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Renders what Felix programs in one node's filter table and ipsets for the workloads on that
 * node (reference: networkpolicy.md Part B; Felix's {@code rules/static.go}, {@code endpoints.go},
 * {@code policy.go}):
 *
 * <pre>
 * FORWARD  -j cali-FORWARD; then "Policy explicitly accepted packet." on mark 0x10000
 * cali-FORWARD   clear marks; -i cali+ -j cali-from-wl-dispatch; -o cali+ -j cali-to-wl-dispatch
 * cali-from-wl-dispatch   -i caliX -g cali-fw-caliX ... "Unknown interface" DROP   (egress of the sender)
 * cali-to-wl-dispatch     -o caliX -g cali-tw-caliX ... "Unknown interface" DROP   (ingress of the receiver)
 * cali-INPUT     -i cali+ -g cali-wl-to-host (egress policy, then DefaultEndpointToHostAction ACCEPT)
 * cali-OUTPUT    -o cali+ -j RETURN (host to local pod: not policed)
 * cali-tw-caliX / cali-fw-caliX
 *     RELATED,ESTABLISHED ACCEPT; INVALID DROP; clear accept mark
 *     [policies selecting the pod] "Start of policies"; per policy -j cali-pi-/cali-po-...; "Return if
 *     policy accepted"; "Drop if no policies passed packet"
 *     profiles cali-pri-kns.NS / cali-pro-kns.NS (accept all) and ksa; "Drop if no profiles matched"
 * cali-pi-POLICY / cali-po-POLICY   per (peer x port) of each rule: matches -j MARK 0x10000, RETURN on it
 * </pre>
 *
 * Selectors become {@code cali40s:} sets ({@code hash:net}, pod IPs as /32), named ports
 * {@code cali40n:} sets ({@code hash:ip,port}), and an ipBlock's {@code except} list a
 * {@code cali40s:} {@code hash:net} set matched negated. Only what the node's endpoints use is
 * rendered, as Felix programs only active policies and sets.
 *
 * <p>With the {@code indexed} engine the policy and profile sections of each endpoint chain are
 * one {@code -m bpf --object-pinned} rule per direction: the pinned program is the indexed
 * classifier, which answers for every policy at once.
 */
final class FelixRenderer {
    static final String ACCEPT_MARK = "0x10000/0x10000";
    static final String PASS_MARK = "0x20000";
    static final String BPF_INGRESS = "/sys/fs/bpf/podlab/felix/ingress";
    static final String BPF_EGRESS = "/sys/fs/bpf/podlab/felix/egress";
    private static final int MAX_CHAIN_NAME = 28;

    /** An ipset: its type and members as {@code ipset restore} writes them. */
    record SetSpec(String type, TreeSet<String> members) {}

    /** One node's rendering: the chains (in order, rules without {@code -A CHAIN}) and the sets. */
    record NodeRules(LinkedHashMap<String, List<String>> chains, TreeMap<String, SetSpec> sets) {}

    private final FelixModel model;
    private final boolean indexed;
    private final Map<String, TreeSet<String>> selectorMembers = new HashMap<>();

    FelixRenderer(FelixModel model, boolean indexed) {
        this.model = model;
        this.indexed = indexed;
    }

    /** The static chains and the top-level jumps, rendered once per node. */
    static List<String> baseChains() {
        return List.of("cali-FORWARD", "cali-INPUT", "cali-OUTPUT", "cali-wl-to-host", "cali-from-hep-forward",
                "cali-to-hep-forward", "cali-cidr-block", "cali-from-host-endpoint", "cali-to-host-endpoint");
    }

    NodeRules render(String node) {
        LinkedHashMap<String, List<String>> chains = new LinkedHashMap<>();
        TreeMap<String, SetSpec> sets = new TreeMap<>();
        List<FelixModel.Workload> local = new ArrayList<>();
        for (FelixModel.Workload w : model.workloads) {
            if (w.pod().node().equals(node) && w.iface() != null) {
                local.add(w);
            }
        }
        local.sort((a, b) -> a.iface().compareTo(b.iface()));

        chain(chains, "cali-FORWARD",
                "-j MARK --set-xmark 0x0/0xe0000",
                "-m mark --mark 0x0/0x10000 -j cali-from-hep-forward",
                "-i cali+ -j cali-from-wl-dispatch",
                "-o cali+ -j cali-to-wl-dispatch",
                "-j cali-to-hep-forward",
                "-j cali-cidr-block");
        chain(chains, "cali-INPUT",
                "-i cali+ -g cali-wl-to-host",
                "-m mark --mark " + ACCEPT_MARK + " -j ACCEPT",
                "-j MARK --set-xmark 0x0/0xf0000",
                "-j cali-from-host-endpoint",
                "-m comment --comment \"Host endpoint policy accepted packet.\" -m mark --mark " + ACCEPT_MARK
                        + " -j ACCEPT");
        chain(chains, "cali-OUTPUT",
                "-m mark --mark " + ACCEPT_MARK + " -j ACCEPT",
                "-o cali+ -j RETURN",
                "-j MARK --set-xmark 0x0/0xf0000",
                "-m conntrack ! --ctstate DNAT -j cali-to-host-endpoint",
                "-m comment --comment \"Host endpoint policy accepted packet.\" -m mark --mark " + ACCEPT_MARK
                        + " -j ACCEPT");
        chain(chains, "cali-wl-to-host",
                "-j cali-from-wl-dispatch",
                "-m comment --comment \"Configured DefaultEndpointToHostAction\" -j ACCEPT");
        for (String empty : List.of("cali-from-hep-forward", "cali-to-hep-forward", "cali-cidr-block",
                "cali-from-host-endpoint", "cali-to-host-endpoint")) {
            chain(chains, empty);
        }
        List<String> from = new ArrayList<>();
        List<String> to = new ArrayList<>();
        for (FelixModel.Workload w : local) {
            from.add("-i " + w.iface() + " -g cali-fw-" + w.iface());
            to.add("-o " + w.iface() + " -g cali-tw-" + w.iface());
        }
        from.add("-m comment --comment \"Unknown interface\" -j DROP");
        to.add("-m comment --comment \"Unknown interface\" -j DROP");
        chains.put("cali-from-wl-dispatch", from);
        chains.put("cali-to-wl-dispatch", to);

        Map<String, List<String>> policyChains = new TreeMap<>();
        Map<String, List<String>> profileChains = new TreeMap<>();
        for (FelixModel.Workload w : local) {
            chains.put("cali-tw-" + w.iface(), endpoint(w, PolicyType.Ingress, policyChains, profileChains, sets));
            chains.put("cali-fw-" + w.iface(), endpoint(w, PolicyType.Egress, policyChains, profileChains, sets));
        }
        chains.putAll(policyChains);
        chains.putAll(profileChains);
        return new NodeRules(chains, sets);
    }

    private static void chain(Map<String, List<String>> chains, String name, String... rules) {
        chains.put(name, List.of(rules));
    }

    /** {@code cali-tw-IF} (ingress) or {@code cali-fw-IF} (egress) of one workload. */
    private List<String> endpoint(FelixModel.Workload w, PolicyType direction, Map<String, List<String>> policyChains,
            Map<String, List<String>> profileChains, TreeMap<String, SetSpec> sets) {
        boolean ingress = direction == PolicyType.Ingress;
        List<String> r = new ArrayList<>();
        r.add("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        r.add("-m conntrack --ctstate INVALID -j DROP");
        r.add("-j MARK --set-xmark 0x0/0x10000");
        if (!ingress) {
            // calico.md 5.3: encapsulated packets from workloads are dropped.
            r.add("-p udp -m comment --comment \"Drop VXLAN encapped packets originating in workloads\" "
                    + "-m multiport --dports 4789 -j DROP");
            r.add("-p ipencap -m comment --comment \"Drop IPinIP encapped packets originating in workloads\" -j DROP");
        }
        if (indexed) {
            r.add("-m comment --comment \"Start of policies\" -j MARK --set-xmark 0x0/" + PASS_MARK);
            r.add("-m bpf --object-pinned " + (ingress ? BPF_INGRESS : BPF_EGRESS) + " -j MARK --set-xmark "
                    + ACCEPT_MARK);
            r.add("-m comment --comment \"Return if policy accepted\" -m mark --mark " + ACCEPT_MARK + " -j RETURN");
            r.add("-m comment --comment \"Drop if no policies passed packet\" -j DROP");
            return r;
        }
        List<NetworkPolicy> selecting = model.selecting(w.pod(), direction);
        if (!selecting.isEmpty()) {
            r.add("-m comment --comment \"Start of policies\" -j MARK --set-xmark 0x0/" + PASS_MARK);
            for (NetworkPolicy p : selecting) {
                String name = policyChainName(p, direction);
                policyChains.computeIfAbsent(name, n -> policyChain(p, direction, sets));
                r.add("-m mark --mark 0x0/" + PASS_MARK + " -j " + name);
                r.add("-m comment --comment \"Return if policy accepted\" -m mark --mark " + ACCEPT_MARK + " -j RETURN");
            }
            r.add("-m comment --comment \"Drop if no policies passed packet\" -m mark --mark 0x0/" + PASS_MARK
                    + " -j DROP");
        }
        String ns = w.pod().namespace();
        String kns = (ingress ? "cali-pri-" : "cali-pro-") + "kns." + ns;
        String ksa = (ingress ? "cali-pri-" : "cali-pro-") + "ksa." + ns + ".default";
        profileChains.put(kns, List.of("-j MARK --set-xmark " + ACCEPT_MARK,
                "-m mark --mark " + ACCEPT_MARK + " -j RETURN"));
        profileChains.put(limit(ksa), List.of());
        r.add("-j " + kns);
        r.add("-m comment --comment \"Return if profile accepted\" -m mark --mark " + ACCEPT_MARK + " -j RETURN");
        r.add("-j " + limit(ksa));
        r.add("-m comment --comment \"Return if profile accepted\" -m mark --mark " + ACCEPT_MARK + " -j RETURN");
        r.add("-m comment --comment \"Drop if no profiles matched\" -j DROP");
        return r;
    }

    /** {@code cali-pi-} / {@code cali-po-} + the Calico policy's name, or {@code _} + a hash when too long. */
    static String policyChainName(NetworkPolicy p, PolicyType direction) {
        String prefix = direction == PolicyType.Ingress ? "cali-pi-" : "cali-po-";
        String id = "default/" + p.namespace() + "/knp.default." + p.name();
        String name = prefix + id;
        return name.length() <= MAX_CHAIN_NAME ? name : prefix + "_" + CalicoSelectors.hash(id, MAX_CHAIN_NAME - 9);
    }

    private static String limit(String chain) {
        return chain.length() <= MAX_CHAIN_NAME ? chain
                : chain.substring(0, 9) + "_" + CalicoSelectors.hash(chain, MAX_CHAIN_NAME - 10);
    }

    /** The rules of one policy in one direction: per rule, per (peer x port), mark and return. */
    private List<String> policyChain(NetworkPolicy p, PolicyType direction, TreeMap<String, SetSpec> sets) {
        boolean ingress = direction == PolicyType.Ingress;
        String peerDir = ingress ? "src" : "dst";
        List<String> out = new ArrayList<>();
        for (Rule rule : p.rules(direction)) {
            List<Peer> peers = rule.allPeers() ? java.util.Collections.singletonList(null) : rule.peers();
            List<PolicyPort> ports = rule.allPorts() ? java.util.Collections.singletonList(null) : rule.ports();
            for (Peer peer : peers) {
                for (PolicyPort port : ports) {
                    StringBuilder m = new StringBuilder();
                    if (port != null) {
                        m.append("-p ").append(port.protocol().name().toLowerCase(Locale.ROOT)).append(' ');
                    }
                    if (peer != null && peer.isIpBlock()) {
                        ipBlock(m, peer.ipBlock(), ingress, sets);
                    } else if (peer != null && !(port != null && port.isNamed() && !ingress)) {
                        String set = selectorSet(CalicoSelectors.peer(p.namespace(), peer), p.namespace(), peer, sets);
                        m.append("-m set --match-set ").append(set).append(' ').append(peerDir).append(' ');
                    }
                    if (port != null && port.isNamed()) {
                        // The named port's set holds (IP, port) of the destination pods: the policy's
                        // own pods for ingress, the rule's peers (all pods when none) for egress.
                        String set = namedPortSet(p, port, ingress || peer == null || peer.isIpBlock() ? null : peer, ingress,
                                sets);
                        m.append("-m set --match-set ").append(set).append(" dst,dst ");
                    } else if (port != null && !port.isAnyPort()) {
                        m.append("-m multiport --dports ").append(port.port());
                        if (port.lastPort() != port.port()) {
                            m.append(':').append(port.lastPort());
                        }
                        m.append(' ');
                    }
                    out.add(m + "-j MARK --set-xmark " + ACCEPT_MARK);
                    out.add("-m mark --mark " + ACCEPT_MARK + " -j RETURN");
                }
            }
        }
        return out;
    }

    private void ipBlock(StringBuilder m, IpBlock block, boolean ingress, TreeMap<String, SetSpec> sets) {
        if (block.cidr().prefixLength() > 0) {
            m.append(ingress ? "-s " : "-d ").append(block.cidr()).append(' ');
        }
        if (!block.except().isEmpty()) {
            TreeSet<String> members = new TreeSet<>();
            for (Cidr c : block.except()) {
                members.add(c.toString());
            }
            String name = "cali40s:" + CalicoSelectors.hash("notNets:" + members, 23);
            sets.put(name, new SetSpec("hash:net", members));
            m.append("-m set ! --match-set ").append(name).append(ingress ? " src " : " dst ");
        }
    }

    /** The {@code cali40s:} set of a selector peer: the IPs of every pod it selects, cluster-wide. */
    private String selectorSet(String selector, String policyNamespace, Peer peer, TreeMap<String, SetSpec> sets) {
        String name = "cali40s:" + CalicoSelectors.hash(selector, 23);
        TreeSet<String> members = selectorMembers.computeIfAbsent(selector, s -> {
            TreeSet<String> ips = new TreeSet<>();
            for (FelixModel.Workload w : model.workloads) {
                if (peerSelects(policyNamespace, peer, w.pod())) {
                    ips.add(Cidr.formatAddress(w.pod().ip()));
                }
            }
            return ips;
        });
        sets.put(name, new SetSpec("hash:net", members));
        return name;
    }

    private boolean peerSelects(String policyNamespace, Peer peer, PolicyEvaluator.Pod pod) {
        if (peer.namespaceSelector() == null) {
            if (!pod.namespace().equals(policyNamespace)) {
                return false;
            }
        } else if (!peer.namespaceSelector().matches(model.namespaceLabels(pod.namespace()))) {
            return false;
        }
        return peer.podSelector() == null || peer.podSelector().matches(pod.labels());
    }

    /** The {@code cali40n:} set of a named port: {@code IP,proto:port} of each destination pod that declares it. */
    private String namedPortSet(NetworkPolicy p, PolicyPort port, Peer egressPeer, boolean ingress,
            TreeMap<String, SetSpec> sets) {
        String proto = port.protocol().name();
        String selector = ingress ? CalicoSelectors.applied(p)
                : egressPeer == null ? "all()" : CalicoSelectors.peer(p.namespace(), egressPeer);
        String name = "cali40n:" + CalicoSelectors.hash(port.name() + "/" + proto + "/" + selector, 23);
        TreeSet<String> members = new TreeSet<>();
        for (FelixModel.Workload w : model.workloads) {
            PolicyEvaluator.Pod pod = w.pod();
            boolean selected = ingress ? pod.namespace().equals(p.namespace()) && p.podSelector().matches(pod.labels())
                    : egressPeer == null || peerSelects(p.namespace(), egressPeer, pod);
            ContainerPort cp = selected ? FelixModel.namedPort(pod, port.name(), proto) : null;
            if (cp != null) {
                members.add(Cidr.formatAddress(pod.ip()) + "," + proto.toLowerCase(Locale.ROOT) + ":" + cp.port());
            }
        }
        sets.put(name, new SetSpec("hash:ip,port", members));
        return name;
    }
}
