package dev.podlab.policy;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.model.NetworkPolicySpec;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.net.NetNamespace;
import dev.podlab.policy.PolicyEvaluator.Endpoint;
import dev.podlab.policy.PolicyEvaluator.Explanation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A cluster's state as the policy engine sees it, taken at one moment: its namespaces with their
 * labels, its pods with their current labels, IPs, nodes and container ports, every address of
 * each node's root namespace (traffic from any of them is the node's own), and its NetworkPolicies
 * parsed and validated. A policy the API server would refuse is skipped with a warning, as it
 * would never have reached a cluster. Take a new one after the cluster changed (a lab's apply,
 * label or delete step).
 */
public final class ClusterPolicies {
    private final List<NamespaceSpec> namespaces;
    private final Map<String, PolicyEvaluator.Pod> pods = new LinkedHashMap<>();
    private final List<PolicyEvaluator.Node> nodes = new ArrayList<>();
    private final List<NetworkPolicy> policies = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final PolicyEvaluator evaluator;

    private ClusterPolicies(Cluster cluster) {
        this.namespaces = List.copyOf(cluster.namespaces().values());
        for (ClusterPod p : cluster.pods()) {
            if (p.ip() == 0) {
                continue; // not attached: no address for a policy to see
            }
            pods.put(p.name(), podOf(p));
        }
        for (ClusterNode n : cluster.nodes()) {
            List<Integer> addresses = new ArrayList<>();
            for (NetNamespace.Address a : n.netns().addresses()) {
                addresses.add(a.local());
            }
            if (!addresses.contains(n.address())) {
                addresses.add(n.address());
            }
            nodes.add(new PolicyEvaluator.Node(n.name(), addresses));
        }
        for (NetworkPolicySpec spec : cluster.networkPolicies()) {
            try {
                policies.add(NetworkPolicies.parse(spec));
            } catch (TopologyException e) {
                warnings.add(e.getMessage() + " (skipped, as the API server would refuse it)");
            }
        }
        this.evaluator = new PolicyEvaluator(namespaces, List.copyOf(pods.values()), nodes, policies);
    }

    /** A cluster pod as policies see it: its current labels, IP, node and container ports. */
    public static PolicyEvaluator.Pod podOf(ClusterPod p) {
        return new PolicyEvaluator.Pod(p.spec().namespace(), p.spec().name(), p.labels(), p.ip(), p.node().name(),
                p.spec().ports());
    }

    /** The cluster's policy state now. */
    public static ClusterPolicies of(Cluster cluster) {
        return new ClusterPolicies(cluster);
    }

    public PolicyEvaluator evaluator() {
        return evaluator;
    }

    /** The valid policies, in the cluster's order. */
    public List<NetworkPolicy> policies() {
        return List.copyOf(policies);
    }

    /** One line per policy skipped as invalid. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    public List<NamespaceSpec> namespaces() {
        return namespaces;
    }

    /** The pods that have an address, in the cluster's order. */
    public List<PolicyEvaluator.Pod> pods() {
        return List.copyOf(pods.values());
    }

    public List<PolicyEvaluator.Node> nodes() {
        return List.copyOf(nodes);
    }

    /** The pod {@code namespace/name}, or null. */
    public PolicyEvaluator.Pod pod(String qualifiedName) {
        return pods.get(qualifiedName);
    }

    /**
     * {@code NS/POD} or an IPv4 address (a pod's IP is that pod); {@code option} names the input
     * in the error, which is one line.
     */
    public Endpoint endpoint(String text, String option) {
        PolicyEvaluator.Pod pod = pods.get(text);
        if (pod != null) {
            return Endpoint.of(pod);
        }
        long address = Cidr.parseAddress(text);
        if (address >= 0) {
            return evaluator.endpoint((int) address);
        }
        List<String> known = new ArrayList<>(pods.keySet());
        known.sort(null);
        throw new TopologyException(null, option + ": \"" + text + "\" is neither a pod (NAMESPACE/POD) nor an IPv4"
                + " address (pods: " + String.join(", ", known.subList(0, Math.min(9, known.size())))
                + (known.size() > 9 ? ", ..." : "") + ")");
    }

    /** {@code tcp}, {@code udp} or {@code sctp}, any case; one line naming {@code option} otherwise. */
    public static Protocol protocol(String text, String option) {
        Protocol p = text == null ? Protocol.TCP : Protocol.byName(text.toUpperCase(Locale.ROOT));
        if (p == null) {
            throw new TopologyException(null, option + ": Unsupported value: \"" + text
                    + "\": supported values: \"tcp\", \"udp\", \"sctp\"");
        }
        return p;
    }

    /**
     * Explains a connection given as the command line writes it: {@code port} 0 is the destination
     * pod's first container port of the protocol (80 when it has none, or is no pod).
     */
    public Explanation explain(String from, String to, int port, String proto) {
        Endpoint source = endpoint(from, "--from");
        Endpoint destination = endpoint(to, "--to");
        Protocol protocol = protocol(proto, "--proto");
        if (port < 0 || port > 65535) {
            throw new TopologyException(null, "--port: Invalid value: " + port + ": must be between 1 and 65535, inclusive");
        }
        if (port == 0) {
            port = 80;
            if (destination.isPod()) {
                for (ContainerPort cp : destination.pod().ports()) {
                    if (cp.protocol().equalsIgnoreCase(protocol.name())) {
                        port = cp.port();
                        break;
                    }
                }
            }
        }
        return evaluator.explain(source, destination, protocol, port);
    }

    /** The explanation in words, with each rule considered where a side denies: see {@link ExplanationText}. */
    public String describe(Explanation e) {
        return new ExplanationText(this).format(e);
    }

    /**
     * The explanation as one JSON object, for scripts: {@code {"allowed", "from", "fromAddress",
     * "to", "toAddress", "protocol", "port", "egress", "ingress"}} (from/to: the pod, or the
     * address when it is no pod's), each side {@code {"pod", "selectedBy",
     * "reason", "passes", "allowedBy"}} with {@code allowedBy} null or {@code {"policy",
     * "direction", "rule", "peer", "port"}} (indexes into the policy's rules, the rule's peers
     * and ports; -1 when the rule has none, so all match). {@code reason} is the evaluator's
     * reason name ({@code NOT_ISOLATED}, {@code NO_RULE_MATCHES_PORT}, ...).
     */
    public String json(Explanation e) {
        StringBuilder sb = new StringBuilder();
        dev.podlab.trace.JsonWriter w = new dev.podlab.trace.JsonWriter(sb).beginObject()
                .name("allowed").value(e.allowed())
                .name("from").value(name(e.source())).name("fromAddress").value(Cidr.formatAddress(e.source().address()))
                .name("to").value(name(e.destination())).name("toAddress").value(Cidr.formatAddress(e.destination().address()))
                .name("protocol").value(e.protocol() == null ? "ICMP" : e.protocol().name())
                .name("port").value(e.port());
        side(w.name("egress"), e.egress());
        side(w.name("ingress"), e.ingress());
        w.endObject();
        return sb.toString();
    }

    private static String name(Endpoint e) {
        return e.isPod() ? e.pod().qualifiedName() : Cidr.formatAddress(e.address());
    }

    private static void side(dev.podlab.trace.JsonWriter w, PolicyEvaluator.Side s) {
        w.beginObject().name("pod");
        if (s.pod() == null) {
            w.nullValue();
        } else {
            w.value(s.pod().qualifiedName());
        }
        w.name("selectedBy").beginArray();
        for (NetworkPolicy p : s.selecting()) {
            w.value(p.qualifiedName());
        }
        w.endArray().name("reason").value(s.reason().name()).name("passes").value(s.passes()).name("allowedBy");
        PolicyEvaluator.RuleMatch m = s.allowedBy();
        if (m == null) {
            w.nullValue();
        } else {
            w.beginObject().name("policy").value(m.policy().qualifiedName())
                    .name("direction").value(m.direction().name())
                    .name("rule").value(m.rule()).name("peer").value(m.peer()).name("port").value(m.port())
                    .endObject();
        }
        w.endObject();
    }
}
