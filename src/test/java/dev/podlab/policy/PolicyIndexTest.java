package dev.podlab.policy;

import static dev.podlab.policy.PolicyEvaluatorTest.CLIENT;
import static dev.podlab.policy.PolicyEvaluatorTest.DB;
import static dev.podlab.policy.PolicyEvaluatorTest.DEV_FE;
import static dev.podlab.policy.PolicyEvaluatorTest.MYPROJECT_APP;
import static dev.podlab.policy.PolicyEvaluatorTest.NAMESPACES;
import static dev.podlab.policy.PolicyEvaluatorTest.NODES;
import static dev.podlab.policy.PolicyEvaluatorTest.OTHER;
import static dev.podlab.policy.PolicyEvaluatorTest.PODS;
import static dev.podlab.policy.PolicyEvaluatorTest.PROD_CLIENT;
import static dev.podlab.policy.PolicyEvaluatorTest.PROD_FE;
import static dev.podlab.policy.PolicyEvaluatorTest.WEB;
import static dev.podlab.policy.PolicyEvaluatorTest.ip;
import static dev.podlab.policy.PolicyEvaluatorTest.ns;
import static dev.podlab.policy.Protocol.SCTP;
import static dev.podlab.policy.Protocol.TCP;
import static dev.podlab.policy.Protocol.UDP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.policy.PolicyEvaluator.Pod;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The indexed engine on the documentation's examples and on incremental changes, in the cluster
 * of {@link PolicyEvaluatorTest} (its diagram shows the pods, nodes and namespaces). Each check
 * states the verdict a user would see, and {@link #allowed} also asserts that the reference
 * evaluator, built from scratch on the same state, agrees.
 */
class PolicyIndexTest {
    private static final int ICMP = 1;

    private final PolicyIndex index = new PolicyIndex(NODES);
    // The state the index was told about, to build the reference evaluator from.
    private final Map<String, NamespaceSpec> namespaces = new LinkedHashMap<>();
    private final Map<String, Pod> pods = new LinkedHashMap<>();
    private final Map<String, NetworkPolicy> policies = new LinkedHashMap<>();

    PolicyIndexTest() {
        NAMESPACES.forEach(this::namespace);
        PODS.forEach(this::pod);
    }

    private void namespace(NamespaceSpec ns) {
        namespaces.put(ns.name(), ns);
        index.upsertNamespace(ns);
    }

    private void pod(Pod pod) {
        pods.put(pod.qualifiedName(), pod);
        index.upsertPod(pod);
    }

    private void removePod(Pod pod) {
        pods.remove(pod.qualifiedName());
        index.removePod(pod.namespace(), pod.name());
    }

    private void policy(String namespace, String name, String spec) {
        NetworkPolicy p = Specs.policy(namespace, name, spec);
        policies.put(p.qualifiedName(), p);
        index.upsertPolicy(p);
    }

    private void removePolicy(String namespace, String name) {
        policies.remove(namespace + "/" + name);
        index.removePolicy(namespace, name);
    }

    private static Pod relabel(Pod pod, Map<String, String> labels) {
        return new Pod(pod.namespace(), pod.name(), labels, pod.ip(), pod.node(), pod.ports());
    }

    /** The index's verdict, after checking it is the evaluator's on the same state. */
    private boolean allowed(int src, int dst, int ipProtocol, int port) {
        PolicyEvaluator e = new PolicyEvaluator(List.copyOf(namespaces.values()), List.copyOf(pods.values()), NODES,
                List.copyOf(policies.values()));
        Protocol protocol = null;
        for (Protocol p : Protocol.values()) {
            if (p.number() == ipProtocol) {
                protocol = p;
            }
        }
        PolicyEvaluator.Explanation want = e.explain(e.endpoint(src), e.endpoint(dst), protocol, port);
        boolean got = index.allowed(src, dst, ipProtocol, port);
        assertThat(got).as("index vs evaluator: %s", want).isEqualTo(want.allowed());
        assertThat(index.egressAllowed(src, dst, ipProtocol, port)).as("egress: %s", want).isEqualTo(want.egress().passes());
        assertThat(index.ingressAllowed(src, dst, ipProtocol, port)).as("ingress: %s", want)
                .isEqualTo(want.ingress().passes());
        return got;
    }

    private boolean allowed(Pod src, Pod dst, Protocol protocol, int port) {
        return allowed(src.ip(), dst.ip(), protocol.number(), port);
    }

    private boolean allowed(String src, Pod dst, Protocol protocol, int port) {
        return allowed(ip(src), dst.ip(), protocol.number(), port);
    }

    private boolean allowed(Pod src, String dst, Protocol protocol, int port) {
        return allowed(src.ip(), ip(dst), protocol.number(), port);
    }

    // ------------------------------------------------------------------ documentation examples

    @Test
    void withoutPoliciesEverythingIsAllowed() {
        assertThat(index.podCount()).isEqualTo(PODS.size());
        assertThat(index.policyCount()).isZero();
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isTrue();
        assertThat(allowed("8.8.8.8", DB, UDP, 53)).isTrue();
        assertThat(allowed(ip("10.244.1.10"), ip("8.8.8.8"), ICMP, 0)).isTrue();
    }

    @Test
    void onePeerWithBothSelectorsIsAnAnd() {
        // docs "Behavior of to and from selectors": one element with namespaceSelector and podSelector.
        policy("default", "and", "podSelector: {matchLabels: {role: db}}\n"
                + "ingress: [{from: [{namespaceSelector: {matchLabels: {team: prod}}, podSelector: {matchLabels: {role: frontend}}}]}]");
        assertThat(allowed(PROD_FE, DB, TCP, 5432)).as("frontend in prod").isTrue();
        assertThat(allowed(PROD_CLIENT, DB, TCP, 5432)).as("in prod, not frontend").isFalse();
        assertThat(allowed(CLIENT, DB, TCP, 5432)).as("frontend, not in prod").isFalse();
        assertThat(allowed(DEV_FE, DB, TCP, 5432)).as("frontend in dev").isFalse();
    }

    @Test
    void twoPeersAreAnOr() {
        policy("default", "or", "podSelector: {matchLabels: {role: db}}\n"
                + "ingress: [{from: [{namespaceSelector: {matchLabels: {team: prod}}}, {podSelector: {matchLabels: {role: frontend}}}]}]");
        assertThat(allowed(PROD_FE, DB, TCP, 5432)).isTrue();
        assertThat(allowed(PROD_CLIENT, DB, TCP, 5432)).isTrue();
        assertThat(allowed(CLIENT, DB, TCP, 5432)).as("frontend of the policy's namespace").isTrue();
        assertThat(allowed(DEV_FE, DB, TCP, 5432)).as("frontend, but not in default").isFalse();
        assertThat(allowed(OTHER, DB, TCP, 5432)).isFalse();
        assertThat(allowed("172.17.0.5", DB, TCP, 5432)).as("selectors match pods only").isFalse();
    }

    @Test
    void documentationsTestNetworkPolicy() {
        policy("default", "test-network-policy", """
                podSelector: {matchLabels: {role: db}}
                policyTypes: [Ingress, Egress]
                ingress:
                - from:
                  - ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}
                  - namespaceSelector: {matchLabels: {project: myproject}}
                  - podSelector: {matchLabels: {role: frontend}}
                  ports: [{protocol: TCP, port: 6379}]
                egress:
                - to: [{ipBlock: {cidr: 10.0.0.0/24}}]
                  ports: [{protocol: TCP, port: 5978}]
                """);
        assertThat(allowed(CLIENT, DB, TCP, 6379)).isTrue();
        assertThat(allowed(MYPROJECT_APP, DB, TCP, 6379)).isTrue();
        assertThat(allowed("172.17.0.5", DB, TCP, 6379)).isTrue();
        assertThat(allowed("172.17.200.1", DB, TCP, 6379)).isTrue();
        assertThat(allowed("172.17.1.5", DB, TCP, 6379)).as("in except").isFalse();
        assertThat(allowed("172.18.0.1", DB, TCP, 6379)).isFalse();
        assertThat(allowed(CLIENT, DB, TCP, 6380)).isFalse();
        assertThat(allowed(CLIENT, DB, UDP, 6379)).isFalse();
        assertThat(allowed(DB, "10.0.0.5", TCP, 5978)).isTrue();
        assertThat(allowed(DB, "10.0.1.5", TCP, 5978)).isFalse();
        assertThat(allowed(DB, WEB, TCP, 5978)).as("egress to a pod outside 10.0.0.0/24").isFalse();
    }

    @Test
    void ipBlockExceptMatchesPodsToo() {
        // A.4: the block is matched on the address, pod or not; the except wins inside the block.
        policy("default", "from-n1", "podSelector: {matchLabels: {role: db}}\n"
                + "ingress: [{from: [{ipBlock: {cidr: 10.244.1.0/24, except: [10.244.1.20/31]}}]}]");
        assertThat(allowed(CLIENT, DB, TCP, 5432)).isTrue();
        assertThat(allowed(PROD_FE, DB, TCP, 5432)).as("10.244.1.20 is excepted").isFalse();
        assertThat(allowed(PROD_CLIENT, DB, TCP, 5432)).as("10.244.1.21 is excepted").isFalse();
        assertThat(allowed("10.244.1.99", DB, TCP, 5432)).as("no pod, in the block").isTrue();
        assertThat(allowed(OTHER, DB, TCP, 5432)).isFalse();
    }

    @Test
    void overlappingBlocksOfOneRuleAreAUnion() {
        // One block excepts 10.244.1.0/24; another covers 10.244.1.16/28: addresses there pass.
        // A single longest-prefix match over both would wrongly say no for 10.244.1.20.
        policy("default", "blocks", "podSelector: {matchLabels: {role: db}}\n"
                + "ingress: [{from: [{ipBlock: {cidr: 10.244.0.0/16, except: [10.244.1.0/24]}},"
                + " {ipBlock: {cidr: 10.244.1.16/28}}]}]");
        assertThat(allowed(PROD_FE, DB, TCP, 1)).as("10.244.1.20 in the second block").isTrue();
        assertThat(allowed(CLIENT, DB, TCP, 1)).as("10.244.1.11 excepted from the first only").isFalse();
        assertThat(allowed(DEV_FE, DB, TCP, 1)).as("10.244.2.30 in the first block").isTrue();
    }

    @Test
    void namedPortsResolveOnTheDestinationPod() {
        policy("default", "named", "podSelector: {matchLabels: {app: web}}\n"
                + "ingress: [{ports: [{port: http}, {protocol: UDP, port: dns}, {port: dns}]}]");
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isTrue();
        assertThat(allowed(CLIENT, WEB, TCP, 9090)).as("metrics is not named in the policy").isFalse();
        assertThat(allowed(CLIENT, WEB, UDP, 80)).as("http is TCP").isFalse();
        assertThat(allowed(CLIENT, WEB, UDP, 53)).isTrue();
        assertThat(allowed(CLIENT, WEB, TCP, 53)).as("{port: dns} is TCP, web's dns is UDP").isFalse();
    }

    @Test
    void namedPortsInEgressResolveOnTheDestinationToo() {
        policy("default", "egress-named", "podSelector: {matchLabels: {access: 'true'}}\npolicyTypes: [Egress]\n"
                + "egress: [{ports: [{port: postgres}]}]");
        assertThat(allowed(CLIENT, DB, TCP, 5432)).isTrue();
        assertThat(allowed(CLIENT, WEB, TCP, 5432)).as("web has no port named postgres").isFalse();
        assertThat(allowed(CLIENT, "10.0.0.5", TCP, 5432)).as("not a pod: no named ports").isFalse();
        // The destination's ports change: the source's table is not rebuilt, the lookup sees it.
        pod(new Pod(WEB.namespace(), WEB.name(), WEB.labels(), WEB.ip(), WEB.node(),
                List.of(new dev.podlab.cluster.model.ContainerPort("postgres", 5432, "TCP"))));
        assertThat(allowed(CLIENT, WEB, TCP, 5432)).isTrue();
    }

    @Test
    void endPortRangeIsInclusive() {
        policy("default", "range", "podSelector: {matchLabels: {access: 'true'}}\npolicyTypes: [Egress]\n"
                + "egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{protocol: TCP, port: 32000, endPort: 32768},"
                + " {protocol: TCP, port: 32500}, {protocol: UDP, port: 40000, endPort: 40000}]}]");
        assertThat(allowed(CLIENT, DB, TCP, 32000)).isTrue();
        assertThat(allowed(CLIENT, DB, TCP, 32500)).isTrue();
        assertThat(allowed(CLIENT, DB, TCP, 32768)).isTrue();
        assertThat(allowed(CLIENT, DB, TCP, 31999)).isFalse();
        assertThat(allowed(CLIENT, DB, TCP, 32769)).isFalse();
        assertThat(allowed(CLIENT, DB, UDP, 32000)).isFalse();
        assertThat(allowed(CLIENT, DB, UDP, 40000)).isTrue();
        assertThat(allowed(CLIENT, DB, UDP, 40001)).isFalse();
    }

    @Test
    void ownNodeAndSelfAlwaysPass() {
        policy("default", "deny", "podSelector: {}\npolicyTypes: [Ingress, Egress]");
        assertThat(allowed(WEB, WEB, TCP, 80)).as("a pod to itself").isTrue();
        assertThat(allowed("192.168.1.11", WEB, TCP, 80)).as("from web's own node").isTrue();
        assertThat(allowed("10.244.1.1", WEB, UDP, 53)).as("any address of the own node").isTrue();
        assertThat(allowed("192.168.1.12", WEB, TCP, 80)).as("from another node").isFalse();
        assertThat(allowed("192.168.1.12", DB, TCP, 80)).as("db's own node").isTrue();
        assertThat(allowed(WEB, "192.168.1.11", TCP, 10250)).as("egress to the node is isolated").isFalse();
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isFalse();
    }

    @Test
    void portsMeanTheirProtocolOnlyAndNoPortsMeanEveryProtocol() {
        policy("default", "tcp-only", "podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{protocol: TCP}]}]");
        assertThat(allowed(CLIENT, WEB, TCP, 1)).isTrue();
        assertThat(allowed(CLIENT, WEB, SCTP, 1)).isFalse();
        assertThat(allowed(CLIENT.ip(), WEB.ip(), ICMP, 0)).as("ports given: ICMP matches none").isFalse();
        policy("default", "from-client", "podSelector: {matchLabels: {app: web}}\n"
                + "ingress: [{from: [{podSelector: {matchLabels: {access: 'true'}}}]}]");
        assertThat(allowed(CLIENT.ip(), WEB.ip(), ICMP, 0)).as("no ports: every protocol").isTrue();
        assertThat(allowed(OTHER.ip(), WEB.ip(), ICMP, 0)).isFalse();
    }

    @Test
    void policyTypesEgressOnlyIgnoresIngressRules() {
        policy("default", "p", "podSelector: {}\npolicyTypes: [Egress]\ningress: [{from: [{podSelector: {}}]}]");
        assertThat(allowed(PROD_FE, WEB, TCP, 80)).isTrue();
        assertThat(allowed(WEB, PROD_FE, TCP, 80)).isFalse();
    }

    // ------------------------------------------------------------------ incremental updates

    @Test
    void relabellingAPodMovesItInAndOutOfPeerSets() {
        policy("default", "access-nginx", "podSelector: {matchLabels: {app: web}}\n"
                + "ingress: [{from: [{podSelector: {matchLabels: {access: 'true'}}}]}]");
        assertThat(allowed(OTHER, WEB, TCP, 80)).isFalse();
        pod(relabel(OTHER, Map.of("access", "true")));
        assertThat(allowed(OTHER, WEB, TCP, 80)).as("labelled access=true").isTrue();
        pod(relabel(CLIENT, Map.of("role", "frontend")));
        assertThat(allowed(CLIENT, WEB, TCP, 80)).as("access label removed").isFalse();
    }

    @Test
    void relabellingAPodChangesWhichPoliciesIsolateIt() {
        policy("default", "db-only", "podSelector: {matchLabels: {role: db}}\n"
                + "ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]");
        assertThat(allowed(CLIENT, OTHER, TCP, 80)).as("other is not selected").isTrue();
        pod(relabel(OTHER, Map.of("role", "db")));
        assertThat(allowed(CLIENT, OTHER, TCP, 80)).as("other is now a db").isFalse();
        assertThat(allowed(WEB, OTHER, TCP, 80)).isTrue();
        pod(relabel(OTHER, Map.of()));
        assertThat(allowed(CLIENT, OTHER, TCP, 80)).isTrue();
    }

    @Test
    void movingAPodToAnotherAddressMovesItsSetMembership() {
        policy("default", "from-frontend", "podSelector: {matchLabels: {role: db}}\n"
                + "ingress: [{from: [{podSelector: {matchLabels: {role: frontend}}}]}]");
        Pod moved = new Pod(CLIENT.namespace(), CLIENT.name(), CLIENT.labels(), ip("10.244.1.99"), "n1", List.of());
        pod(moved);
        assertThat(allowed(moved, DB, TCP, 5432)).isTrue();
        assertThat(allowed(CLIENT.ip(), DB.ip(), TCP.number(), 5432)).as("the old address is no pod now").isFalse();
        assertThat(index.podCount()).isEqualTo(PODS.size());
    }

    @Test
    void relabellingANamespaceMovesItsPodsInAndOutOfNamespaceSelectors() {
        policy("default", "from-prod", "podSelector: {matchLabels: {app: web}}\n"
                + "ingress: [{from: [{namespaceSelector: {matchLabels: {team: prod}}}]}]");
        assertThat(allowed(DEV_FE, WEB, TCP, 80)).isFalse();
        namespace(ns("dev", Map.of("team", "prod")));
        assertThat(allowed(DEV_FE, WEB, TCP, 80)).as("dev relabelled team=prod").isTrue();
        namespace(ns("prod", Map.of()));
        assertThat(allowed(PROD_FE, WEB, TCP, 80)).as("prod lost its label").isFalse();
        namespaces.remove("dev");
        index.removeNamespace("dev");
        assertThat(allowed(DEV_FE, WEB, TCP, 80)).as("dev forgotten: only its name label is left").isFalse();
    }

    @Test
    void namespaceNameLabelIsAddedByTheIndex() {
        policy("default", "from-dev", "podSelector: {}\ningress: [{from: [{namespaceSelector: "
                + "{matchLabels: {kubernetes.io/metadata.name: dev}}}]}]");
        namespace(new NamespaceSpec("dev", Map.of("team", "dev"), dev.podlab.cluster.model.Source.NONE));
        assertThat(allowed(DEV_FE, WEB, TCP, 80)).isTrue();
        assertThat(allowed(PROD_FE, WEB, TCP, 80)).isFalse();
    }

    @Test
    void deletingAndReplacingPolicies() {
        policy("default", "deny", "podSelector: {}\npolicyTypes: [Ingress]");
        policy("default", "allow-http", "podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: 80}]}]");
        assertThat(index.policyCount()).isEqualTo(2);
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isTrue();
        assertThat(allowed(CLIENT, WEB, TCP, 81)).isFalse();
        policy("default", "allow-http", "podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: 81}]}]");
        assertThat(index.policyCount()).as("replaced by name").isEqualTo(2);
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isFalse();
        assertThat(allowed(CLIENT, WEB, TCP, 81)).isTrue();
        removePolicy("default", "deny");
        assertThat(allowed(CLIENT, DB, TCP, 5432)).as("db no longer isolated").isTrue();
        assertThat(allowed(CLIENT, WEB, TCP, 80)).as("web still isolated by allow-http").isFalse();
        removePolicy("default", "allow-http");
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isTrue();
        assertThat(index.policyCount()).isZero();
        removePolicy("default", "never-was");
    }

    @Test
    void deletingAPodMakesItsAddressABareAddress() {
        policy("default", "from-frontend", "podSelector: {matchLabels: {role: db}}\n"
                + "ingress: [{from: [{podSelector: {matchLabels: {role: frontend}}}]}]");
        assertThat(allowed(CLIENT, DB, TCP, 5432)).isTrue();
        removePod(CLIENT);
        assertThat(allowed(CLIENT.ip(), DB.ip(), TCP.number(), 5432)).isFalse();
        assertThat(index.podCount()).isEqualTo(PODS.size() - 1);
        pod(CLIENT);
        assertThat(allowed(CLIENT, DB, TCP, 5432)).as("added back").isTrue();
        // A pod added after the policy is selected by it.
        Pod newDb = PolicyEvaluatorTest.pod("default", "db2", Map.of("role", "db"), "10.244.1.50", "n1");
        pod(newDb);
        assertThat(allowed(OTHER, newDb, TCP, 5432)).isFalse();
        assertThat(allowed(CLIENT, newDb, TCP, 5432)).isTrue();
    }

    @Test
    void identicalSelectorsShareOneSet() {
        String spec = "podSelector: {}\ningress: [{from: [{podSelector: {matchLabels: {role: frontend}}}]}]";
        policy("default", "a", spec);
        policy("default", "b", spec);
        policy("prod", "c", spec);
        assertThat(index.peerSetCount()).as("default's frontends, prod's frontends").isEqualTo(2);
        removePolicy("default", "a");
        assertThat(index.peerSetCount()).isEqualTo(2);
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isTrue();
        // The set b still uses is still kept up to date.
        pod(relabel(OTHER, Map.of("role", "frontend")));
        assertThat(allowed(OTHER, WEB, TCP, 80)).isTrue();
        pod(relabel(CLIENT, Map.of()));
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isFalse();
        removePolicy("default", "b");
        removePolicy("prod", "c");
        assertThat(index.peerSetCount()).isZero();
    }

    @Test
    void manyPoliciesElsewhereChangeNothingHere() {
        // 2,000 policies in 200 other namespaces, none selecting default's pods.
        for (int n = 0; n < 200; n++) {
            for (int p = 0; p < 10; p++) {
                policies.put("t" + n + "/p" + p, Specs.policy("t" + n, "p" + p, "podSelector: {matchLabels: {app: x" + p
                        + "}}\ningress: [{from: [{namespaceSelector: {matchLabels: {team: prod}}}], ports: [{port: "
                        + (1000 + p) + "}]}]"));
            }
        }
        policies.values().forEach(index::upsertPolicy);
        policy("default", "deny", "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]");
        assertThat(index.policyCount()).isEqualTo(2001);
        assertThat(index.peerSetCount()).isEqualTo(1);
        assertThat(allowed(PROD_FE, WEB, TCP, 1000)).isFalse();
        assertThat(allowed(PROD_FE, DB, TCP, 1000)).isTrue();
    }

    @Test
    void lookupsAllocateNothing() {
        policy("default", "mixed", """
                podSelector: {}
                policyTypes: [Ingress, Egress]
                ingress:
                - from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.244.2.0/24]}}, {namespaceSelector: {}}]
                  ports: [{port: http}, {port: 1000, endPort: 2000}, {protocol: UDP}]
                egress:
                - to: [{podSelector: {matchLabels: {role: db}}}]
                  ports: [{port: postgres}]
                """);
        int[] addresses = {WEB.ip(), DB.ip(), CLIENT.ip(), PROD_FE.ip(), ip("8.8.8.8"), ip("192.168.1.11")};
        int[] protocols = {TCP.number(), UDP.number(), ICMP};
        int[] ports = {80, 1500, 5432, 53};
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        int passed = 0;
        for (int round = 0; round < 2; round++) {
            // Round 0 warms up (class loading); round 1 is measured.
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < 20_000; i++) {
                for (int src : addresses) {
                    for (int dst : addresses) {
                        int protocol = protocols[i % protocols.length];
                        if (index.allowed(src, dst, protocol, ports[i % ports.length])) {
                            passed++;
                        }
                    }
                }
            }
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            if (round == 1) {
                assertThat(allocated).as("bytes allocated by 720,000 lookups").isLessThan(4096);
            }
        }
        assertThat(passed).isPositive();
    }

    @Test
    void ipBlockTrieIsLongestPrefixPerBlock() {
        IpBlockTrie trie = new IpBlockTrie(List.of(
                new IpBlock(Cidr.parse("10.0.0.0/8"), List.of(Cidr.parse("10.1.0.0/16"))),
                new IpBlock(Cidr.parse("10.1.2.0/24"), List.of()),
                new IpBlock(Cidr.parse("0.0.0.0/0"), List.of(Cidr.parse("0.0.0.0/1"), Cidr.parse("255.255.255.255/32")))));
        Map<String, Boolean> cases = new LinkedHashMap<>();
        cases.put("10.2.3.4", true);
        cases.put("10.1.3.4", false);
        cases.put("10.1.2.3", true);
        cases.put("9.9.9.9", false);
        cases.put("128.0.0.1", true);
        cases.put("255.255.255.255", false);
        cases.put("255.255.255.254", true);
        cases.forEach((address, want) -> assertThat(trie.matches(ip(address))).as(address).isEqualTo(want));
    }

    /**
     * The trie as a table lays it out (path-compressed) against the blocks read directly (in the
     * cidr and in none of its excepts, for some block): random nested blocks, addresses at and
     * around every prefix's edges and random ones.
     */
    @Test
    void compressedTrieInATableAgreesWithTheBlocks() {
        java.util.Random r = new java.util.Random(11);
        PeerSets sets = new PeerSets();
        for (int trial = 0; trial < 300; trial++) {
            List<IpBlock> blocks = new ArrayList<>();
            List<Integer> probes = new ArrayList<>();
            for (int b = r.nextInt(4); b >= 0; b--) {
                int base = r.nextBoolean() ? 0x0A000000 | r.nextInt(1 << 16) << 8 : r.nextInt();
                Cidr cidr = new Cidr(base, r.nextInt(33));
                List<Cidr> excepts = new ArrayList<>();
                for (int e = r.nextInt(3); e > 0 && cidr.prefixLength() < 32; e--) {
                    int length = cidr.prefixLength() + 1 + r.nextInt(32 - cidr.prefixLength());
                    int inside = cidr.network() | r.nextInt() & ~Cidr.mask(cidr.prefixLength());
                    excepts.add(new Cidr(inside, length));
                }
                blocks.add(new IpBlock(cidr, excepts));
                for (Cidr c : excepts.isEmpty() ? List.of(cidr) : excepts) {
                    int first = c.network();
                    int last = first | ~Cidr.mask(c.prefixLength());
                    probes.addAll(List.of(first, last, first - 1, last + 1, first ^ 1 << r.nextInt(32)));
                }
            }
            for (int i = 0; i < 20; i++) {
                probes.add(r.nextInt());
            }
            IpBlockTrie trie = new IpBlockTrie(blocks);
            PortTable.Builder builder = new PortTable.Builder();
            builder.anyProtocol(new PeerMatcher[] {trie});
            int[] code = builder.build().code;
            for (int address : probes) {
                boolean want = false;
                for (IpBlock b : blocks) {
                    want |= b.cidr().contains(address) && b.except().stream().noneMatch(e -> e.contains(address));
                }
                assertThat(PortTable.allows(code, sets, address, -1, 0, null))
                        .as("%s %s", blocks, Cidr.formatAddress(address)).isEqualTo(want);
                assertThat(trie.matches(address)).as("%s %s", blocks, Cidr.formatAddress(address)).isEqualTo(want);
            }
        }
        // The Service range: the root and the /12, nothing between.
        IpBlockTrie serviceRange = new IpBlockTrie(List.of(new IpBlock(Cidr.parse("10.96.0.0/12"), List.of())));
        assertThat(PortTable.compress(serviceRange)).hasSize(2 * PortTable.TRIE_NODE);
    }

    @Test
    void intHashSetKeepsEveryKeyThroughRemovals() {
        IntHashSet set = new IntHashSet();
        List<Integer> keys = new ArrayList<>();
        for (int i = -50; i < 500; i++) {
            keys.add(i * 0x01000193);
        }
        keys.forEach(set::add);
        for (int i = 0; i < keys.size(); i += 3) {
            assertThat(set.remove(keys.get(i))).isTrue();
        }
        Map<Integer, Boolean> want = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            want.put(keys.get(i), i % 3 != 0);
        }
        want.forEach((k, present) -> assertThat(set.contains(k)).as("%d", k).isEqualTo(present));
        assertThat(set.contains(12345)).isFalse();
        assertThat(set.size()).isEqualTo(keys.size() - (keys.size() + 2) / 3);
    }

    @Test
    void portTableFloorIsTheLastStartAtOrBelow() {
        java.util.Random r = new java.util.Random(5);
        for (int trial = 0; trial < 2000; trial++) {
            int[] starts = r.ints(r.nextInt(12), 0, 100).distinct().sorted().toArray();
            int port = r.nextInt(110) - 5;
            int want = -1;
            for (int i = 0; i < starts.length; i++) {
                if (starts[i] <= port) {
                    want = i;
                }
            }
            assertThat(PortTable.floor(starts, port)).as("%s %d", java.util.Arrays.toString(starts), port)
                    .isEqualTo(want);
        }
    }
}
