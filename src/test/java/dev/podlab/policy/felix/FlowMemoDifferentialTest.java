package dev.podlab.policy.felix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.apps.UdpEchoServer;
import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.cluster.Probe;
import dev.podlab.cluster.RecordingSink;
import dev.podlab.cluster.model.Topology;
import dev.podlab.cluster.yaml.LoadedObjects;
import dev.podlab.cluster.yaml.TopologyLoader;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.netfilter.Chain;
import dev.podlab.netfilter.Iptables;
import dev.podlab.netfilter.Rule;
import dev.podlab.netfilter.TableId;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.TraceSink;
import dev.podlab.trace.Tracer;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The flow memo of netfilter (a connection's later packets replay the table walks of its earlier
 * ones) changes nothing anyone can see. The same script runs on two copies of a canal cluster, one
 * with the memo and one without: long-lived UDP flows, one-way and answered, pod to pod across
 * nodes and on one node and through a Service's DNAT, while NetworkPolicies are applied and
 * deleted, pods relabelled (ipset members for the iptables engine, the policy index for the
 * indexed one), a LOG rule inserted and removed, and TCP probes run between the steps. Every
 * delivery count, every trace event, every rule and policy counter ({@code iptables-save -c}) and
 * every conntrack entry must be the same, and the memo must actually have been used.
 *
 * <p>The expectations on the deliveries themselves follow Calico's documented behaviour: Felix
 * accepts packets of ESTABLISHED connections before any policy, so an answered flow outlives a
 * new deny while a one-way UDP flow (NEW until answered) is judged packet by packet.
 */
class FlowMemoDifferentialTest {
    static final String CLUSTER = """
            apiVersion: podlab.dev/v1alpha1
            kind: Cluster
            metadata: {name: memo}
            spec:
              nodes:
              - {name: node1, address: 192.168.1.11/24}
              - {name: node2, address: 192.168.1.12/24}
              cni:
                canal: {Network: 10.244.0.0/16, Backend: {Type: vxlan}}
              networkPolicy: {engine: ENGINE}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: server, namespace: default, labels: {run: server}}
            spec: {nodeName: node1, containers: [{name: server, ports: [{containerPort: 80}]}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo, namespace: default}
            spec:
              selector: {run: server}
              ports: [{port: 53, targetPort: 5353, protocol: UDP}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: near, namespace: default, labels: {run: near}}
            spec: {nodeName: node1, containers: [{name: near}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: far, namespace: default, labels: {run: far}}
            spec: {nodeName: node2, containers: [{name: far}]}
            """;

    static final String ALLOW_ACCESS = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-access, namespace: default}
            spec:
              podSelector: {matchLabels: {run: server}}
              ingress:
              - from:
                - podSelector: {matchLabels: {access: "true"}}
            """;

    /** Echoes on 5353 (answered flows), counts on 5354 (one-way flows). */
    static final int ECHO = 5353;
    static final int SINK = 5354;

    /** One copy of the cluster with the script's endpoints. */
    static final class World {
        final Cluster cluster;
        final List<String> events = new ArrayList<>();
        final RecordingSink probes;
        final UdpEchoServer echo;
        long sunk;
        /** Replies per client port, by pod. */
        final long[] nearReplies = new long[65536];
        final long[] farReplies = new long[65536];

        World(String engine, boolean memo) {
            Topology t = TopologyLoader.loadString(CLUSTER.replace("ENGINE", engine), "memo.yaml");
            Simulator sim = new Simulator(7);
            TraceSink all = new TraceSink() {
                @Override
                public void accept(TraceEvent e) {
                    events.add(e.toString());
                }
            };
            probes = new RecordingSink(all);
            cluster = Cluster.build(t, sim, new Tracer(sim, probes));
            for (ClusterNode n : cluster.nodes()) {
                n.netfilter().flowMemo(memo);
            }
            NetNamespace server = pod("server").netns();
            echo = new UdpEchoServer(server, ECHO);
            server.sockets().bind(IpProtocol.UDP, 0, SINK, new TransportHandler() {
                @Override
                public void receive(NetNamespace ns, Packet p, int ipOffset, int l4Offset) {
                    sunk++;
                }
            });
            for (int port = 40000; port < 40010; port++) {
                bindReplies(pod("near").netns(), port, nearReplies);
                bindReplies(pod("far").netns(), port, farReplies);
            }
        }

        private static void bindReplies(NetNamespace ns, int port, long[] counts) {
            ns.sockets().bind(IpProtocol.UDP, 0, port, new TransportHandler() {
                @Override
                public void receive(NetNamespace n, Packet p, int ipOffset, int l4Offset) {
                    counts[port]++;
                }
            });
        }

        ClusterPod pod(String name) {
            return cluster.pod("default/" + name);
        }

        /** {@code count} datagrams from {@code from}'s port {@code srcPort} to {@code dst}:{@code port}, then 50 ms. */
        void send(String from, int srcPort, int dst, int port, int count) {
            NetNamespace ns = pod(from).netns();
            for (int i = 0; i < count; i++) {
                Ipv4Spec spec = new Ipv4Spec().addresses(pod(from).ip(), dst).df(false).id(srcPort + i);
                ns.stack().send(new Packet(cluster.network().frames().udp(spec, srcPort, port,
                        Unpooled.wrappedBuffer(new byte[18])), LinkType.ETHERNET));
                cluster.sim().runUntil(cluster.sim().now() + 1_000_000L);
            }
            cluster.sim().runUntil(cluster.sim().now() + 50_000_000L);
        }

        void apply(String yaml) {
            LoadedObjects objs = TopologyLoader.objects(yaml, "apply.yaml", cluster.namespaces().keySet());
            assertThat(objs.refused()).isEmpty();
            objs.networkPolicies().forEach(cluster::applyNetworkPolicy);
        }

        String probe(String from, String to, int port) {
            Probe.Result r = Probe.run(cluster, new Probe.Request("default/" + from, "default/" + to, port, "tcp",
                    1_000_000_000L), probes);
            return r.verdict() + " " + r.reason() + " " + r.hops();
        }

        long replays() {
            long n = 0;
            for (ClusterNode node : cluster.nodes()) {
                n += node.netfilter().iptables().flowMemoReplays();
            }
            return n;
        }

        /** What a user can read off the nodes: rule and policy counters, conntrack. */
        String nodeState() {
            StringBuilder sb = new StringBuilder();
            for (ClusterNode n : cluster.nodes()) {
                Iptables ipt = n.netfilter().iptables();
                // The counters as the getters give them, before iptables-save reads them.
                for (TableId id : TableId.values()) {
                    for (Chain c : ipt.table(id).chains()) {
                        sb.append(id).append(' ').append(c.name()).append(' ').append(c.policyPackets()).append('/')
                                .append(c.policyBytes());
                        for (Rule r : c.rules()) {
                            sb.append(' ').append(r.packets()).append('/').append(r.bytes());
                        }
                        sb.append('\n');
                    }
                }
                sb.append(n.name()).append('\n').append(ipt.save(Iptables.DEFAULT_VERSION, "-", true))
                        .append(n.netfilter().conntrackList());
            }
            return sb.toString();
        }
    }

    /** The script; returns the deliveries after each step. */
    static List<String> script(World w) {
        List<String> seen = new ArrayList<>();
        int server = w.pod("server").ip();
        int service = w.cluster.service("default/echo").clusterIp();
        Runnable flows = () -> {
            w.send("far", 40000, server, ECHO, 3);     // answered, across nodes
            w.send("near", 40000, server, ECHO, 3);    // answered, same node
            w.send("far", 40001, service, 53, 3);      // answered, through the Service's DNAT
            w.send("far", 40002, server, SINK, 3);     // one-way, across nodes
            w.send("near", 40002, server, SINK, 3);    // one-way, same node
        };
        Runnable record = () -> seen.add("echoed " + w.echo.echoed() + " sunk " + w.sunk
                + " far " + w.farReplies[40000] + "/" + w.farReplies[40001] + " near " + w.nearReplies[40000]);

        flows.run();
        record.run();
        seen.add(w.probe("far", "server", 0));

        w.apply(CanalFelixTest.DEFAULT_DENY);
        flows.run();
        record.run();
        w.send("far", 40003, server, SINK, 3);        // a new one-way flow under the deny
        record.run();

        w.apply(ALLOW_ACCESS);
        w.cluster.labelPod("default/far", "access", "true");
        flows.run();
        record.run();
        seen.add(w.probe("far", "server", 0));

        w.cluster.labelPod("default/far", "access", null);
        flows.run();
        record.run();

        ClusterNode node1 = w.cluster.node("node1");
        node1.netfilter().iptables().execute("-I FORWARD 1 -p udp -j LOG --log-prefix \"memo \"");
        flows.run();
        record.run();
        node1.netfilter().iptables().execute("-D FORWARD 1");

        // A set member added and removed under a rule that stays: only the set changes.
        Iptables ipt1 = node1.netfilter().iptables();
        ipt1.ipsets().execute("create memo-block hash:ip");
        ipt1.execute("-I FORWARD 1 -m set --match-set memo-block src -j DROP");
        flows.run();
        record.run();
        ipt1.ipsets().execute("add memo-block " + Ipv4Address.toString(w.pod("far").ip()));
        flows.run();
        record.run();
        ipt1.ipsets().execute("del memo-block " + Ipv4Address.toString(w.pod("far").ip()));
        flows.run();
        record.run();
        ipt1.execute("-D FORWARD 1");

        w.cluster.deleteNetworkPolicy("default", "default-deny");
        w.cluster.deleteNetworkPolicy("default", "allow-access");
        flows.run();
        record.run();
        seen.add(w.probe("near", "server", 0));
        return seen;
    }

    @ParameterizedTest(name = "engine {0}")
    @ValueSource(strings = {"iptables", "indexed"})
    void theMemoChangesNoVerdictTraceCounterOrConntrackEntry(String engine) {
        World on = new World(engine, true);
        World off = new World(engine, false);
        List<String> withMemo = script(on);
        List<String> without = script(off);

        assertThat(withMemo).isEqualTo(without);
        assertThat(on.nodeState()).isEqualTo(off.nodeState());
        assertThat(on.events).hasSameSizeAs(off.events);
        for (int i = 0; i < on.events.size(); i++) {
            assertThat(on.events.get(i)).as("trace event %d", i).isEqualTo(off.events.get(i));
        }
        assertThat(on.replays()).as("walks replayed with the memo").isGreaterThan(100);
        assertThat(off.replays()).isZero();

        // The script means something: no policy, then a deny that answered flows outlive and
        // one-way ones do not, then the allow for the labelled pod, then its label gone.
        assertThat(withMemo.get(0)).isEqualTo("echoed 9 sunk 6 far 3/3 near 3");
        assertThat(withMemo.get(2)).isEqualTo("echoed 18 sunk 6 far 6/6 near 6");
        assertThat(withMemo.get(3)).isEqualTo("echoed 18 sunk 6 far 6/6 near 6");
        assertThat(withMemo.get(4)).isEqualTo("echoed 27 sunk 9 far 9/9 near 9");
        assertThat(withMemo.get(6)).isEqualTo("echoed 36 sunk 9 far 12/12 near 12");
        // far's packets dropped on node1 while it is in the set, near's not.
        assertThat(withMemo.get(9)).isEqualTo("echoed 57 sunk 9 far 18/18 near 21");
        assertThat(withMemo.get(1)).startsWith("connected");
        assertThat(withMemo.get(5)).startsWith("connected");
    }
}
