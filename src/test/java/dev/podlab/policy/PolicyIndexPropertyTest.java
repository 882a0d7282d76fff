package dev.podlab.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.model.NetworkPolicySpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.policy.PolicyEvaluator.Node;
import dev.podlab.policy.PolicyEvaluator.Pod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@link PolicyIndex}, and Felix's chains walked by the emulated iptables, against
 * {@link PolicyEvaluator} on random clusters: 2 to 4 namespaces and a
 * few pods labelled from a small vocabulary (so selectors hit and miss), container ports with
 * shared names and protocols, two nodes, and random valid policies written as YAML specs and read
 * by {@link NetworkPolicies#parse} (so missing and empty lists, and policyTypes defaulting, are
 * the parser's). Every (source, destination, protocol, port) of a small grid is compared side by
 * side: sources are every pod address so far (a deleted pod's is a bare address now) and outside,
 * node and unused pod-range addresses; destinations the same pod addresses and two others;
 * protocols TCP, UDP, SCTP and ICMP (no {@link Protocol}: the evaluator is given null, which no
 * port entry names).
 *
 * <p>Seeds are fixed: a run is reproducible. A failure prints the shrunk cluster (policies as
 * flow YAML) and the first disagreeing connection with the evaluator's explanation.
 */
class PolicyIndexPropertyTest {
    private static final int ICMP = 1;
    private static final List<String> NAMESPACE_NAMES = List.of("ns0", "ns1", "ns2", "ns3");
    private static final List<String> POD_KEYS = List.of("app", "role");
    private static final List<String> NAMESPACE_KEYS = List.of("team", "env");
    private static final List<String> VALUES = List.of("a", "b");
    /** 10.0.1.12 is also the address of pod 2 when it runs on n1: a pod's address is the pod's, not its node's. */
    private static final List<Node> NODES = List.of(new Node("n1", List.of(ip("192.168.0.1"), ip("10.0.1.1"), ip("10.0.1.12"))),
            new Node("n2", List.of(ip("192.168.0.2"), ip("10.0.2.1"))));
    private static final List<Integer> OUTSIDE_SOURCES = List.of(ip("8.8.8.8"), ip("192.168.0.1"), ip("192.168.0.2"),
            ip("10.0.1.1"), ip("10.0.1.99"), ip("172.16.0.1"));
    private static final List<Integer> OUTSIDE_DESTINATIONS = List.of(ip("8.8.8.8"), ip("10.0.1.99"));
    private static final int[] PORTS = {53, 80, 81, 85, 8080, 9090};
    private static final List<ContainerPort> CONTAINER_PORTS = List.of(new ContainerPort("http", 80, "TCP"),
            new ContainerPort("http", 8080, "TCP"), new ContainerPort("dns", 53, "UDP"), new ContainerPort("dns", 53, "TCP"),
            new ContainerPort("metrics", 9090, "TCP"), new ContainerPort(null, 81, "TCP"),
            new ContainerPort("http", 80, "SCTP"));
    private static final List<String> CIDRS = List.of("10.0.0.0/16", "10.0.1.0/24", "0.0.0.0/0", "192.168.0.0/24",
            "10.0.1.10/31", "8.0.0.0/7", "10.0.2.11/32");
    /** Addresses excepts are cut around, so they hit pods and the outside sources. */
    private static final List<String> EXCEPT_AROUND = List.of("10.0.1.10", "10.0.1.12", "10.0.2.11", "10.0.2.14",
            "192.168.0.1", "8.8.8.8", "10.0.1.99");

    // ------------------------------------------------------------------ the model

    /** A generated pod: namespace index (modulo the namespaces there are), labels, node, ports. */
    record PodDraft(int namespace, Map<String, String> labels, int node, List<ContainerPort> ports) {
    }

    /** A generated policy: namespace index, name, spec. */
    record PolicyDraft(int namespace, String name, Map<String, Object> spec) {
    }

    /**
     * What is generated: immutable, so every try and shrinking step builds its own {@link Cluster}
     * (the incremental property changes it).
     */
    record Drafts(List<Map<String, String>> namespaceLabels, List<PodDraft> pods, List<PolicyDraft> policies) {
        Cluster build() {
            return Cluster.of(namespaceLabels, pods, policies);
        }

        @Override
        public String toString() {
            return build().toString();
        }
    }

    /** A cluster as the index and the evaluator are told about it. */
    static final class Cluster {
        final Map<String, NamespaceSpec> namespaces = new LinkedHashMap<>();
        final Map<String, Pod> pods = new LinkedHashMap<>();
        final Map<String, NetworkPolicy> policies = new LinkedHashMap<>();
        final Map<String, Map<String, Object>> specs = new LinkedHashMap<>();
        /** Every pod address so far: a deleted or moved pod's old address is queried as a bare address. */
        final Set<Integer> podAddresses = new LinkedHashSet<>();

        static Cluster of(List<Map<String, String>> namespaceLabels, List<PodDraft> pods, List<PolicyDraft> policies) {
            Cluster c = new Cluster();
            for (int n = 0; n < namespaceLabels.size(); n++) {
                c.namespace(NAMESPACE_NAMES.get(n), namespaceLabels.get(n));
            }
            for (int i = 0; i < pods.size(); i++) {
                c.pod(pods.get(i), i);
            }
            policies.forEach(c::policy);
            return c;
        }

        String namespaceName(int index) {
            return new ArrayList<>(namespaces.keySet()).get(Math.floorMod(index, namespaces.size()));
        }

        NamespaceSpec namespace(String name, Map<String, String> labels) {
            NamespaceSpec ns = new NamespaceSpec(name, labels, Source.NONE);
            namespaces.put(name, ns);
            return ns;
        }

        /** Pod {@code i} is {@code p<i>} at 10.0.<node>.<10+i>: addresses are unique. */
        Pod pod(PodDraft d, int i) {
            Pod pod = new Pod(namespaceName(d.namespace()), "p" + i, d.labels(),
                    ip("10.0." + (d.node() + 1) + "." + (10 + i)), "n" + (d.node() + 1), d.ports());
            pods.put(pod.qualifiedName(), pod);
            podAddresses.add(pod.ip());
            return pod;
        }

        NetworkPolicy policy(PolicyDraft d) {
            String ns = namespaceName(d.namespace());
            NetworkPolicy p = NetworkPolicies.parse(new NetworkPolicySpec(ns, d.name(), d.spec(), Source.NONE));
            policies.put(p.qualifiedName(), p);
            specs.put(p.qualifiedName(), d.spec());
            return p;
        }

        PolicyEvaluator evaluator() {
            return new PolicyEvaluator(List.copyOf(namespaces.values()), List.copyOf(pods.values()), NODES,
                    List.copyOf(policies.values()));
        }

        /** A fresh index; policies first one by one, or last in one bulk load, to cover both. */
        PolicyIndex index(boolean policiesFirst) {
            PolicyIndex index = new PolicyIndex(NODES);
            if (policiesFirst) {
                policies.values().forEach(index::upsertPolicy);
            }
            namespaces.values().forEach(index::upsertNamespace);
            pods.values().forEach(index::upsertPod);
            if (!policiesFirst) {
                index.upsertPolicies(policies.values()); // the bulk load
            }
            return index;
        }

        @Override
        public String toString() {
            DumperOptions options = new DumperOptions();
            options.setDefaultFlowStyle(DumperOptions.FlowStyle.FLOW);
            options.setWidth(1000);
            Yaml yaml = new Yaml(options);
            StringBuilder sb = new StringBuilder("cluster:");
            namespaces.values().forEach(ns -> sb.append("\n  namespace ").append(ns.name()).append(' ').append(ns.labels()));
            for (Pod p : pods.values()) {
                StringJoiner ports = new StringJoiner(",", "[", "]");
                p.ports().forEach(cp -> ports.add((cp.name() == null ? "" : cp.name() + "=") + cp.port() + "/" + cp.protocol()));
                sb.append("\n  pod ").append(p).append(' ').append(p.node()).append(' ').append(new TreeMap<>(p.labels()))
                        .append(" ports ").append(ports);
            }
            specs.forEach((name, spec) -> sb.append("\n  policy ").append(name).append(": ").append(yaml.dump(spec).trim()));
            return sb.toString();
        }
    }

    // ------------------------------------------------------------------ properties

    @Property(tries = 500, seed = "7391", shrinking = ShrinkingMode.FULL)
    void indexAgreesWithTheEvaluator(@ForAll("clusters") Drafts drafts, @ForAll boolean policiesFirst) {
        Cluster cluster = drafts.build();
        assertAgrees(cluster, cluster.index(policiesFirst), "fresh index");
    }

    @Property(tries = 400, seed = "1187", shrinking = ShrinkingMode.FULL)
    void incrementalUpdatesAgreeWithAFreshIndexAndTheEvaluator(@ForAll("clusters") Drafts drafts,
            @ForAll("changes") List<Change> changes) {
        Cluster cluster = drafts.build();
        PolicyIndex index = cluster.index(false);
        for (int step = 0; step < changes.size(); step++) {
            Change change = changes.get(step);
            change.apply(cluster, index);
            String after = "after change " + step + " (" + change + ")";
            assertAgrees(cluster, index, "incremental index " + after);
            PolicyIndex fresh = cluster.index(step % 2 == 0);
            assertThat(verdicts(cluster, index)).as("incremental vs fresh index %s\n%s", after, cluster)
                    .isEqualTo(verdicts(cluster, fresh));
            assertThat(index.dumpPeerSets()).as("peer sets, incremental vs fresh index %s\n%s", after, cluster)
                    .isEqualTo(fresh.dumpPeerSets());
            // Shared tables are counted: none leaks when the last pod using one lets go of it.
            assertThat(index.tableCount()).as("shared tables, incremental vs fresh index %s\n%s", after, cluster)
                    .isEqualTo(fresh.tableCount());
        }
    }

    /**
     * Felix's chains, walked by the emulated iptables as the kernel walks them, against the
     * evaluator: every node is programmed as Felix programs it (iptables engine), and a first
     * packet (conntrack NEW) is run through the hooks it crosses: at the source pod's node
     * FORWARD from its {@code cali} interface (egress), at the destination pod's node FORWARD to
     * its interface (ingress), or OUTPUT when the source is that node's own address (not
     * policed). A pod talking to itself never leaves its namespace and is not asked.
     */
    @Property(tries = 150, seed = "4242", shrinking = ShrinkingMode.FULL)
    void felixChainsAgreeWithTheEvaluator(@ForAll("clusters") Drafts drafts) {
        Cluster cluster = drafts.build();
        PolicyEvaluator evaluator = cluster.evaluator();
        Map<String, String> ifaces = new java.util.HashMap<>();
        Map<Integer, Pod> byIp = new java.util.HashMap<>();
        for (Pod p : cluster.pods.values()) {
            ifaces.put(p.qualifiedName(), "cali" + p.name());
            byIp.put(p.ip(), p);
        }
        Map<String, dev.podlab.netfilter.Iptables> nodes = new java.util.HashMap<>();
        for (Node n : NODES) {
            dev.podlab.netfilter.Iptables ipt = new dev.podlab.netfilter.Iptables();
            dev.podlab.policy.felix.FelixEnforcer.program(ipt, n.name(), List.copyOf(cluster.pods.values()), ifaces,
                    List.copyOf(cluster.namespaces.values()), List.copyOf(cluster.policies.values()), false);
            nodes.put(n.name(), ipt);
        }
        io.netty.buffer.ByteBufAllocator alloc = io.netty.buffer.UnpooledByteBufAllocator.DEFAULT;
        dev.podlab.packet.Frames frames = new dev.podlab.packet.Frames(alloc);
        dev.podlab.netfilter.PacketContext ctx = new dev.podlab.netfilter.PacketContext();
        for (int src : sources(cluster)) {
            for (int dst : cluster.podAddresses) {
                Pod from = byIp.get(src);
                Pod to = byIp.get(dst);
                if (to == null || from == to) {
                    continue; // no pod at dst any more, or a pod to itself
                }
                for (Protocol protocol : Protocol.values()) {
                    for (int port : PORTS) {
                        io.netty.buffer.ByteBuf frame = frame(frames, src, dst, protocol.number(), port);
                        boolean want = evaluator.explain(evaluator.endpoint(src), evaluator.endpoint(dst), protocol, port)
                                .allowed();
                        boolean got = throughChains(nodes, ctx, frame, from, to, src, ifaces);
                        frame.release();
                        if (got != want) {
                            throw new AssertionError("Felix chains: " + Cidr.formatAddress(src) + " -> "
                                    + Cidr.formatAddress(dst) + " " + protocol + "/" + port + ": chains say "
                                    + pass(got) + "; evaluator says\n" + evaluator.explain(evaluator.endpoint(src),
                                    evaluator.endpoint(dst), protocol, port) + "\n" + cluster);
                        }
                    }
                }
                io.netty.buffer.ByteBuf ping = frame(frames, src, dst, ICMP, 0);
                boolean want = evaluator.explain(evaluator.endpoint(src), evaluator.endpoint(dst), null, 0).allowed();
                boolean got = throughChains(nodes, ctx, ping, from, to, src, ifaces);
                ping.release();
                assertThat(got).as("ICMP %s -> %s\n%s", Cidr.formatAddress(src), Cidr.formatAddress(dst), cluster)
                        .isEqualTo(want);
            }
        }
    }

    private static io.netty.buffer.ByteBuf frame(dev.podlab.packet.Frames frames, int src, int dst, int protocol, int port) {
        dev.podlab.packet.Ipv4Spec ip = new dev.podlab.packet.Ipv4Spec().addresses(src, dst);
        return switch (protocol) {
            case 6 -> frames.tcp(ip, new dev.podlab.packet.TcpSpec().ports(40000, port).flags(dev.podlab.packet.Tcp.SYN)
                    .window(64240), null);
            case 17 -> frames.udp(ip, 40000, port, null);
            case 132 -> frames.sctpInit(ip, 40000, port, 1, 65536, 10, 10, 1, null);
            default -> frames.ping(ip, 7, 1, 0);
        };
    }

    /** The packet through the FORWARD (or OUTPUT) hooks it crosses; true when every one accepts. */
    private static boolean throughChains(Map<String, dev.podlab.netfilter.Iptables> nodes,
            dev.podlab.netfilter.PacketContext ctx, io.netty.buffer.ByteBuf frame, Pod from, Pod to, int src,
            Map<String, String> ifaces) {
        String toIf = ifaces.get(to.qualifiedName());
        Node toNode = NODES.stream().filter(n -> n.name().equals(to.node())).findFirst().orElseThrow();
        if (from == null && toNode.addresses().contains(src)) {
            return hook(nodes.get(to.node()), ctx, frame, dev.podlab.net.Hook.OUTPUT, "", toIf);
        }
        if (from != null && from.node().equals(to.node())) {
            return hook(nodes.get(to.node()), ctx, frame, dev.podlab.net.Hook.FORWARD, ifaces.get(from.qualifiedName()), toIf);
        }
        boolean egress = from == null
                || hook(nodes.get(from.node()), ctx, frame, dev.podlab.net.Hook.FORWARD, ifaces.get(from.qualifiedName()),
                        "flannel.1");
        return egress && hook(nodes.get(to.node()), ctx, frame, dev.podlab.net.Hook.FORWARD, "flannel.1", toIf);
    }

    private static boolean hook(dev.podlab.netfilter.Iptables ipt, dev.podlab.netfilter.PacketContext ctx,
            io.netty.buffer.ByteBuf frame, dev.podlab.net.Hook hook, String in, String out) {
        ctx.packet(frame, frame.readerIndex() + 14).interfaces(in, in.isEmpty() ? 0 : 2, out, 3)
                .conntrack(dev.podlab.netfilter.Ct.STATE_NEW, false, 0).mark(0).resetResults();
        return ipt.run(dev.podlab.netfilter.TableId.FILTER, hook, ctx) == dev.podlab.netfilter.NfVerdict.ACCEPT;
    }

    /** Every connection of the grid, index vs evaluator, side by side. */
    private static void assertAgrees(Cluster cluster, PolicyIndex index, String what) {
        assertThat(index.podCount()).isEqualTo(cluster.pods.size());
        assertThat(index.policyCount()).isEqualTo(cluster.policies.size());
        PolicyEvaluator evaluator = cluster.evaluator();
        for (int src : sources(cluster)) {
            for (int dst : destinations(cluster)) {
                for (Protocol protocol : Protocol.values()) {
                    for (int port : PORTS) {
                        check(cluster, index, evaluator, what, src, dst, protocol, protocol.number(), port);
                    }
                }
                check(cluster, index, evaluator, what, src, dst, null, ICMP, 0);
            }
        }
    }

    private static void check(Cluster cluster, PolicyIndex index, PolicyEvaluator evaluator, String what, int src,
            int dst, Protocol protocol, int ipProtocol, int port) {
        PolicyEvaluator.Explanation want = evaluator.explain(evaluator.endpoint(src), evaluator.endpoint(dst), protocol,
                port);
        boolean egress = index.egressAllowed(src, dst, ipProtocol, port);
        boolean ingress = index.ingressAllowed(src, dst, ipProtocol, port);
        if (egress != want.egress().passes() || ingress != want.ingress().passes()
                || index.allowed(src, dst, ipProtocol, port) != want.allowed()) {
            throw new AssertionError(what + ": " + Cidr.formatAddress(src) + " -> " + Cidr.formatAddress(dst) + " proto "
                    + ipProtocol + " port " + port + ": index says egress " + pass(egress) + ", ingress " + pass(ingress)
                    + "; evaluator says\n" + want + "\n" + cluster);
        }
    }

    private static String pass(boolean passes) {
        return passes ? "pass" : "DENY";
    }

    private static List<Integer> sources(Cluster cluster) {
        List<Integer> out = new ArrayList<>(cluster.podAddresses);
        out.addAll(OUTSIDE_SOURCES);
        return out;
    }

    private static List<Integer> destinations(Cluster cluster) {
        List<Integer> out = new ArrayList<>(cluster.podAddresses);
        out.addAll(OUTSIDE_DESTINATIONS);
        return out;
    }

    /** The index's verdicts on the grid, as a string of 0/1 per side. */
    private static String verdicts(Cluster cluster, PolicyIndex index) {
        StringBuilder sb = new StringBuilder();
        for (int src : sources(cluster)) {
            for (int dst : destinations(cluster)) {
                for (int port : PORTS) {
                    for (Protocol protocol : Protocol.values()) {
                        sb.append(index.egressAllowed(src, dst, protocol.number(), port) ? '1' : '0')
                                .append(index.ingressAllowed(src, dst, protocol.number(), port) ? '1' : '0');
                    }
                }
                sb.append(index.allowed(src, dst, ICMP, 0) ? '1' : '0').append('\n');
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ changes

    /** One incremental change, applied to the model and to the index under test. */
    sealed interface Change {
        void apply(Cluster cluster, PolicyIndex index);
    }

    record RelabelPod(int pod, Map<String, String> labels) implements Change {
        @Override
        public void apply(Cluster cluster, PolicyIndex index) {
            if (cluster.pods.isEmpty()) {
                return;
            }
            Pod old = new ArrayList<>(cluster.pods.values()).get(Math.floorMod(pod, cluster.pods.size()));
            Pod relabelled = new Pod(old.namespace(), old.name(), labels, old.ip(), old.node(), old.ports());
            cluster.pods.put(old.qualifiedName(), relabelled);
            index.upsertPod(relabelled);
        }
    }

    record RemovePod(int pod) implements Change {
        @Override
        public void apply(Cluster cluster, PolicyIndex index) {
            if (cluster.pods.isEmpty()) {
                return;
            }
            Pod old = new ArrayList<>(cluster.pods.values()).get(Math.floorMod(pod, cluster.pods.size()));
            cluster.pods.remove(old.qualifiedName());
            index.removePod(old.namespace(), old.name());
        }
    }

    /**
     * A new pod {@code p<10+n>}, or the same one again with new labels, node (so address) or ports;
     * one in another namespace is deleted first, so addresses stay unique.
     */
    record UpsertPod(int n, PodDraft draft) implements Change {
        @Override
        public void apply(Cluster cluster, PolicyIndex index) {
            String name = "p" + (10 + n);
            for (Pod p : List.copyOf(cluster.pods.values())) {
                if (p.name().equals(name) && !p.namespace().equals(cluster.namespaceName(draft.namespace()))) {
                    cluster.pods.remove(p.qualifiedName());
                    index.removePod(p.namespace(), p.name());
                }
            }
            index.upsertPod(cluster.pod(draft, 10 + n));
        }
    }

    record RelabelNamespace(int namespace, Map<String, String> labels) implements Change {
        @Override
        public void apply(Cluster cluster, PolicyIndex index) {
            index.upsertNamespace(cluster.namespace(cluster.namespaceName(namespace), labels));
        }
    }

    record RemoveNamespace(int namespace) implements Change {
        @Override
        public void apply(Cluster cluster, PolicyIndex index) {
            // Only its labels go: the pods stay, with the name label alone (as in the evaluator).
            String name = cluster.namespaceName(namespace);
            if (cluster.namespaces.size() > 1) {
                cluster.namespaces.remove(name);
                index.removeNamespace(name);
            }
        }
    }

    record RemovePolicy(int policy) implements Change {
        @Override
        public void apply(Cluster cluster, PolicyIndex index) {
            if (cluster.policies.isEmpty()) {
                return;
            }
            NetworkPolicy old = new ArrayList<>(cluster.policies.values()).get(Math.floorMod(policy, cluster.policies.size()));
            cluster.policies.remove(old.qualifiedName());
            cluster.specs.remove(old.qualifiedName());
            index.removePolicy(old.namespace(), old.name());
        }
    }

    /** A policy added, or replacing one of the same name (names are drawn from a few). */
    record UpsertPolicy(PolicyDraft draft) implements Change {
        @Override
        public void apply(Cluster cluster, PolicyIndex index) {
            index.upsertPolicy(cluster.policy(draft));
        }
    }

    /** Another policy with the spec of an existing one: its selector peers share the same sets. */
    record CopyPolicy(int policy, int namespace, String name) implements Change {
        @Override
        public void apply(Cluster cluster, PolicyIndex index) {
            if (cluster.policies.isEmpty()) {
                return;
            }
            String from = new ArrayList<>(cluster.specs.keySet()).get(Math.floorMod(policy, cluster.specs.size()));
            index.upsertPolicy(cluster.policy(new PolicyDraft(namespace, name, cluster.specs.get(from))));
        }
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<Drafts> clusters() {
        Arbitrary<List<Map<String, String>>> namespaces = labels(NAMESPACE_KEYS).list().ofMinSize(2).ofMaxSize(4);
        Arbitrary<List<PodDraft>> pods = podDraft().list().ofMinSize(1).ofMaxSize(7);
        Arbitrary<List<PolicyDraft>> policies = policyDraft().list().ofMinSize(1).ofMaxSize(5);
        return Combinators.combine(namespaces, pods, policies).as(Drafts::new);
    }

    @Provide
    Arbitrary<List<Change>> changes() {
        Arbitrary<Change> change = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.integers().between(0, 9), labels(POD_KEYS)).as(RelabelPod::new),
                Arbitraries.integers().between(0, 9).map(RemovePod::new),
                Combinators.combine(Arbitraries.integers().between(0, 2), podDraft()).as(UpsertPod::new),
                Combinators.combine(Arbitraries.integers().between(0, 3), labels(NAMESPACE_KEYS)).as(RelabelNamespace::new),
                Arbitraries.integers().between(0, 3).map(RemoveNamespace::new),
                Arbitraries.integers().between(0, 9).map(RemovePolicy::new),
                Combinators.combine(Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, 3),
                        Arbitraries.of("np0", "np3")).as(CopyPolicy::new),
                policyDraft().map(UpsertPolicy::new));
        return change.list().ofMinSize(1).ofMaxSize(8);
    }

    private static Arbitrary<PodDraft> podDraft() {
        return Combinators.combine(Arbitraries.integers().between(0, 3), labels(POD_KEYS), Arbitraries.integers().between(0, 1),
                Arbitraries.of(CONTAINER_PORTS).list().ofMaxSize(3)).as(PodDraft::new);
    }

    private static Arbitrary<PolicyDraft> policyDraft() {
        return Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.of("np0", "np1", "np2"), spec())
                .as(PolicyDraft::new);
    }

    /** Zero to two labels from the keys, values a or b. */
    private static Arbitrary<Map<String, String>> labels(List<String> keys) {
        Arbitrary<String> value = Arbitraries.of(VALUES).injectNull(0.4);
        return Combinators.combine(value, value).as((v0, v1) -> {
            Map<String, String> m = new TreeMap<>();
            if (v0 != null) {
                m.put(keys.get(0), v0);
            }
            if (v1 != null) {
                m.put(keys.get(1), v1);
            }
            return m;
        });
    }

    /** A valid policy spec; null fields are left out (missing), empty lists written (empty). */
    private static Arbitrary<Map<String, Object>> spec() {
        Arbitrary<Object> podSelector = selector(POD_KEYS).injectNull(0.2);
        Arbitrary<Object> policyTypes = Arbitraries.<Object>of(List.of(), List.of("Ingress"), List.of("Egress"),
                List.of("Ingress", "Egress"), List.of("Egress", "Ingress"), List.of("Ingress", "Ingress")).injectNull(0.3);
        Arbitrary<Object> ingress = rule("from").list().ofMaxSize(2).map(l -> (Object) l).injectNull(0.25);
        Arbitrary<Object> egress = rule("to").list().ofMaxSize(2).map(l -> (Object) l).injectNull(0.4);
        return Combinators.combine(podSelector, policyTypes, ingress, egress).as((ps, types, in, out) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            put(m, "podSelector", ps);
            put(m, "policyTypes", types);
            put(m, "ingress", in);
            put(m, "egress", out);
            return m;
        });
    }

    private static Arbitrary<Map<String, Object>> rule(String peersKey) {
        Arbitrary<Object> peers = missingEmptyOrSome(peer());
        Arbitrary<Object> ports = missingEmptyOrSome(port());
        return Combinators.combine(peers, ports).as((pe, po) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            put(m, peersKey, pe);
            put(m, "ports", po);
            return m;
        });
    }

    /** A list field: missing (null), empty, or one or two entries. */
    private static Arbitrary<Object> missingEmptyOrSome(Arbitrary<Map<String, Object>> entry) {
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(null)), Tuple.of(1, Arbitraries.just(List.of())),
                Tuple.of(5, entry.list().ofMinSize(1).ofMaxSize(2).map(l -> (Object) l)));
    }

    private static Arbitrary<Map<String, Object>> peer() {
        Arbitrary<Map<String, Object>> pods = selector(POD_KEYS).map(s -> map("podSelector", s));
        Arbitrary<Map<String, Object>> namespaces = selector(NAMESPACE_KEYS).map(s -> map("namespaceSelector", s));
        Arbitrary<Map<String, Object>> both = Combinators.combine(selector(NAMESPACE_KEYS), selector(POD_KEYS))
                .as((n, p) -> {
                    Map<String, Object> m = map("namespaceSelector", n);
                    m.put("podSelector", p);
                    return m;
                });
        return Arbitraries.oneOf(pods, namespaces, both, ipBlock().map(b -> map("ipBlock", b)));
    }

    private static Arbitrary<Map<String, Object>> ipBlock() {
        Arbitrary<int[]> except = Combinators.combine(Arbitraries.of(EXCEPT_AROUND), Arbitraries.integers().between(1, 24))
                .as((around, extra) -> new int[] {ip(around), extra});
        return Combinators.combine(Arbitraries.of(CIDRS), except.list().ofMaxSize(2).injectNull(0.5)).as((text, cuts) -> {
            Map<String, Object> m = map("cidr", text);
            if (cuts != null) {
                Cidr cidr = Cidr.parse(text);
                List<String> excepts = new ArrayList<>();
                for (int[] cut : cuts) {
                    int length = Math.min(32, cidr.prefixLength() + cut[1]);
                    if (length > cidr.prefixLength() && cidr.contains(cut[0])) {
                        excepts.add(new Cidr(cut[0], length).toString());
                    }
                }
                m.put("except", excepts);
            }
            return m;
        });
    }

    /** Protocol only, a number (TCP by default), a range, or a name; the protocol written or not. */
    private static Arbitrary<Map<String, Object>> port() {
        Arbitrary<String> protocol = Arbitraries.of("TCP", "UDP", "SCTP").injectNull(0.4);
        Arbitrary<Object> number = Arbitraries.of(53, 80, 81, 8080, 9090).map(n -> (Object) n);
        Arbitrary<Object> name = Arbitraries.of("http", "dns", "metrics", "nope").map(n -> (Object) n);
        Arbitrary<Integer> span = Arbitraries.of(0, 1, 5, 8000).injectNull(0.5);
        return Combinators.combine(protocol, Arbitraries.oneOf(number, name).injectNull(0.25), span)
                .as((proto, port, end) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    put(m, "protocol", proto);
                    put(m, "port", port);
                    if (port instanceof Integer n && end != null) {
                        m.put("endPort", n + end);
                    }
                    if (m.isEmpty()) {
                        m.put("protocol", "UDP");
                    }
                    return m;
                });
    }

    /**
     * A label selector with zero or one matchLabels pair and zero or one expression of any operator.
     * Namespace selectors may also use {@code kubernetes.io/metadata.name}.
     */
    private static Arbitrary<Object> selector(List<String> keys) {
        List<String> allKeys = new ArrayList<>(keys);
        boolean namespaces = keys == NAMESPACE_KEYS;
        if (namespaces) {
            allKeys.add(PolicyEvaluator.NAMESPACE_NAME_LABEL);
        }
        Arbitrary<String> key = Arbitraries.of(allKeys);
        Arbitrary<Map<String, Object>> matchLabels = Combinators.combine(key, Arbitraries.of(0, 1, 2))
                .as((k, v) -> map(k, value(k, v)));
        Arbitrary<Map<String, Object>> expression = Combinators.combine(key,
                Arbitraries.of(LabelSelector.Operator.values()), Arbitraries.of(0, 1, 2), Arbitraries.integers().between(1, 2))
                .as((k, op, first, count) -> {
                    Map<String, Object> m = map("key", k);
                    m.put("operator", op.name());
                    if (op == LabelSelector.Operator.In || op == LabelSelector.Operator.NotIn) {
                        List<String> values = new ArrayList<>();
                        for (int i = 0; i < count; i++) {
                            values.add(value(k, first + i));
                        }
                        m.put("values", values);
                    }
                    return m;
                });
        Arbitrary<Object> random = Combinators.combine(matchLabels.injectNull(0.5), expression.injectNull(0.6)).as((ml, e) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            put(m, "matchLabels", ml);
            if (e != null) {
                m.put("matchExpressions", List.of(e));
            }
            return (Object) m;
        });
        // A few common selectors, so that peers of different rules and policies share a set.
        Arbitrary<Object> common = Arbitraries.of(Map.of(), Map.of("matchLabels", Map.of(keys.get(0), "a")));
        return Arbitraries.frequencyOf(Tuple.of(1, random), Tuple.of(1, common));
    }

    /** Value {@code i} of a key: a, b, c (c on no object) or, for the name label, ns0, ns1, ns4. */
    private static String value(String key, int i) {
        if (key.equals(PolicyEvaluator.NAMESPACE_NAME_LABEL)) {
            return List.of("ns0", "ns1", "ns4", "ns2").get(i % 4);
        }
        return List.of("a", "b", "c").get(i % 3);
    }

    private static Map<String, Object> map(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(key, value);
        return m;
    }

    private static void put(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    private static int ip(String dotted) {
        return (int) Cidr.parseAddress(dotted);
    }
}
