package dev.podlab.policy;

import static dev.podlab.policy.Protocol.SCTP;
import static dev.podlab.policy.Protocol.TCP;
import static dev.podlab.policy.Protocol.UDP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.policy.PolicyEvaluator.Endpoint;
import dev.podlab.policy.PolicyEvaluator.Explanation;
import dev.podlab.policy.PolicyEvaluator.Node;
import dev.podlab.policy.PolicyEvaluator.Pod;
import dev.podlab.policy.PolicyEvaluator.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reference evaluator on the Kubernetes documentation's examples
 * (concepts/services-networking/network-policies.md) and the classic recipes. Every expected
 * verdict is reasoned from the API documentation and the reference (A.1, A.3, A.4, Part D), as
 * the comment beside it says.
 *
 * <pre>
 *  node n1 192.168.1.11                    node n2 192.168.1.12
 *  ├─ default/web    10.244.1.10 app=web   ├─ default/db      10.244.2.10 role=db
 *  │     http 80/TCP, metrics 9090/TCP,    ├─ default/other   10.244.2.11
 *  │     dns 53/UDP                        ├─ myproject/app   10.244.2.20
 *  ├─ default/client 10.244.1.11 access=true, role=frontend
 *  ├─ prod/fe        10.244.1.20 role=frontend          namespaces: default, prod (team=prod),
 *  └─ prod/client    10.244.1.21 access=true            dev (team=dev), myproject (project=myproject)
 *                                          └─ dev/fe    10.244.2.30 role=frontend
 *  outside: 172.17.0.5, 172.17.1.5, 8.8.8.8, 10.0.0.5
 * </pre>
 */
class PolicyEvaluatorTest {
    static final List<NamespaceSpec> NAMESPACES = List.of(ns("default", Map.of()), ns("prod", Map.of("team", "prod")),
            ns("dev", Map.of("team", "dev")), ns("myproject", Map.of("project", "myproject")));
    static final Pod WEB = pod("default", "web", Map.of("app", "web"), "10.244.1.10", "n1",
            new ContainerPort("http", 80, "TCP"), new ContainerPort("metrics", 9090, "TCP"),
            new ContainerPort("dns", 53, "UDP"));
    static final Pod CLIENT = pod("default", "client", Map.of("access", "true", "role", "frontend"), "10.244.1.11", "n1");
    static final Pod DB = pod("default", "db", Map.of("role", "db"), "10.244.2.10", "n2",
            new ContainerPort("postgres", 5432, "TCP"));
    static final Pod OTHER = pod("default", "other", Map.of(), "10.244.2.11", "n2");
    static final Pod PROD_FE = pod("prod", "fe", Map.of("role", "frontend"), "10.244.1.20", "n1");
    static final Pod PROD_CLIENT = pod("prod", "client", Map.of("access", "true"), "10.244.1.21", "n1");
    static final Pod DEV_FE = pod("dev", "fe", Map.of("role", "frontend"), "10.244.2.30", "n2");
    static final Pod MYPROJECT_APP = pod("myproject", "app", Map.of(), "10.244.2.20", "n2");
    static final List<Pod> PODS = List.of(WEB, CLIENT, DB, OTHER, PROD_FE, PROD_CLIENT, DEV_FE, MYPROJECT_APP);
    static final List<Node> NODES = List.of(new Node("n1", List.of(ip("192.168.1.11"), ip("10.244.1.1"))),
            new Node("n2", List.of(ip("192.168.1.12"), ip("10.244.2.1"))));

    private final List<NetworkPolicy> policies = new ArrayList<>();

    private PolicyEvaluator evaluator() {
        return new PolicyEvaluator(NAMESPACES, PODS, NODES, policies);
    }

    private void policy(String namespace, String name, String spec) {
        policies.add(Specs.policy(namespace, name, spec));
    }

    private boolean allowed(Pod src, Pod dst, Protocol protocol, int port) {
        return evaluator().allowed(src, dst, protocol, port);
    }

    private boolean allowed(String srcAddress, Pod dst, Protocol protocol, int port) {
        PolicyEvaluator e = evaluator();
        return e.allowed(e.endpoint(ip(srcAddress)), Endpoint.of(dst), protocol, port);
    }

    private boolean allowed(Pod src, String dstAddress, Protocol protocol, int port) {
        PolicyEvaluator e = evaluator();
        return e.allowed(Endpoint.of(src), e.endpoint(ip(dstAddress)), protocol, port);
    }

    private Explanation explain(Pod src, Pod dst, Protocol protocol, int port) {
        return evaluator().explain(Endpoint.of(src), Endpoint.of(dst), protocol, port);
    }

    @Test
    void withoutPoliciesEverythingIsAllowed() {
        // A.1: a pod no policy selects is unrestricted in both directions.
        for (Pod src : PODS) {
            for (Pod dst : PODS) {
                assertThat(allowed(src, dst, UDP, 9)).isTrue();
            }
        }
        assertThat(allowed("8.8.8.8", DB, TCP, 5432)).isTrue();
        assertThat(explain(CLIENT, WEB, TCP, 80).ingress().reason()).isEqualTo(Reason.NOT_ISOLATED);
    }

    @Test
    void defaultDenyIngress() {
        // docs "Default deny all ingress traffic": podSelector {}, policyTypes [Ingress], no rules.
        policy("default", "default-deny-ingress", "podSelector: {}\npolicyTypes: [Ingress]");
        assertThat(allowed(CLIENT, WEB, TCP, 80)).as("same namespace").isFalse();
        assertThat(allowed(PROD_FE, WEB, TCP, 80)).as("other namespace").isFalse();
        assertThat(allowed("8.8.8.8", WEB, TCP, 80)).as("outside").isFalse();
        assertThat(allowed(WEB, PROD_FE, TCP, 80)).as("egress is not isolated, prod not isolated").isTrue();
        assertThat(allowed(WEB, WEB, TCP, 80)).as("a pod to itself").isTrue();
        assertThat(allowed("192.168.1.11", WEB, TCP, 80)).as("from web's own node").isTrue();
        assertThat(allowed("10.244.1.1", WEB, TCP, 80)).as("any address of the own node").isTrue();
        assertThat(allowed("192.168.1.12", WEB, TCP, 80)).as("from another node").isFalse();
        assertThat(allowed("192.168.1.12", DB, TCP, 80)).as("that node is db's own").isTrue();
        Explanation x = explain(CLIENT, WEB, TCP, 80);
        assertThat(x.ingress().reason()).isEqualTo(Reason.NO_RULES);
        assertThat(x.ingress().selecting()).extracting(NetworkPolicy::name).containsExactly("default-deny-ingress");
        assertThat(x.egress().reason()).isEqualTo(Reason.NOT_ISOLATED);
    }

    @Test
    void defaultDenyEgress() {
        // docs "Default deny all egress traffic": policyTypes [Egress] and no egress rules.
        policy("default", "default-deny-egress", "podSelector: {}\npolicyTypes: [Egress]");
        assertThat(allowed(WEB, DB, TCP, 5432)).isFalse();
        assertThat(allowed(WEB, "8.8.8.8", UDP, 53)).isFalse();
        assertThat(allowed(PROD_FE, WEB, TCP, 80)).as("ingress stays open").isTrue();
        assertThat(allowed("8.8.8.8", WEB, TCP, 80)).isTrue();
        assertThat(explain(WEB, DB, TCP, 5432).egress().reason()).isEqualTo(Reason.NO_RULES);
    }

    @Test
    void allowAllIngressOverridesDenyByUnion() {
        // docs "Allow all ingress traffic": ingress [{}]; policies are a union, so the deny-all
        // next to it takes nothing away.
        policy("default", "default-deny-ingress", "podSelector: {}\npolicyTypes: [Ingress]");
        policy("default", "allow-all-ingress", "podSelector: {}\ningress: [{}]\npolicyTypes: [Ingress]");
        assertThat(allowed(PROD_FE, WEB, SCTP, 7)).isTrue();
        assertThat(allowed("8.8.8.8", WEB, UDP, 53)).isTrue();
        assertThat(explain(PROD_FE, WEB, SCTP, 7).ingress().allowedBy()).hasToString(
                "default/allow-all-ingress ingress[0] (all peers) (all ports)");
    }

    @Test
    void allowAllEgress() {
        // docs "Allow all egress traffic": egress [{}], policyTypes [Egress].
        policy("default", "default-deny-egress", "podSelector: {}\npolicyTypes: [Egress]");
        policy("default", "allow-all-egress", "podSelector: {}\negress: [{}]\npolicyTypes: [Egress]");
        assertThat(allowed(WEB, "8.8.8.8", UDP, 53)).isTrue();
        assertThat(allowed(WEB, DEV_FE, TCP, 1)).isTrue();
    }

    @Test
    void accessTrueLabel() {
        // tasks/administer-cluster/declare-network-policy: only pods labelled access=true may reach
        // the nginx pods; a podSelector-only peer means pods of the policy's own namespace.
        policy("default", "access-nginx", "podSelector: {matchLabels: {app: web}}\n"
                + "ingress: [{from: [{podSelector: {matchLabels: {access: 'true'}}}]}]");
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isTrue();
        assertThat(allowed(OTHER, WEB, TCP, 80)).isFalse();
        assertThat(allowed(PROD_CLIENT, WEB, TCP, 80)).as("access=true, but in another namespace").isFalse();
        assertThat(allowed(OTHER, DB, TCP, 5432)).as("db is not selected").isTrue();
        assertThat(explain(OTHER, WEB, TCP, 80).ingress().reason()).isEqualTo(Reason.NO_RULE_MATCHES_PEER);
    }

    @Test
    void allowFromNamespace() {
        // namespaceSelector alone: every pod of the matching namespaces; no match for namespaces
        // without the label, the policy's own included.
        policy("default", "from-prod", "podSelector: {matchLabels: {app: web}}\n"
                + "ingress: [{from: [{namespaceSelector: {matchLabels: {team: prod}}}]}]");
        assertThat(allowed(PROD_FE, WEB, TCP, 80)).isTrue();
        assertThat(allowed(PROD_CLIENT, WEB, TCP, 80)).isTrue();
        assertThat(allowed(DEV_FE, WEB, TCP, 80)).isFalse();
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isFalse();
        assertThat(allowed("172.17.0.5", WEB, TCP, 80)).as("selectors never match non-pod addresses").isFalse();
    }

    @Test
    void namespaceByNameLabel() {
        // A.3: namespaces are selectable by kubernetes.io/metadata.name.
        policy("default", "from-dev", "podSelector: {}\ningress: [{from: [{namespaceSelector: "
                + "{matchLabels: {kubernetes.io/metadata.name: dev}}}]}]");
        assertThat(allowed(DEV_FE, WEB, TCP, 80)).isTrue();
        assertThat(allowed(PROD_FE, WEB, TCP, 80)).isFalse();
    }

    @Test
    void andWithinOnePeerOrAcrossPeers() {
        // docs "Behavior of to and from selectors": one element with both selectors is an AND.
        policy("default", "and", "podSelector: {matchLabels: {role: db}}\n"
                + "ingress: [{from: [{namespaceSelector: {matchLabels: {team: prod}}, podSelector: {matchLabels: {role: frontend}}}]}]");
        assertThat(allowed(PROD_FE, DB, TCP, 5432)).as("frontend in prod").isTrue();
        assertThat(allowed(PROD_CLIENT, DB, TCP, 5432)).as("in prod, not frontend").isFalse();
        assertThat(allowed(CLIENT, DB, TCP, 5432)).as("frontend, not in prod").isFalse();
        assertThat(allowed(DEV_FE, DB, TCP, 5432)).as("frontend in dev").isFalse();

        policies.clear();
        // Two elements are an OR: pods in prod, or frontend pods of the policy's own namespace.
        policy("default", "or", "podSelector: {matchLabels: {role: db}}\n"
                + "ingress: [{from: [{namespaceSelector: {matchLabels: {team: prod}}}, {podSelector: {matchLabels: {role: frontend}}}]}]");
        assertThat(allowed(PROD_FE, DB, TCP, 5432)).isTrue();
        assertThat(allowed(PROD_CLIENT, DB, TCP, 5432)).isTrue();
        assertThat(allowed(CLIENT, DB, TCP, 5432)).isTrue();
        assertThat(allowed(DEV_FE, DB, TCP, 5432)).as("frontend, but not in default").isFalse();
        assertThat(allowed(OTHER, DB, TCP, 5432)).isFalse();
    }

    @Test
    void documentationsTestNetworkPolicy() {
        // The docs' "test-network-policy": role=db pods in default accept TCP 6379 from default's
        // role=frontend pods, from pods of namespaces labelled project=myproject, and from
        // 172.17.0.0-172.17.0.255 and 172.17.2.0-172.17.255.255; they may connect to 10.0.0.0/24
        // on TCP 5978 only.
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
        assertThat(allowed(PROD_FE, DB, TCP, 6379)).as("frontend of another namespace").isFalse();
        assertThat(allowed(CLIENT, DB, TCP, 6380)).isFalse();
        assertThat(allowed(CLIENT, DB, UDP, 6379)).isFalse();
        assertThat(allowed(DB, "10.0.0.5", TCP, 5978)).isTrue();
        assertThat(allowed(DB, "10.0.0.5", TCP, 80)).isFalse();
        assertThat(allowed(DB, "10.0.1.5", TCP, 5978)).isFalse();
        assertThat(allowed(DB, WEB, TCP, 5978)).as("egress to a pod outside 10.0.0.0/24").isFalse();
        assertThat(allowed(CLIENT, WEB, TCP, 80)).as("web is not selected").isTrue();

        Explanation port = explain(CLIENT, DB, TCP, 6380);
        assertThat(port.ingress().reason()).isEqualTo(Reason.NO_RULE_MATCHES_PORT);
        assertThat(explain(CLIENT, DB, UDP, 6379).ingress().reason()).isEqualTo(Reason.NO_RULE_MATCHES_PROTOCOL);
        assertThat(explain(PROD_FE, DB, TCP, 6379).ingress().reason()).isEqualTo(Reason.NO_RULE_MATCHES_PEER);
        assertThat(explain(CLIENT, DB, TCP, 6379).ingress().allowedBy()).hasToString(
                "default/test-network-policy ingress[0] from[2] ports[0]");
        assertThat(explain(CLIENT, DB, TCP, 6379)).hasToString("""
                pod default/client (10.244.1.11) -> pod default/db (10.244.2.10) TCP/6379: allowed
                  egress at default/client: pass (no policy selects the pod for this direction: not isolated)
                  ingress at default/db, selected by default/test-network-policy: pass (allowed by a rule: \
                default/test-network-policy ingress[0] from[2] ports[0])""");
    }

    @Test
    void ipBlockMatchesPodAddressesToo() {
        // A.4: ipBlock is matched on the address, whoever has it.
        policy("default", "from-n1-pods", "podSelector: {matchLabels: {role: db}}\n"
                + "ingress: [{from: [{ipBlock: {cidr: 10.244.1.0/24, except: [10.244.1.20/31]}}]}]");
        assertThat(allowed(CLIENT, DB, TCP, 5432)).isTrue();
        assertThat(allowed(PROD_FE, DB, TCP, 5432)).as("10.244.1.20 in except").isFalse();
        assertThat(allowed(PROD_CLIENT, DB, TCP, 5432)).as("10.244.1.21 in except").isFalse();
        assertThat(allowed(OTHER, DB, TCP, 5432)).isFalse();
    }

    @Test
    void egressIpBlockExcept() {
        // The usual "internet but not the cluster" egress rule.
        policy("default", "internet-only", "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\n"
                + "egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 192.168.0.0/16]}}]}]");
        assertThat(allowed(WEB, "8.8.8.8", UDP, 53)).isTrue();
        assertThat(allowed(WEB, DB, TCP, 5432)).isFalse();
        assertThat(allowed(WEB, "192.168.1.12", TCP, 10250)).isFalse();
        assertThat(allowed(WEB, "10.0.0.5", TCP, 80)).isFalse();
    }

    @Test
    void namedPortsResolveOnTheDestinationPod() {
        // A.3: {port: http} is the destination's containerPort named http, with a matching protocol.
        policy("default", "named", "podSelector: {matchLabels: {app: web}}\n"
                + "ingress: [{ports: [{port: http}, {protocol: UDP, port: dns}, {port: dns}]}]");
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isTrue();
        assertThat(allowed(CLIENT, WEB, TCP, 9090)).as("metrics is not named").isFalse();
        assertThat(allowed(CLIENT, WEB, UDP, 80)).as("http is TCP").isFalse();
        assertThat(allowed(CLIENT, WEB, UDP, 53)).isTrue();
        assertThat(allowed(CLIENT, WEB, TCP, 53)).as("{port: dns} is TCP, web's dns is UDP").isFalse();
        assertThat(explain(CLIENT, WEB, TCP, 9090).ingress().reason()).isEqualTo(Reason.NO_RULE_MATCHES_PORT);
        assertThat(explain(CLIENT, WEB, SCTP, 80).ingress().reason()).isEqualTo(Reason.NO_RULE_MATCHES_PROTOCOL);
    }

    @Test
    void namedPortInEgressNeedsADestinationPodThatHasIt() {
        policy("default", "egress-named", "podSelector: {matchLabels: {access: 'true'}}\npolicyTypes: [Egress]\n"
                + "egress: [{ports: [{port: postgres}]}]");
        assertThat(allowed(CLIENT, DB, TCP, 5432)).isTrue();
        assertThat(allowed(CLIENT, WEB, TCP, 5432)).as("web has no port named postgres").isFalse();
        assertThat(allowed(CLIENT, "10.0.0.5", TCP, 5432)).as("not a pod: no named ports").isFalse();
    }

    @Test
    void endPortRanges() {
        // A.3: {port: 32000, endPort: 32768} is TCP 32000-32768 inclusive.
        policy("default", "range", "podSelector: {matchLabels: {access: 'true'}}\npolicyTypes: [Egress]\n"
                + "egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{protocol: TCP, port: 32000, endPort: 32768}]}]");
        assertThat(allowed(CLIENT, DB, TCP, 32000)).isTrue();
        assertThat(allowed(CLIENT, DB, TCP, 32768)).isTrue();
        assertThat(allowed(CLIENT, DB, TCP, 31999)).isFalse();
        assertThat(allowed(CLIENT, DB, TCP, 32769)).isFalse();
        assertThat(allowed(CLIENT, DB, UDP, 32000)).isFalse();
    }

    @Test
    void bothSidesMustAllow() {
        // Part D: egress at the source AND ingress at the destination.
        policy("default", "client-to-db", "podSelector: {matchLabels: {access: 'true'}}\npolicyTypes: [Egress]\n"
                + "egress: [{to: [{podSelector: {matchLabels: {role: db}}}]}]");
        policy("default", "db-from-web", "podSelector: {matchLabels: {role: db}}\n"
                + "ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]");
        Explanation x = explain(CLIENT, DB, TCP, 5432);
        assertThat(x.egress().passes()).isTrue();
        assertThat(x.ingress().reason()).isEqualTo(Reason.NO_RULE_MATCHES_PEER);
        assertThat(x.allowed()).isFalse();
        assertThat(allowed(WEB, DB, TCP, 5432)).isTrue();
        assertThat(allowed(CLIENT, WEB, TCP, 80)).as("client's egress only reaches db").isFalse();
        assertThat(explain(CLIENT, WEB, TCP, 80).egress().reason()).isEqualTo(Reason.NO_RULE_MATCHES_PEER);
    }

    // ------------------------------------------------------------------ reference A.3, row by row

    @Test
    void emptyPodSelectorIsEveryPodOfTheNamespace() {
        policy("default", "p", "podSelector: {}\npolicyTypes: [Ingress]");
        for (Pod p : List.of(WEB, CLIENT, DB, OTHER)) {
            assertThat(allowed(PROD_FE, p, TCP, 80)).isFalse();
        }
        assertThat(allowed(CLIENT, PROD_FE, TCP, 80)).as("other namespaces untouched").isTrue();
    }

    @Test
    void ingressMissingOrEmptyAllowsNothing() {
        policy("default", "missing", "podSelector: {}\npolicyTypes: [Ingress]");
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isFalse();
        policies.clear();
        policy("default", "empty", "podSelector: {}\npolicyTypes: [Ingress]\ningress: []");
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isFalse();
    }

    @Test
    void emptyRuleAllowsEverythingFromEverywhere() {
        policy("default", "p", "podSelector: {}\ningress: [{}]");
        assertThat(allowed("8.8.8.8", WEB, SCTP, 1)).isTrue();
        assertThat(allowed(DEV_FE, WEB, UDP, 65535)).isTrue();
    }

    @Test
    void emptyPeerListIsAllPeersPodsAndAddresses() {
        policy("default", "p", "podSelector: {}\ningress: [{from: [], ports: [{port: 80}]}]");
        assertThat(allowed("8.8.8.8", WEB, TCP, 80)).isTrue();
        assertThat(allowed(DEV_FE, WEB, TCP, 80)).isTrue();
        assertThat(allowed(DEV_FE, WEB, TCP, 81)).isFalse();
    }

    @Test
    void emptyPortListIsAllPortsAndProtocols() {
        policy("default", "p", "podSelector: {}\ningress: [{from: [{podSelector: {}}], ports: []}]");
        assertThat(allowed(CLIENT, WEB, SCTP, 9)).isTrue();
        assertThat(allowed(CLIENT, WEB, UDP, 1)).isTrue();
    }

    @Test
    void emptyPodSelectorPeerIsThePolicysNamespaceOnly() {
        policy("default", "p", "podSelector: {}\ningress: [{from: [{podSelector: {}}]}]");
        assertThat(allowed(OTHER, WEB, TCP, 80)).isTrue();
        assertThat(allowed(PROD_FE, WEB, TCP, 80)).isFalse();
        assertThat(allowed("8.8.8.8", WEB, TCP, 80)).isFalse();
    }

    @Test
    void emptyNamespaceSelectorPeerIsEveryPodButNoAddress() {
        policy("default", "p", "podSelector: {}\ningress: [{from: [{namespaceSelector: {}}]}]");
        assertThat(allowed(OTHER, WEB, TCP, 80)).isTrue();
        assertThat(allowed(DEV_FE, WEB, TCP, 80)).isTrue();
        assertThat(allowed("8.8.8.8", WEB, TCP, 80)).isFalse();
        assertThat(allowed("192.168.1.12", WEB, TCP, 80)).as("another node's address is no pod").isFalse();
    }

    @Test
    void protocolOnlyPortIsEveryPortOfIt() {
        policy("default", "p", "podSelector: {}\ningress: [{ports: [{protocol: UDP}]}]");
        assertThat(allowed(CLIENT, WEB, UDP, 1)).isTrue();
        assertThat(allowed(CLIENT, WEB, UDP, 65535)).isTrue();
        assertThat(allowed(CLIENT, WEB, TCP, 53)).isFalse();
    }

    @Test
    void numericPortIsTcpByDefault() {
        policy("default", "p", "podSelector: {}\ningress: [{ports: [{port: 80}]}]");
        assertThat(allowed(CLIENT, WEB, TCP, 80)).isTrue();
        assertThat(allowed(CLIENT, WEB, UDP, 80)).isFalse();
        assertThat(allowed(CLIENT, WEB, TCP, 81)).isFalse();
    }

    @Test
    void egressOnlyPolicyDoesNotIsolateIngress() {
        // A.2: with policyTypes [Egress] the ingress rules written are ignored.
        policy("default", "p", "podSelector: {}\npolicyTypes: [Egress]\ningress: [{from: [{podSelector: {}}]}]");
        assertThat(allowed(PROD_FE, WEB, TCP, 80)).isTrue();
        assertThat(allowed(WEB, PROD_FE, TCP, 80)).isFalse();
    }

    // ------------------------------------------------------------------ helpers

    static NamespaceSpec ns(String name, Map<String, String> labels) {
        Map<String, String> all = new java.util.HashMap<>(labels);
        all.put(PolicyEvaluator.NAMESPACE_NAME_LABEL, name);
        return new NamespaceSpec(name, all, Source.NONE);
    }

    static Pod pod(String namespace, String name, Map<String, String> labels, String ip, String node,
            ContainerPort... ports) {
        return new Pod(namespace, name, labels, ip(ip), node, List.of(ports));
    }

    static int ip(String dotted) {
        return (int) Cidr.parseAddress(dotted);
    }
}
