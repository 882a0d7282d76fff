package dev.podlab.policy.felix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.cluster.NodeViews;
import dev.podlab.cluster.Probe;
import dev.podlab.cluster.RecordingSink;
import dev.podlab.cluster.model.Topology;
import dev.podlab.cluster.yaml.LoadedObjects;
import dev.podlab.cluster.yaml.TopologyLoader;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.Tracer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * canal end to end: the calico CNI plugin's workload plumbing (reference calico.md section 2) and
 * Felix's enforcement (networkpolicy.md Part B) through the emulated datapath, same-node and
 * cross-node, with the verdicts the Kubernetes NetworkPolicy docs give.
 */
class CanalFelixTest {
    static final String CLUSTER = """
            apiVersion: podlab.dev/v1alpha1
            kind: Cluster
            metadata: {name: canal}
            spec:
              nodes:
              - {name: node1, address: 192.168.1.11/24}
              - {name: node2, address: 192.168.1.12/24}
              cni:
                canal: {Network: 10.244.0.0/16, Backend: {Type: vxlan}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: nginx, namespace: default, labels: {run: nginx}}
            spec:
              nodeName: node1
              containers:
              - name: nginx
                ports:
                - {name: http, containerPort: 80}
                - {name: dns, containerPort: 53, protocol: UDP}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: nginx, namespace: default}
            spec:
              selector: {run: nginx}
              ports: [{port: 80}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: busy1, namespace: default, labels: {run: busy1}}
            spec: {nodeName: node1, containers: [{name: busy1}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: busy2, namespace: default, labels: {run: busy2}}
            spec: {nodeName: node2, containers: [{name: busy2}]}
            """;

    static final String DEFAULT_DENY = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: default-deny, namespace: default}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
            """;

    static final String ACCESS_NGINX = """
            kind: NetworkPolicy
            apiVersion: networking.k8s.io/v1
            metadata: {name: access-nginx, namespace: default}
            spec:
              podSelector:
                matchLabels: {run: nginx}
              ingress:
              - from:
                - podSelector:
                    matchLabels: {access: "true"}
            """;

    /** A built cluster with a recorder, plus helpers to apply objects and probe. */
    static final class Lab {
        final Cluster cluster;
        final RecordingSink sink = new RecordingSink();

        Lab(String yaml) {
            Topology t = TopologyLoader.loadString(yaml, "cluster.yaml");
            Simulator sim = new Simulator(1);
            cluster = Cluster.build(t, sim, new Tracer(sim, sink));
        }

        void apply(String yaml) {
            LoadedObjects objs = TopologyLoader.objects(yaml, "apply.yaml", cluster.namespaces().keySet());
            assertThat(objs.refused()).isEmpty();
            objs.networkPolicies().forEach(cluster::applyNetworkPolicy);
        }

        Probe.Result probe(String from, String to, int port, String proto) {
            return Probe.run(cluster, new Probe.Request(from, to, port, proto, 1_000_000_000L), sink);
        }

        String verdict(String from, String to, int port) {
            return probe(from, to, port, "tcp").verdict();
        }

        String show(String target, String view) {
            return NodeViews.show(cluster, target, view);
        }
    }

    /** calico.md section 2: {@code cali} + 11 hex digits of SHA-1 of "namespace.pod". */
    static String caliName(String namespace, String pod) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-1").digest((namespace + "." + pod).getBytes(StandardCharsets.UTF_8));
        return "cali" + HexFormat.of().formatHex(d).substring(0, 11);
    }

    @Test
    void podsAreAttachedAsTheCalicoPluginDoes() throws Exception {
        Lab lab = new Lab(CLUSTER);
        ClusterPod nginx = lab.cluster.pod("default/nginx");
        String cali = caliName("default", "nginx");
        String ip = Ipv4Address.toString(nginx.ip());

        // Container side: the /32 address and the 169.254.1.1 routes.
        assertThat(lab.show("default/nginx", "addr")).contains("inet " + ip + "/32 scope global eth0");
        assertThat(lab.show("default/nginx", "routes"))
                .contains("default via 169.254.1.1 dev eth0")
                .contains("169.254.1.1 dev eth0 scope link");
        // Host side: the cali interface with the fixed MAC and the /32 route; no bridge.
        assertThat(lab.show("node1", "links")).contains(cali).contains("ee:ee:ee:ee:ee:ee").doesNotContain("cni0");
        assertThat(lab.show("node1", "routes")).contains(ip + " dev " + cali + " scope link");
        // The pod resolves the gateway by the host's proxy ARP.
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("connected");
        assertThat(lab.show("default/busy2", "neigh")).contains("169.254.1.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee");
    }

    @Test
    void withoutPoliciesEverythingConnects() {
        Lab lab = new Lab(CLUSTER);
        assertThat(lab.verdict("default/busy1", "default/nginx", 80)).isEqualTo("connected");
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("connected");
        assertThat(lab.verdict("default/busy2", "default/nginx", 81)).isEqualTo("refused");
    }

    @Test
    void defaultDenyDropsSilentlyOnBothPathsAndNamesThePolicy() {
        Lab lab = new Lab(CLUSTER);
        lab.apply(DEFAULT_DENY);
        for (String client : new String[] {"default/busy1", "default/busy2"}) {
            Probe.Result r = lab.probe(client, "default/nginx", 80, "tcp");
            // Calico's FilterDenyAction is DROP: the client times out, no refusal.
            assertThat(r.verdict()).as(client).isEqualTo("dropped");
            assertThat(r.reason()).contains("cali-tw-" + lab.cluster.cni().hostInterface(lab.cluster.pod("default/nginx")))
                    .contains("Drop if no policies passed packet")
                    .contains("ingress of default/nginx is isolated by default/default-deny");
        }
        // A rule without ports covers every protocol: ping is dropped too; the Service path as well.
        assertThat(lab.probe("default/busy2", "default/nginx", 0, "icmp").verdict()).isEqualTo("dropped");
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("dropped");
        // podSelector {} isolates every pod of the namespace, busy2 included.
        assertThat(lab.probe("default/nginx", "default/busy2", 0, "icmp").verdict()).isEqualTo("dropped");
    }

    @Test
    void accessTrueIsAllowedAndRelabellingTakesEffect() {
        Lab lab = new Lab(CLUSTER);
        lab.apply(ACCESS_NGINX);
        assertThat(lab.verdict("default/busy1", "default/nginx", 80)).isEqualTo("dropped");
        lab.cluster.labelPod("default/busy1", "access", "true");
        assertThat(lab.verdict("default/busy1", "default/nginx", 80)).isEqualTo("connected");
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("dropped");
        lab.cluster.labelPod("default/busy2", "access", "true");
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("connected");
        // The selector's set holds exactly the labelled pods, on the node that needs it.
        String sets = lab.show("node1", "ipsets");
        assertThat(sets).contains("add cali40s:")
                .contains(Ipv4Address.toString(lab.cluster.pod("default/busy1").ip()))
                .contains(Ipv4Address.toString(lab.cluster.pod("default/busy2").ip()))
                .doesNotContain(" " + Ipv4Address.toString(lab.cluster.pod("default/nginx").ip()) + "\n");
        lab.cluster.labelPod("default/busy1", "access", null);
        assertThat(lab.verdict("default/busy1", "default/nginx", 80)).isEqualTo("dropped");
        // Deleting the policy removes the isolation.
        assertThat(lab.cluster.deleteNetworkPolicy("default", "access-nginx")).isTrue();
        assertThat(lab.verdict("default/busy1", "default/nginx", 80)).isEqualTo("connected");
    }

    @Test
    void namedPortsAndProtocolsAreResolvedOnTheDestinationPod() {
        Lab lab = new Lab(CLUSTER);
        lab.apply("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: http-only, namespace: default}
                spec:
                  podSelector: {matchLabels: {run: nginx}}
                  ingress:
                  - ports: [{port: http}]
                """);
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("connected");
        // UDP 53 is declared but not allowed: dropped; TCP 81 is no named port: dropped.
        assertThat(lab.probe("default/busy2", "default/nginx", 53, "udp").verdict()).isEqualTo("dropped");
        assertThat(lab.verdict("default/busy2", "default/nginx", 81)).isEqualTo("dropped");
        assertThat(lab.show("node1", "ipsets")).contains("hash:ip,port")
                .contains(Ipv4Address.toString(lab.cluster.pod("default/nginx").ip()) + ",tcp:80");
    }

    @Test
    void egressToAServiceIsJudgedOnTheChosenEndpoint() {
        Lab lab = new Lab(CLUSTER);
        lab.apply("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: busy2-to-nginx, namespace: default}
                spec:
                  podSelector: {matchLabels: {run: busy2}}
                  policyTypes: [Egress]
                  egress:
                  - to: [{podSelector: {matchLabels: {run: nginx}}}]
                    ports: [{protocol: TCP, port: 80}]
                """);
        // The ClusterIP is DNATed before FORWARD: cali-fw- sees the nginx pod and port 80.
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("connected");
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("connected");
        Probe.Result toBusy1 = lab.probe("default/busy2", "default/busy1", 0, "icmp");
        assertThat(toBusy1.verdict()).isEqualTo("dropped");
        assertThat(toBusy1.reason()).contains("cali-fw-").contains("egress of default/busy2");
    }

    @Test
    void theFilterTableReadsLikeFelixsLayout() {
        Lab lab = new Lab(CLUSTER);
        lab.apply(ACCESS_NGINX);
        String nginxIf = lab.cluster.cni().hostInterface(lab.cluster.pod("default/nginx"));
        String save = lab.show("node1", "iptables");
        // networkpolicy.md B.2: the top-level jumps and the endpoint chain's order.
        assertThat(save).contains("-A FORWARD -m comment --comment \"cali:wUHhoiAYhphO9Mso\" -j cali-FORWARD")
                .contains("-A INPUT -m comment --comment \"cali:Cz_u1IQiXIMmKD4c\" -j cali-INPUT")
                .contains("-A cali-FORWARD -i cali+ ")
                .contains("-A cali-to-wl-dispatch -o " + nginxIf + " ")
                .contains("-g cali-tw-" + nginxIf)
                .contains("-A cali-OUTPUT -o cali+ ");
        java.util.List<String> tw = save.lines().filter(l -> l.startsWith("-A cali-tw-" + nginxIf + " ")).toList();
        assertThat(tw.get(0)).endsWith("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        assertThat(tw.get(1)).endsWith("-m conntrack --ctstate INVALID -j DROP");
        assertThat(tw.get(2)).endsWith("-j MARK --set-xmark 0x0/0x10000");
        assertThat(tw.get(3)).endsWith("-m comment --comment \"Start of policies\" -j MARK --set-xmark 0x0/0x20000");
        assertThat(tw.get(4)).contains("-m mark --mark 0x0/0x20000 -j cali-pi-");
        assertThat(tw.get(6)).contains("\"Drop if no policies passed packet\" -m mark --mark 0x0/0x20000 -j DROP");
        // The policy chain marks on the selector set and returns on the mark.
        java.util.List<String> pi = save.lines().filter(l -> l.startsWith("-A cali-pi-")).toList();
        assertThat(pi).hasSize(2);
        assertThat(pi.get(0)).matches(".* -m set --match-set cali40s:\\S{23} src -j MARK --set-xmark 0x10000/0x10000");
        assertThat(pi.get(1)).endsWith("-m mark --mark 0x10000/0x10000 -j RETURN");
        // node2 runs no pod the policy selects: no policy chain there.
        assertThat(lab.show("node2", "iptables")).doesNotContain("cali-pi-");
    }

    @Test
    void chainsThatDidNotChangeKeepTheirCounters() {
        Lab lab = new Lab(CLUSTER);
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("connected");
        String before = counters(lab, "-A cali-FORWARD -i cali+ ");
        assertThat(before).doesNotStartWith("[0:0]");
        lab.apply(DEFAULT_DENY);
        assertThat(counters(lab, "-A cali-FORWARD -i cali+ ")).isEqualTo(before);
    }

    private static String counters(Lab lab, String rulePrefix) {
        String save = lab.cluster.node("node1").netfilter().iptables().save("1.8.9 (nf_tables)", "-", true);
        return save.lines().filter(l -> l.contains(rulePrefix.substring(3))).findFirst().orElseThrow().split(" ")[0];
    }

    @Test
    void anInvalidPolicyIsRefusedAndTheOthersApply() {
        Lab lab = new Lab(CLUSTER + """
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: broken, namespace: default}
                spec:
                  podSelector: {}
                  ingress:
                  - from:
                    - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/8]}
                ---
                """ + DEFAULT_DENY);
        assertThat(lab.cluster.warnings()).anySatisfy(w -> assertThat(w)
                .contains("NetworkPolicy default/broken is invalid")
                .contains("spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`"));
        assertThat(lab.cluster.networkPolicies()).extracting(p -> p.name()).containsExactly("default-deny");
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("dropped");
    }

    @Test
    void plainFlannelAdmitsPoliciesButEnforcesNone() {
        Lab lab = new Lab(CLUSTER.replace("canal:", "flannel:") + "---\n" + DEFAULT_DENY);
        assertThat(lab.cluster.policyEnforcer()).isNull();
        assertThat(lab.cluster.warnings()).anySatisfy(w -> assertThat(w)
                .contains("the CNI \"flannel\" enforces no NetworkPolicy"));
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("connected");
    }

    @Test
    void theIndexedEngineClassifiesThroughOneBpfRuleAndFollowsChanges() {
        Lab lab = new Lab(CLUSTER.replace("  cni:\n", "  networkPolicy: {engine: indexed}\n  cni:\n"));
        lab.apply(ACCESS_NGINX);
        String nginxIf = lab.cluster.cni().hostInterface(lab.cluster.pod("default/nginx"));
        String save = lab.show("node1", "iptables");
        assertThat(save).contains("-A cali-tw-" + nginxIf + " ")
                .contains("-m bpf --object-pinned /sys/fs/bpf/podlab/felix/ingress -j MARK --set-xmark 0x10000/0x10000")
                .doesNotContain("cali-pi-").doesNotContain("cali40s:");
        assertThat(lab.verdict("default/busy1", "default/nginx", 80)).isEqualTo("dropped");
        lab.cluster.labelPod("default/busy1", "access", "true");
        assertThat(lab.verdict("default/busy1", "default/nginx", 80)).isEqualTo("connected");
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("dropped");
        assertThat(lab.cluster.deleteNetworkPolicy("default", "access-nginx")).isTrue();
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("connected");
        // The chains did not change with the policies: only the index did.
        assertThat(lab.show("node1", "iptables")).isEqualTo(save);
    }

    @Test
    void anEstablishedConnectionOutlivesANewDenyAndANewOneDoesNot() {
        Lab lab = new Lab(CLUSTER);
        ClusterPod busy2 = lab.cluster.pod("default/busy2");
        ClusterPod nginx = lab.cluster.pod("default/nginx");
        byte[] get = "GET / HTTP/1.1\r\nHost: nginx\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        dev.podlab.apps.TcpClient client = new dev.podlab.apps.TcpClient(busy2.netns(), nginx.ip(), 80, 2_000_000_000L, get);
        // Up to the handshake: the connection is in conntrack, the request not yet across.
        for (int i = 0; i < 100_000 && client.outcome() == null; i++) {
            lab.cluster.sim().step();
        }
        assertThat(client.outcome().verdict()).isEqualTo(dev.podlab.apps.Outcome.Verdict.CONNECTED);
        lab.apply(DEFAULT_DENY);
        lab.cluster.sim().runUntil(lab.cluster.sim().now() + 1_000_000_000L);
        // RELATED,ESTABLISHED is accepted before any policy: the response comes back whole.
        assertThat(client.endOfStream()).isTrue();
        assertThat(new String(client.response(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200 OK");
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("dropped");
    }

    @Test
    void aDeletedPodsConntrackEntriesGoWithIt() {
        Lab lab = new Lab(CLUSTER);
        assertThat(lab.verdict("default/busy2", "default/nginx", 80)).isEqualTo("connected");
        String ip = Ipv4Address.toString(lab.cluster.pod("default/nginx").ip());
        assertThat(lab.show("node1", "conntrack")).contains("dst=" + ip);
        assertThat(lab.cluster.deletePod("default/nginx")).isTrue();
        assertThat(lab.show("node1", "conntrack")).doesNotContain("dst=" + ip);
        assertThat(lab.show("node2", "conntrack")).doesNotContain("dst=" + ip);
    }
}
