package dev.podlab.policy;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NamespaceSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reference evaluation of NetworkPolicy: a direct reading of the API semantics (reference
 * Part A, decision procedure of Part D, steps 2 to 4), with no index and no caching, for the
 * compiled engines to be checked against. It judges the first packet of a connection; replies of
 * an allowed connection are conntrack's business (step 1).
 *
 * <p>A connection is allowed when the egress side and the ingress side both let it pass:
 * <ul>
 * <li>egress, at the source: not a pod, or no policy of its namespace selects it with
 *     {@code Egress} in its policyTypes, or some egress rule of such a policy matches
 *     (peer = the destination, port = the destination port);
 * <li>ingress, at the destination: not a pod, or not isolated for ingress, or the source is an
 *     address of the destination pod's own node, or some ingress rule matches (peer = the source);
 * <li>a pod talking to itself passes both sides.
 * </ul>
 * A rule matches when its peer list is empty or one peer matches, and its port list is empty or
 * one port entry matches. Peers are matched by what the address belongs to: a pod's IP is that
 * pod (for selectors) and also an address (for {@code ipBlock}, which matches pods too).
 */
public final class PolicyEvaluator {
    /** The label the control plane puts on every namespace. */
    public static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    /** A pod as policies see it: labels, IP, node, and its container ports (for named ports). */
    public record Pod(String namespace, String name, Map<String, String> labels, int ip, String node,
            List<ContainerPort> ports) {
        public Pod {
            labels = Map.copyOf(labels);
            ports = List.copyOf(ports);
        }

        public String qualifiedName() {
            return namespace + "/" + name;
        }

        @Override
        public String toString() {
            return qualifiedName() + " (" + Cidr.formatAddress(ip) + ")";
        }
    }

    /** A node and its addresses (underlay, tunnel, bridge...): traffic from any of them is its own. */
    public record Node(String name, List<Integer> addresses) {
        public Node {
            addresses = List.copyOf(addresses);
        }
    }

    /** One end of a connection: a pod (its IP is {@code address}), or an address that is no pod's. */
    public record Endpoint(int address, Pod pod) {
        public static Endpoint of(Pod pod) {
            return new Endpoint(pod.ip(), pod);
        }

        public boolean isPod() {
            return pod != null;
        }

        @Override
        public String toString() {
            return pod != null ? "pod " + pod : Cidr.formatAddress(address);
        }
    }

    /** Why one side lets a connection pass or not. */
    public enum Reason {
        NOT_A_POD(true, "not a pod, no policy applies"),
        SELF(true, "a pod talking to itself is always allowed"),
        FROM_OWN_NODE(true, "traffic from the pod's own node is always allowed"),
        NOT_ISOLATED(true, "no policy selects the pod for this direction: not isolated"),
        ALLOWED_BY_RULE(true, "allowed by a rule"),
        NO_RULES(false, "isolated, and the selecting policies have no rules for this direction"),
        NO_RULE_MATCHES_PEER(false, "isolated, and no rule matches the peer"),
        NO_RULE_MATCHES_PROTOCOL(false, "isolated, and no rule that matches the peer allows the protocol"),
        NO_RULE_MATCHES_PORT(false, "isolated, and no rule that matches the peer allows the port");

        private final boolean passes;
        private final String text;

        Reason(boolean passes, String text) {
            this.passes = passes;
            this.text = text;
        }

        public boolean passes() {
            return passes;
        }

        public String text() {
            return text;
        }
    }

    /**
     * The rule that let a connection through: {@code peer} and {@code port} are indexes in the
     * rule's lists, -1 when the list is empty (all peers, all ports).
     */
    public record RuleMatch(NetworkPolicy policy, PolicyType direction, int rule, int peer, int port) {
        @Override
        public String toString() {
            String rules = direction == PolicyType.Ingress ? "ingress" : "egress";
            String peers = direction == PolicyType.Ingress ? "from" : "to";
            return policy.qualifiedName() + " " + rules + "[" + rule + "]"
                    + (peer < 0 ? " (all peers)" : " " + peers + "[" + peer + "]")
                    + (port < 0 ? " (all ports)" : " ports[" + port + "]");
        }
    }

    /** One side's verdict: the pod it concerns (null if none), the policies selecting it, and why. */
    public record Side(PolicyType direction, Pod pod, List<NetworkPolicy> selecting, Reason reason, RuleMatch allowedBy) {
        public Side {
            selecting = List.copyOf(selecting);
        }

        public boolean passes() {
            return reason.passes();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(direction == PolicyType.Ingress ? "ingress" : "egress");
            if (pod != null) {
                sb.append(" at ").append(pod.qualifiedName());
            }
            if (!selecting.isEmpty()) {
                sb.append(", selected by");
                for (NetworkPolicy p : selecting) {
                    sb.append(' ').append(p.qualifiedName());
                }
            }
            sb.append(": ").append(passes() ? "pass" : "DENY").append(" (").append(reason.text());
            if (allowedBy != null) {
                sb.append(": ").append(allowedBy);
            }
            return sb.append(')').toString();
        }
    }

    /** The verdict on a connection with both sides' reasons, as {@code podlab explain} prints it. */
    public record Explanation(Endpoint source, Endpoint destination, Protocol protocol, int port, Side egress,
            Side ingress) {
        public boolean allowed() {
            return egress.passes() && ingress.passes();
        }

        @Override
        public String toString() {
            return source + " -> " + destination + " " + protocol + "/" + port + ": "
                    + (allowed() ? "allowed" : "denied") + "\n  " + egress + "\n  " + ingress;
        }
    }

    private final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
    private final Map<Integer, Pod> podsByIp = new HashMap<>();
    private final Map<String, Set<Integer>> nodeAddresses = new HashMap<>();
    private final List<NetworkPolicy> policies;

    /**
     * @param namespaces the namespaces with their labels; a pod's namespace missing here has only
     *                   its {@code kubernetes.io/metadata.name} label
     * @param pods       every pod (not hostNetwork ones: their traffic is node traffic)
     * @param nodes      every node with its addresses
     * @param policies   every policy, validated
     */
    public PolicyEvaluator(List<NamespaceSpec> namespaces, List<Pod> pods, List<Node> nodes,
            List<NetworkPolicy> policies) {
        for (NamespaceSpec ns : namespaces) {
            Map<String, String> labels = new HashMap<>(ns.labels());
            labels.put(NAMESPACE_NAME_LABEL, ns.name());
            namespaceLabels.put(ns.name(), Map.copyOf(labels));
        }
        for (Pod p : pods) {
            podsByIp.put(p.ip(), p);
        }
        for (Node n : nodes) {
            nodeAddresses.put(n.name(), Set.copyOf(n.addresses()));
        }
        this.policies = List.copyOf(policies);
    }

    /** The endpoint an address is: the pod that has it, or a bare address. */
    public Endpoint endpoint(int address) {
        return new Endpoint(address, podsByIp.get(address));
    }

    public boolean allowed(Endpoint source, Endpoint destination, Protocol protocol, int port) {
        return explain(source, destination, protocol, port).allowed();
    }

    public boolean allowed(Pod source, Pod destination, Protocol protocol, int port) {
        return allowed(Endpoint.of(source), Endpoint.of(destination), protocol, port);
    }

    public Explanation explain(Endpoint source, Endpoint destination, Protocol protocol, int port) {
        boolean self = source.isPod() && source.pod().equals(destination.pod());
        Side egress = side(PolicyType.Egress, source.pod(), destination, destination.pod(), protocol, port, self, false);
        boolean fromOwnNode = !source.isPod() && destination.isPod()
                && nodeAddresses.getOrDefault(destination.pod().node(), Set.of()).contains(source.address());
        Side ingress = side(PolicyType.Ingress, destination.pod(), source, destination.pod(), protocol, port, self,
                fromOwnNode);
        return new Explanation(source, destination, protocol, port, egress, ingress);
    }

    /** The policies of the pod's namespace that select it and isolate it in {@code direction}. */
    public List<NetworkPolicy> selecting(Pod pod, PolicyType direction) {
        List<NetworkPolicy> out = new ArrayList<>();
        for (NetworkPolicy p : policies) {
            if (p.namespace().equals(pod.namespace()) && p.isolates(direction) && p.podSelector().matches(pod.labels())) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * One side of the check: {@code pod} is the pod the policies are applied to (the source for
     * egress, the destination for ingress), {@code peer} the other end, {@code target} the
     * destination pod (for named ports), null when the destination is no pod.
     */
    private Side side(PolicyType direction, Pod pod, Endpoint peer, Pod target, Protocol protocol, int port,
            boolean self, boolean fromOwnNode) {
        if (pod == null) {
            return new Side(direction, null, List.of(), Reason.NOT_A_POD, null);
        }
        List<NetworkPolicy> selecting = selecting(pod, direction);
        if (self) {
            return new Side(direction, pod, selecting, Reason.SELF, null);
        }
        if (selecting.isEmpty()) {
            return new Side(direction, pod, selecting, Reason.NOT_ISOLATED, null);
        }
        if (fromOwnNode) {
            return new Side(direction, pod, selecting, Reason.FROM_OWN_NODE, null);
        }
        boolean anyRule = false;
        boolean peerMatched = false;
        boolean protocolMatched = false;
        for (NetworkPolicy policy : selecting) {
            List<Rule> rules = policy.rules(direction);
            for (int r = 0; r < rules.size(); r++) {
                anyRule = true;
                Rule rule = rules.get(r);
                int peerIndex = matchingPeer(policy, rule, peer);
                if (peerIndex == NO_MATCH) {
                    continue;
                }
                peerMatched = true;
                if (rule.allPorts()) {
                    return new Side(direction, pod, selecting, Reason.ALLOWED_BY_RULE,
                            new RuleMatch(policy, direction, r, peerIndex, -1));
                }
                for (int i = 0; i < rule.ports().size(); i++) {
                    PolicyPort entry = rule.ports().get(i);
                    if (entry.protocol() != protocol) {
                        continue;
                    }
                    protocolMatched = true;
                    if (portMatches(entry, target, port)) {
                        return new Side(direction, pod, selecting, Reason.ALLOWED_BY_RULE,
                                new RuleMatch(policy, direction, r, peerIndex, i));
                    }
                }
            }
        }
        Reason why = !anyRule ? Reason.NO_RULES
                : !peerMatched ? Reason.NO_RULE_MATCHES_PEER
                : !protocolMatched ? Reason.NO_RULE_MATCHES_PROTOCOL
                : Reason.NO_RULE_MATCHES_PORT;
        return new Side(direction, pod, selecting, why, null);
    }

    private static final int ALL_PEERS = -1;
    private static final int NO_MATCH = -2;

    /** The index of the first peer of the rule matching the endpoint, {@link #ALL_PEERS}, or {@link #NO_MATCH}. */
    private int matchingPeer(NetworkPolicy policy, Rule rule, Endpoint endpoint) {
        if (rule.allPeers()) {
            return ALL_PEERS;
        }
        for (int i = 0; i < rule.peers().size(); i++) {
            if (peerMatches(policy, rule.peers().get(i), endpoint)) {
                return i;
            }
        }
        return NO_MATCH;
    }

    /**
     * An {@code ipBlock} matches by address, pod or not; selectors match pods only: the pod
     * selector alone within the policy's namespace, the namespace selector on the pod's
     * namespace's labels, both together as AND.
     */
    private boolean peerMatches(NetworkPolicy policy, Peer peer, Endpoint endpoint) {
        if (peer.ipBlock() != null) {
            return peer.ipBlock().contains(endpoint.address());
        }
        Pod pod = endpoint.pod();
        if (pod == null) {
            return false;
        }
        if (peer.namespaceSelector() == null) {
            if (!pod.namespace().equals(policy.namespace())) {
                return false;
            }
        } else if (!peer.namespaceSelector().matches(namespaceLabels(pod.namespace()))) {
            return false;
        }
        return peer.podSelector() == null || peer.podSelector().matches(pod.labels());
    }

    private Map<String, String> namespaceLabels(String namespace) {
        Map<String, String> labels = namespaceLabels.get(namespace);
        return labels != null ? labels : Map.of(NAMESPACE_NAME_LABEL, namespace);
    }

    /**
     * A port entry whose protocol already matched: any port, the number, the range, or a name
     * that one of the destination pod's container ports carries with the same protocol and the
     * destination port as number. A named port never matches a destination that is no pod.
     */
    private static boolean portMatches(PolicyPort entry, Pod target, int port) {
        if (entry.isAnyPort()) {
            return true;
        }
        if (!entry.isNamed()) {
            return entry.port() <= port && port <= entry.lastPort();
        }
        if (target == null) {
            return false;
        }
        for (ContainerPort cp : target.ports()) {
            if (entry.name().equals(cp.name()) && entry.protocol().name().equals(cp.protocol()) && cp.port() == port) {
                return true;
            }
        }
        return false;
    }
}
