package dev.podlab.policy.bench;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.policy.Cidr;
import dev.podlab.policy.IpBlock;
import dev.podlab.policy.LabelSelector;
import dev.podlab.policy.NetworkPolicy;
import dev.podlab.policy.Peer;
import dev.podlab.policy.PolicyEvaluator;
import dev.podlab.policy.PolicyPort;
import dev.podlab.policy.PolicyType;
import dev.podlab.policy.Protocol;
import dev.podlab.policy.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A generated cluster for rule-set scaling: namespaces, pods on nodes, and policies of realistic
 * shapes, the same for a given size and seed.
 *
 * <p>{@link Shape#APPS}, what a multi-team cluster looks like: 100 pods per namespace (10 apps of
 * 10 pods, labels {@code app}, {@code tier}), namespaces labelled {@code team} and {@code env},
 * 100 pods per node. Policy {@code i} goes to namespace {@code i mod namespaces}; the first of
 * each namespace is its default-deny (namespace isolation), the others cycle through four
 * kinds: a per-app allow list (app from app, TCP 8080), a cross-namespace allow (team's web tier,
 * TCP 80 and 443), an ipBlock with an except (TCP 5432-5440), and an egress allow list (app to
 * app on UDP 53, and to the service range).
 *
 * <p>{@link Shape#ONE_APP}, the worst case for chains walked in order: every policy selects the
 * same pods (tier=web of one namespace) and allows one external /32 on TCP 80, so a packet that
 * no policy allows is tried against all of them.
 *
 * <p>{@link #queries} are first packets from a pod to a pod on node 0 (the node whose rules are
 * measured), on the ports the policies name and one they do not.
 */
public final class PolicyWorkload {
    /** The policy shapes. */
    public enum Shape { APPS, ONE_APP }

    public static final int PODS_PER_NAMESPACE = 100;
    public static final int PODS_PER_NODE = 100;
    private static final int APPS = 10;
    private static final String[] TIERS = {"web", "api", "db"};
    private static final int[] PORTS = {80, 443, 8080, 5432, 53, 9999};

    /** One first packet: source and destination address, IP protocol, destination port. */
    public record Query(int src, int dst, int protocol, int port) {}

    private final List<NamespaceSpec> namespaces = new ArrayList<>();
    private final List<PolicyEvaluator.Pod> pods = new ArrayList<>();
    private final List<PolicyEvaluator.Node> nodes = new ArrayList<>();
    private final List<NetworkPolicy> policies = new ArrayList<>();
    private final List<Query> queries = new ArrayList<>();

    private PolicyWorkload() {
    }

    /** The cluster of {@code policyCount} policies over {@code podCount} pods. */
    public static PolicyWorkload generate(int policyCount, int podCount, Shape shape, long seed) {
        PolicyWorkload w = new PolicyWorkload();
        int nsCount = Math.max(1, (podCount + PODS_PER_NAMESPACE - 1) / PODS_PER_NAMESPACE);
        int nodeCount = Math.max(1, (podCount + PODS_PER_NODE - 1) / PODS_PER_NODE);
        for (int n = 0; n < nsCount; n++) {
            String name = "ns-" + n;
            w.namespaces.add(new NamespaceSpec(name, Map.of(PolicyEvaluator.NAMESPACE_NAME_LABEL, name,
                    "team", "team-" + n % 10, "env", n % 2 == 0 ? "prod" : "dev"), Source.NONE));
        }
        for (int node = 0; node < nodeCount; node++) {
            w.nodes.add(new PolicyEvaluator.Node(nodeName(node), List.of(nodeAddress(node))));
        }
        int[] onNode = new int[nodeCount];
        for (int i = 0; i < podCount; i++) {
            int ns = i / PODS_PER_NAMESPACE;
            int app = i % PODS_PER_NAMESPACE / (PODS_PER_NAMESPACE / APPS);
            int node = i % nodeCount;
            int ip = podAddress(node, onNode[node]++);
            w.pods.add(new PolicyEvaluator.Pod("ns-" + ns, "app-" + app + "-" + i,
                    Map.of("app", "app-" + app, "tier", TIERS[app % TIERS.length]), ip, nodeName(node),
                    List.of(new ContainerPort("http", 8080, "TCP"), new ContainerPort("dns", 53, "UDP"))));
        }
        for (int i = 0; i < policyCount; i++) {
            w.policies.add(shape == Shape.APPS ? appsPolicy(i, nsCount) : oneAppPolicy(i));
        }
        Random r = new Random(seed);
        List<PolicyEvaluator.Pod> local = new ArrayList<>();
        for (PolicyEvaluator.Pod p : w.pods) {
            if (p.node().equals(nodeName(0)) && (shape == Shape.APPS || p.namespace().equals("ns-0"))) {
                local.add(p);
            }
        }
        while (w.queries.size() < 1024) {
            PolicyEvaluator.Pod src = w.pods.get(r.nextInt(w.pods.size()));
            PolicyEvaluator.Pod dst = local.get(r.nextInt(local.size()));
            if (src == dst) {
                continue; // a pod's traffic to itself never reaches the node's chains
            }
            int port = PORTS[r.nextInt(PORTS.length)];
            w.queries.add(new Query(src.ip(), dst.ip(), port == 53 ? 17 : 6, port));
        }
        return w;
    }

    public static String nodeName(int node) {
        return "node-" + node;
    }

    /** Node {@code n}'s underlay address: 192.168.0.0/16 + n + 1. */
    static int nodeAddress(int node) {
        return (192 << 24 | 168 << 16) + node + 1;
    }

    /** The {@code k}-th pod of node {@code n}: 10.(n / 256).(n mod 256).(k + 2), inside 10.0.0.0/8. */
    static int podAddress(int node, int k) {
        return (10 << 24) + (node << 8) + k + 2;
    }

    private static LabelSelector app(int app) {
        return LabelSelector.matchLabels(Map.of("app", "app-" + app));
    }

    private static NetworkPolicy appsPolicy(int i, int nsCount) {
        String ns = "ns-" + i % nsCount;
        int j = i / nsCount;
        String name = "np-" + i;
        if (j == 0) {
            return new NetworkPolicy(ns, "default-deny", LabelSelector.EVERYTHING, List.of(PolicyType.Ingress),
                    List.of(), List.of(), Source.NONE);
        }
        int a = j % APPS;
        int b = (j * 7 + 3) % APPS;
        return switch (j % 4) {
            case 0 -> new NetworkPolicy(ns, name, app(a), List.of(PolicyType.Ingress),
                    List.of(new Rule(List.of(Peer.pods(app(b))), List.of(PolicyPort.number(Protocol.TCP, 8080)))),
                    List.of(), Source.NONE);
            case 1 -> new NetworkPolicy(ns, name, app(a), List.of(PolicyType.Ingress),
                    List.of(new Rule(List.of(new Peer(LabelSelector.matchLabels(Map.of("tier", "web")),
                            LabelSelector.matchLabels(Map.of("team", "team-" + j % 10)), null)),
                            List.of(PolicyPort.number(Protocol.TCP, 80), PolicyPort.number(Protocol.TCP, 443)))),
                    List.of(), Source.NONE);
            case 2 -> {
                int net = (172 << 24 | 16 << 16) + (j % 4096 << 8);
                yield new NetworkPolicy(ns, name, app(a), List.of(PolicyType.Ingress),
                        List.of(new Rule(List.of(Peer.ipBlock(new IpBlock(new Cidr(net, 24),
                                List.of(new Cidr(net + 128, 25))))), List.of(PolicyPort.range(Protocol.TCP, 5432, 5440)))),
                        List.of(), Source.NONE);
            }
            default -> new NetworkPolicy(ns, name, app(a), List.of(PolicyType.Egress), List.of(),
                    List.of(new Rule(List.of(Peer.pods(app(b))), List.of(PolicyPort.number(Protocol.UDP, 53))),
                            new Rule(List.of(Peer.ipBlock(new IpBlock(new Cidr(10 << 24 | 96 << 16, 12), List.of()))),
                                    List.of())),
                    Source.NONE);
        };
    }

    private static NetworkPolicy oneAppPolicy(int i) {
        int address = (203 << 24) + i;
        return new NetworkPolicy("ns-0", "np-" + i, LabelSelector.matchLabels(Map.of("tier", "web")),
                List.of(PolicyType.Ingress),
                List.of(new Rule(List.of(Peer.ipBlock(new IpBlock(new Cidr(address, 32), List.of()))),
                        List.of(PolicyPort.number(Protocol.TCP, 80)))),
                List.of(), Source.NONE);
    }

    public List<NamespaceSpec> namespaces() {
        return namespaces;
    }

    public List<PolicyEvaluator.Pod> pods() {
        return pods;
    }

    public List<PolicyEvaluator.Node> nodes() {
        return nodes;
    }

    public List<NetworkPolicy> policies() {
        return policies;
    }

    public List<Query> queries() {
        return queries;
    }
}
