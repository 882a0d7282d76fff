package dev.podlab.policy.felix;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;
import dev.podlab.cluster.PolicyEnforcer;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.netfilter.Iptables;
import dev.podlab.netfilter.PacketContext;
import dev.podlab.netfilter.PinnedBpf;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.cluster.model.NetworkPolicySpec;
import dev.podlab.policy.ClusterPolicies;
import dev.podlab.policy.NetworkPolicies;
import dev.podlab.policy.PolicyIndex;
import dev.podlab.policy.NetworkPolicy;
import dev.podlab.policy.PolicyEvaluator;
import dev.podlab.policy.PolicyType;
import dev.podlab.trace.TraceEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Calico's Felix as the NetworkPolicy enforcer of a cluster (canal), in its iptables dataplane:
 * on every change it recomputes each node's desired chains and ipsets ({@link FelixRenderer}) and
 * applies only the difference, as Felix's table writer does — changed chains are rewritten with
 * {@code iptables-restore --noflush}, unused ones flushed and deleted, set members added and
 * removed, unused sets destroyed. Chains that did not change keep their counters.
 *
 * <p>Existing connections: a policy change does not touch conntrack, so a connection that was
 * allowed keeps flowing through the {@code RELATED,ESTABLISHED} accept at the top of every
 * endpoint chain; only new connections see the new rules. That is what a Calico node does (Felix
 * removes conntrack entries only for the IPs of deleted endpoints, and so does this class).
 */
public final class FelixEnforcer implements PolicyEnforcer {
    private final Map<String, FelixRenderer.NodeRules> applied = new HashMap<>();
    private boolean indexed;
    /** The indexed engine's state (one per cluster: every node's program reads it), else null. */
    private PolicyIndex index;
    /** Each endpoint's IP as last programmed, to clean conntrack when it goes away. */
    private final Map<String, Integer> endpointIps = new HashMap<>();

    @Override
    public String name() {
        return "calico-felix";
    }

    @Override
    public void start(Cluster cluster) {
        indexed = "indexed".equals(cluster.topology().cluster().policyEngine());
        if (indexed) {
            ClusterPolicies state = ClusterPolicies.of(cluster);
            index = new PolicyIndex(state.nodes());
            state.namespaces().forEach(index::upsertNamespace);
            state.pods().forEach(index::upsertPod);
            index.upsertPolicies(state.policies());
            for (ClusterNode node : cluster.nodes()) {
                pin(node.netfilter().iptables(), index);
            }
        }
        sync(cluster);
    }

    /**
     * With the iptables engine every change re-renders and applies the difference. With the
     * indexed engine the index is updated for just the changed object, and the chains are
     * re-rendered only when an endpoint comes or goes (the dispatch chains name interfaces).
     */
    @Override
    public void changed(Cluster cluster, Change change) {
        if (change.kind() == Change.Kind.POD_DELETED) {
            forgetEndpoint(cluster, change.namespace() + "/" + change.name());
        }
        if (!indexed) {
            sync(cluster);
            return;
        }
        switch (change.kind()) {
            case POD_ADDED, POD_LABELS -> {
                ClusterPod p = cluster.pod(change.namespace() + "/" + change.name());
                index.upsertPod(ClusterPolicies.podOf(p));
                if (change.kind() == Change.Kind.POD_ADDED) {
                    sync(cluster);
                }
            }
            case POD_DELETED -> {
                index.removePod(change.namespace(), change.name());
                sync(cluster);
            }
            case NAMESPACE -> {
                NamespaceSpec ns = cluster.namespaces().get(change.name());
                if (ns == null) {
                    index.removeNamespace(change.name());
                } else {
                    index.upsertNamespace(ns);
                }
            }
            case POLICY_APPLIED -> {
                for (NetworkPolicySpec spec : cluster.networkPolicies()) {
                    if (spec.namespace().equals(change.namespace()) && spec.name().equals(change.name())) {
                        index.upsertPolicy(NetworkPolicies.parse(spec));
                    }
                }
            }
            case POLICY_DELETED -> index.removePolicy(change.namespace(), change.name());
        }
    }

    /**
     * Pins the indexed classifier where the endpoint chains' {@code -m bpf} rules look for it:
     * ingress judged at the destination pod, egress at the source, on the packet as FORWARD sees
     * it (after DNAT).
     */
    public static void pin(Iptables ipt, PolicyIndex index) {
        ipt.bpf().pin(FelixRenderer.BPF_INGRESS, new IndexProgram(index, true));
        ipt.bpf().pin(FelixRenderer.BPF_EGRESS, new IndexProgram(index, false));
    }

    /**
     * The indexed classifier as a pinned program: it reads the packet's addresses, protocol and
     * destination port (after DNAT) and the index, whose version tells netfilter when answers it
     * kept for a connection are void.
     */
    private record IndexProgram(PolicyIndex index, boolean ingress) implements PinnedBpf.FlowProgram {
        @Override
        public boolean run(PacketContext c) {
            return ingress ? index.ingressAllowed(c.src(), c.dst(), c.protocol(), c.dstPort())
                    : index.egressAllowed(c.src(), c.dst(), c.protocol(), c.dstPort());
        }

        @Override
        public long version() {
            return index.version();
        }
    }

    /** Felix's view of the cluster: workloads with their interfaces, namespace labels, admitted policies. */
    static FelixModel model(Cluster cluster) {
        ClusterPolicies state = ClusterPolicies.of(cluster);
        List<FelixModel.Workload> workloads = new ArrayList<>();
        for (PolicyEvaluator.Pod p : state.pods()) {
            workloads.add(new FelixModel.Workload(p, cluster.cni().hostInterface(cluster.pod(p.qualifiedName()))));
        }
        return new FelixModel(workloads, state.namespaces(), state.policies());
    }

    /**
     * An endpoint went away: its IP's conntrack entries are deleted on every node, as Felix's
     * conntrack manager does, so a later pod reusing the address starts clean.
     */
    private void forgetEndpoint(Cluster cluster, String pod) {
        Integer ip = endpointIps.remove(pod);
        if (ip != null) {
            for (ClusterNode node : cluster.nodes()) {
                node.netfilter().conntrack().deleteAddress(ip, cluster.sim().now());
            }
        }
    }

    private void sync(Cluster cluster) {
        FelixModel model = model(cluster);
        for (FelixModel.Workload w : model.workloads) {
            endpointIps.put(w.pod().qualifiedName(), w.pod().ip());
        }
        FelixRenderer renderer = new FelixRenderer(model, indexed);
        for (ClusterNode node : cluster.nodes()) {
            FelixRenderer.NodeRules want = renderer.render(node.name());
            FelixRenderer.NodeRules had = applied.get(node.name());
            apply(node.netfilter().iptables(), had, want);
            applied.put(node.name(), want);
        }
    }

    /** Programs the difference between {@code had} (null: nothing yet) and {@code want}. */
    static void apply(Iptables ipt, FelixRenderer.NodeRules had, FelixRenderer.NodeRules want) {
        StringBuilder sets = new StringBuilder();
        for (Map.Entry<String, FelixRenderer.SetSpec> e : want.sets().entrySet()) {
            String name = e.getKey();
            FelixRenderer.SetSpec old = had == null ? null : had.sets().get(name);
            if (old == null) {
                sets.append("create ").append(name).append(' ').append(e.getValue().type())
                        .append(" family inet hashsize 1024 maxelem 1048576\n");
            }
            TreeSet<String> oldMembers = old == null ? new TreeSet<>() : old.members();
            for (String m : oldMembers) {
                if (!e.getValue().members().contains(m)) {
                    sets.append("del ").append(name).append(' ').append(m).append('\n');
                }
            }
            for (String m : e.getValue().members()) {
                if (!oldMembers.contains(m)) {
                    sets.append("add ").append(name).append(' ').append(m).append('\n');
                }
            }
        }
        if (sets.length() > 0) {
            ipt.ipsets().restore(sets.toString());
        }

        StringBuilder rules = new StringBuilder("*filter\n");
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : want.chains().entrySet()) {
            List<String> old = had == null ? null : had.chains().get(e.getKey());
            if (!Objects.equals(old, e.getValue())) {
                changed.add(e.getKey());
                rules.append(':').append(e.getKey()).append(" - [0:0]\n");
            }
        }
        for (String chain : changed) {
            String prev = "";
            for (String rule : want.chains().get(chain)) {
                String hash = CalicoSelectors.hash(chain + prev + rule, 16);
                rules.append("-A ").append(chain).append(" -m comment --comment \"cali:").append(hash).append("\" ")
                        .append(rule).append('\n');
                prev = hash;
            }
        }
        if (had == null) {
            // Felix inserts its jumps at the top of the built-in chains.
            rules.append("-I FORWARD 1 -m comment --comment \"cali:wUHhoiAYhphO9Mso\" -j cali-FORWARD\n");
            rules.append("-I FORWARD 2 -m comment --comment \"cali:S93hcgKJrXEqnTfs\" -m comment --comment "
                    + "\"Policy explicitly accepted packet.\" -m mark --mark 0x10000/0x10000 -j ACCEPT\n");
            rules.append("-I INPUT 1 -m comment --comment \"cali:Cz_u1IQiXIMmKD4c\" -j cali-INPUT\n");
            rules.append("-I OUTPUT 1 -m comment --comment \"cali:tVnHkvAo15HuiPy0\" -j cali-OUTPUT\n");
        }
        List<String> gone = new ArrayList<>();
        if (had != null) {
            for (String chain : had.chains().keySet()) {
                if (!want.chains().containsKey(chain)) {
                    gone.add(chain);
                    rules.append("-F ").append(chain).append('\n');
                }
            }
            for (String chain : gone) {
                rules.append("-X ").append(chain).append('\n');
            }
        }
        rules.append("COMMIT\n");
        if (!changed.isEmpty() || !gone.isEmpty() || had == null) {
            ipt.restore(rules.toString(), true, false);
        }

        if (had != null) {
            StringBuilder destroy = new StringBuilder();
            for (String name : had.sets().keySet()) {
                if (!want.sets().containsKey(name)) {
                    destroy.append("destroy ").append(name).append('\n');
                }
            }
            if (destroy.length() > 0) {
                ipt.ipsets().restore(destroy.toString());
            }
        }
    }

    @Override
    public String explainDrop(Cluster cluster, TraceEvent drop, int src, int dst, int protocol, int dstPort) {
        String detail = drop.detail();
        if (detail == null) {
            return null;
        }
        boolean ingress = detail.contains(" cali-tw-");
        if (!ingress && !detail.contains(" cali-fw-")) {
            return null;
        }
        FelixModel model = model(cluster);
        PolicyEvaluator.Pod pod = null;
        String iface = detail.replaceFirst(".* cali-[tf]w-(\\S+).*", "$1");
        for (FelixModel.Workload w : model.workloads) {
            if (iface.equals(w.iface())) {
                pod = w.pod();
            }
        }
        if (pod == null) {
            return null;
        }
        PolicyType direction = ingress ? PolicyType.Ingress : PolicyType.Egress;
        List<String> names = new ArrayList<>();
        for (NetworkPolicy p : model.selecting(pod, direction)) {
            names.add(p.qualifiedName());
        }
        return (ingress ? "ingress" : "egress") + " of " + pod.qualifiedName() + " is isolated by "
                + String.join(", ", names) + " and no rule allows this connection";
    }

    /**
     * Programs one node's filter table and ipsets from scratch as Felix does for these workloads
     * and policies: for benchmarks and tests that need Felix's rules without a cluster.
     *
     * @param ifaces the host-side interface of each pod, by {@code namespace/name}
     */
    public static void program(Iptables ipt, String node, List<PolicyEvaluator.Pod> pods, Map<String, String> ifaces,
            List<NamespaceSpec> namespaces, List<NetworkPolicy> policies, boolean indexed) {
        List<FelixModel.Workload> workloads = new ArrayList<>();
        for (PolicyEvaluator.Pod p : pods) {
            workloads.add(new FelixModel.Workload(p, ifaces.get(p.qualifiedName())));
        }
        apply(ipt, null, new FelixRenderer(new FelixModel(workloads, namespaces, policies), indexed).render(node));
    }

    /** For tests: the rendered chains of a node as last applied. */
    Map<String, List<String>> chains(String node) {
        return new LinkedHashMap<>(applied.get(node).chains());
    }
}
