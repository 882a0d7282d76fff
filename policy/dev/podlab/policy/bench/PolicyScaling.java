package dev.podlab.policy.bench;

import dev.podlab.net.Hook;
import dev.podlab.netfilter.Ct;
import dev.podlab.netfilter.Iptables;
import dev.podlab.netfilter.NfVerdict;
import dev.podlab.netfilter.PacketContext;
import dev.podlab.netfilter.TableId;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Frames;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.TcpSpec;
import dev.podlab.policy.PolicyEvaluator;
import dev.podlab.policy.PolicyIndex;
import dev.podlab.policy.felix.FelixEnforcer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Rule-set scaling of NetworkPolicy enforcement on one node (node 0 of a {@link PolicyWorkload}):
 * the first packet of a connection classified three ways, with the same verdict:
 * <ul>
 * <li>{@code iptables}: Felix's chains in the node's filter table, walked rule by rule by the
 *     emulated {@code ipt_do_table} from FORWARD (dispatch, endpoint chains, policy chains, ipset
 *     lookups) — the baseline a real node pays;</li>
 * <li>{@code indexed-chains}: the same base and endpoint chains with the policy section replaced by
 *     the {@code -m bpf} rule calling the indexed classifier — what {@code engine: indexed} runs;</li>
 * <li>{@code indexed}: {@link PolicyIndex} alone.</li>
 * </ul>
 * Plus the costs of getting there: building the index from scratch, rendering and loading
 * Felix's rules for the node, one pod relabel in the index, and the index's retained heap.
 */
public final class PolicyScaling {
    /** One measured size. Times in ns per packet, ms, or µs as named. */
    public record Row(String shape, int policies, int pods, double iptablesNs, double indexedChainsNs,
            double indexedNs, double indexBuildMs, double felixLoadMs, double relabelUs, long indexBytes,
            int nodeRules) {}

    /** The three classifiers, ready, for one workload; query {@code i} is {@code workload.queries().get(i)}. */
    public static final class Setup {
        public final PolicyWorkload workload;
        public final PolicyIndex index;
        public final Iptables iptables;
        public final Iptables indexedChains;
        final double indexBuildMs;
        final double felixLoadMs;
        private final PacketContext[] contexts;
        private final int[] src;
        private final int[] dst;
        private final int[] protocol;
        private final int[] port;
        private final boolean[] local;

        public Setup(PolicyWorkload w) {
            this.workload = w;
            String node = PolicyWorkload.nodeName(0);
            Map<String, String> ifaces = new HashMap<>();
            Map<Integer, PolicyEvaluator.Pod> byIp = new HashMap<>();
            for (int i = 0; i < w.pods().size(); i++) {
                PolicyEvaluator.Pod p = w.pods().get(i);
                ifaces.put(p.qualifiedName(), String.format("cali%011x", i));
                byIp.put(p.ip(), p);
            }
            long t0 = System.nanoTime();
            index = buildIndex(w);
            indexBuildMs = (System.nanoTime() - t0) / 1e6;
            t0 = System.nanoTime();
            iptables = new Iptables();
            FelixEnforcer.program(iptables, node, w.pods(), ifaces, w.namespaces(), w.policies(), false);
            felixLoadMs = (System.nanoTime() - t0) / 1e6;
            indexedChains = new Iptables();
            FelixEnforcer.pin(indexedChains, index);
            FelixEnforcer.program(indexedChains, node, w.pods(), ifaces, w.namespaces(), w.policies(), true);

            // Heap buffers held for the setup's life, outside leak detection.
            Frames frames = new Frames(new UnpooledByteBufAllocator(false, true));
            int n = w.queries().size();
            contexts = new PacketContext[n];
            src = new int[n];
            dst = new int[n];
            protocol = new int[n];
            port = new int[n];
            local = new boolean[n];
            for (int i = 0; i < n; i++) {
                PolicyWorkload.Query q = w.queries().get(i);
                Ipv4Spec ip = new Ipv4Spec().addresses(q.src(), q.dst());
                ByteBuf frame = q.protocol() == 17 ? frames.udp(ip, 40000, q.port(), null)
                        : frames.tcp(ip, new TcpSpec().ports(40000, q.port()).flags(Tcp.SYN).window(64240), null);
                PolicyEvaluator.Pod from = byIp.get(q.src());
                local[i] = from.node().equals(node);
                String in = local[i] ? ifaces.get(from.qualifiedName()) : "flannel.1";
                contexts[i] = new PacketContext().packet(frame, frame.readerIndex() + Ethernet.HEADER_LENGTH)
                        .interfaces(in, 2, ifaces.get(byIp.get(q.dst()).qualifiedName()), 3);
                src[i] = q.src();
                dst[i] = q.dst();
                protocol[i] = q.protocol();
                port[i] = q.port();
            }
            for (int i = 0; i < n; i++) {
                boolean a = iptables(i);
                boolean b = indexedChains(i);
                boolean c = indexed(i);
                if (a != b || b != c) {
                    throw new IllegalStateException("engines disagree on query " + i + ": iptables " + a
                            + ", indexed chains " + b + ", index " + c);
                }
            }
        }

        /** Query {@code i} through Felix's chains, walked in order. */
        public boolean iptables(int i) {
            return run(iptables, contexts[i]);
        }

        /** Query {@code i} through the chains with the indexed classifier. */
        public boolean indexedChains(int i) {
            return run(indexedChains, contexts[i]);
        }

        /** Query {@code i} by the index alone: both sides when the source is local, else ingress. */
        public boolean indexed(int i) {
            return local[i] ? index.allowed(src[i], dst[i], protocol[i], port[i])
                    : index.ingressAllowed(src[i], dst[i], protocol[i], port[i]);
        }

        private static boolean run(Iptables ipt, PacketContext c) {
            c.conntrack(Ct.STATE_NEW, false, 0).mark(0).resetResults();
            return ipt.run(TableId.FILTER, Hook.FORWARD, c) == NfVerdict.ACCEPT;
        }

        /** The rules in the node's filter table (Felix's and nothing else). */
        public int nodeRules() {
            int n = 0;
            for (var chain : iptables.table(TableId.FILTER).chains()) {
                n += chain.rules().size();
            }
            return n;
        }

        public int queries() {
            return contexts.length;
        }
    }

    private PolicyScaling() {
    }

    /** The index of a workload, built from scratch: namespaces, pods, then policies. */
    public static PolicyIndex buildIndex(PolicyWorkload w) {
        PolicyIndex index = new PolicyIndex(w.nodes());
        w.namespaces().forEach(index::upsertNamespace);
        w.pods().forEach(index::upsertPod);
        index.upsertPolicies(w.policies());
        return index;
    }

    /** Measures one size: warm-up, then about {@code measureMs} per classifier. */
    public static Row measure(PolicyWorkload.Shape shape, int policies, int pods, long seed, long measureMs) {
        PolicyWorkload w = PolicyWorkload.generate(policies, pods, shape, seed);
        long heapBefore = usedHeap();
        PolicyIndex retained = buildIndex(w);
        long indexBytes = Math.max(0, usedHeap() - heapBefore);
        Setup s = new Setup(w);
        double iptablesNs = time(s::iptables, s.queries(), measureMs);
        double chainsNs = time(s::indexedChains, s.queries(), measureMs);
        double indexedNs = time(s::indexed, s.queries(), measureMs);
        double relabelUs = relabel(s.index, w, seed);
        if (retained.podCount() != w.pods().size()) {
            throw new IllegalStateException("index lost pods");
        }
        return new Row(shape.name().toLowerCase().replace('_', '-'), policies, pods, iptablesNs, chainsNs, indexedNs,
                s.indexBuildMs, s.felixLoadMs, relabelUs, indexBytes, s.nodeRules());
    }

    /** Where verdicts go so the JIT cannot drop the calls that make them. */
    private static volatile int sink;

    /** Mean ns per call of {@code f} over the queries, after a warm-up of the same length. */
    private static double time(java.util.function.IntPredicate f, int queries, long measureMs) {
        int allowed = 0;
        for (int round = 0; round < 2; round++) {
            long end = System.nanoTime() + measureMs * 1_000_000L;
            long calls = 0;
            long start = System.nanoTime();
            long now = start;
            while (now < end) {
                for (int i = 0; i < queries; i++) {
                    allowed += f.test(i) ? 1 : 0;
                }
                calls += queries;
                now = System.nanoTime();
            }
            if (round == 1) {
                sink = allowed;
                return (double) (now - start) / calls;
            }
        }
        throw new AssertionError();
    }

    /** Mean µs of one pod relabel (its app label flipped to another app's) in the index. */
    private static double relabel(PolicyIndex index, PolicyWorkload w, long seed) {
        Random r = new Random(seed);
        int n = 200;
        long total = 0;
        for (int k = 0; k < n; k++) {
            PolicyEvaluator.Pod p = w.pods().get(r.nextInt(w.pods().size()));
            Map<String, String> labels = new HashMap<>(p.labels());
            labels.put("app", "app-" + r.nextInt(10));
            PolicyEvaluator.Pod moved = new PolicyEvaluator.Pod(p.namespace(), p.name(), labels, p.ip(), p.node(), p.ports());
            long t0 = System.nanoTime();
            index.upsertPod(moved);
            total += System.nanoTime() - t0;
            index.upsertPod(p);
        }
        return total / 1e3 / n;
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /** The rows for every size of every shape asked for. */
    public static List<Row> run(List<PolicyWorkload.Shape> shapes, List<Integer> sizes, int pods, long seed,
            long measureMs, java.util.function.Consumer<Row> progress) {
        List<Row> rows = new java.util.ArrayList<>();
        for (PolicyWorkload.Shape shape : shapes) {
            for (int size : sizes) {
                Row row = measure(shape, size, pods, seed, measureMs);
                rows.add(row);
                progress.accept(row);
            }
        }
        return rows;
    }
}
