package dev.podlab.policy;

import dev.podlab.cluster.model.NamespaceSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The indexed NetworkPolicy engine: the verdict of {@link PolicyEvaluator} on the first packet of
 * a connection, looked up in time that grows with the rules applying to the pod, protocol and
 * port at hand, not with the policies of the cluster, and kept up to date one pod, namespace or
 * policy at a time (no recompilation of the whole).
 * The evaluator is the specification; this class is checked against it on random clusters.
 *
 * <h2>Data layout</h2>
 * <pre>
 *   address ──IntIntHashMap──▶ pod id ──▶ ingressSummaries[id] ─┐  0: not isolated; else table id
 *                                         egressSummaries[id]  ─┤  + the table's spans: a port
 *                                         podPorts[id]          │  outside them is denied here
 *                                         ownNode[id]           │  (IntHashSet; nodeBits first)
 *                                         pods[id]: PodEntry    │  (updates only)
 *                                                               ▼
 *                                              tableCodes[table id]: int[], shared by pods
 *   PortTable code: protocol slot ─▶ sorted segment starts ─binary search(port)─▶ word
 *                   + the word of rules without ports (every protocol)
 *   word: none | one ref | list of refs;  ref: ALL | set id ─▶ PeerSets filter, slots (pod IPs)
 *                                              | trie laid out in the same int[]
 * </pre>
 * The packet path reads arrays only, by pod id and by set id, and never the objects updates
 * work with ({@code PodEntry}, {@link PortTable}, {@link PeerSet}, {@link IpBlockTrie}): with
 * a thousand distinct tables in use, each object on the way was a cache miss of its own.
 * <ul>
 * <li>Per pod and direction: the ids of the policies of its namespace that select it and isolate
 *     it in that direction (sorted {@code int[]}), and a {@link PortTable} compiled from their
 *     rules with this pod's named ports resolved (ingress: the pod is the destination) or kept by
 *     name (egress: resolved on the destination pod per packet). Pods whose tables would be
 *     equal (same compiled policies; for ingress the same container ports) share one, counted.
 * <li>Per distinct selector peer: a {@link PeerSet}, the IPs of the pods it selects, shared by
 *     every rule of every policy with the same selectors (reference counted); tables name it by
 *     its id in {@link PeerSets}.
 * <li>Per rule: one {@link IpBlockTrie} for its ipBlock peers; a pod's table merges the tries of
 *     all rules that meet in one port segment into one and lays it out in its own array (see
 *     {@link PortTable}).
 * <li>Reverse indexes for updates: namespace to pod ids and to policy ids ({@link BitSet}s),
 *     namespace to the podSelector-only peer sets scoped to it, the list of peer sets with a
 *     namespace selector.
 * </ul>
 *
 * <h2>Per packet</h2>
 * One address lookup for the pod the side concerns, the self exemption, the pod's word for the
 * direction: not isolated, or the port outside the span of the protocol's rules in a table
 * without rules that ignore ports (no rule names the port), answers there; else the table by
 * id, one binary search over the segments of the pod's table for the protocol, then the few matchers
 * there (per selector set a filter word, then a hash probe for members and the filter's false
 * positives; per ipBlock trie a walk down its path-compressed nodes, a step per prefix or fork on
 * the way); the own-node exemption only if the table denies.
 * No allocation, no boxing, no iterator: arrays and indexes only.
 *
 * <h2>Update costs</h2>
 * With {@code P} the policies of the pod's namespace, {@code S} the peer sets that can hold it
 * (those scoped to its namespace plus those with a namespace selector), {@code R} the clauses
 * (port entries) of the policies selecting it:
 * <ul>
 * <li>{@link #upsertPod}, {@link #removePod}: O(P + S) selector matches for that pod's
 *     memberships, and its two tables rebuilt, O(R²) at worst for overlapping port ranges (R is
 *     small: the rules of the few policies selecting one pod). Other pods are not touched.
 * <li>{@link #upsertNamespace}, {@link #removeNamespace}: each namespace-selector set is tested
 *     on the old and new labels; only sets whose verdict flips are updated, for the namespace's
 *     pods only.
 * <li>{@link #upsertPolicy}, {@link #removePolicy}: the pods of its namespace are matched against
 *     its podSelector; the tables of the pods it selected before or selects now are rebuilt; its
 *     new peer sets are filled (a set already used by another policy is shared, not rebuilt).
 * </ul>
 *
 * <p>Preconditions: pod IPs are unique (the last pod upserted with an address owns it);
 * policies are validated ({@link NetworkPolicies#parse}). Not thread-safe: the emulator drives it
 * from its one simulation thread.
 */
public final class PolicyIndex {
    private static final PeerMatcher[] ALL_PEERS = {PeerMatcher.ALL};
    private static final int[] NO_IDS = new int[0];

    /**
     * A pod and its compiled view; replaced whole when the pod is upserted again. Its tables are
     * named by {@link #ingressSummaries} and {@link #egressSummaries} at its id.
     */
    private static final class PodEntry {
        final int id;
        final PolicyEvaluator.Pod pod;
        final ContainerPorts ports;
        final IntHashSet ownNode;
        int[] ingressPolicies = NO_IDS;
        int[] egressPolicies = NO_IDS;
        /** The shared tables' keys, null when the pod has no table in that direction. */
        TableKey ingressKey;
        TableKey egressKey;

        PodEntry(int id, PolicyEvaluator.Pod pod, ContainerPorts ports, IntHashSet ownNode) {
            this.id = id;
            this.pod = pod;
            this.ports = ports;
            this.ownNode = ownNode;
        }
    }

    /** One rule compiled: its peers as matchers ({@link #ALL_PEERS} when none), its ports (null: all). */
    private record CompiledRule(PeerMatcher[] peers, PolicyPort[] ports, int[] nameIds) {
    }

    /** A policy compiled: rules of the directions it isolates, the pods it selects, the sets it holds. */
    private static final class PolicyEntry {
        final NetworkPolicy policy;
        final CompiledRule[] ingress;
        final CompiledRule[] egress;
        final List<PeerSet> sets;
        final BitSet selected = new BitSet();

        PolicyEntry(NetworkPolicy policy, CompiledRule[] ingress, CompiledRule[] egress, List<PeerSet> sets) {
            this.policy = policy;
            this.ingress = ingress;
            this.egress = egress;
            this.sets = sets;
        }
    }

    private final Map<String, IntHashSet> nodeAddresses = new HashMap<>();
    /**
     * A filter of every node's addresses: bit {@code nodeBit(a)} is set for each. The own-node
     * exemption, asked on every packet a table denies, first tests the source's bit: one load of
     * a small array every lookup shares, clear for nearly every address that is no node's (at
     * most one node address per 64 bits), where the destination's own node set would cost a
     * hash probe in a set of its own.
     */
    private final long[] nodeBits;
    private final int nodeBitShift;
    private final Map<String, Integer> portNames = new HashMap<>();
    private final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();

    private PodEntry[] pods = new PodEntry[16];
    /*
     * What the packet path reads of a pod, by pod id, beside its entry: a word per direction
     * (below), its container ports (named ports of egress rules) and its node's addresses. A
     * lookup goes from the address map to the pod's word, and to a table only when the word
     * cannot answer, without loading the entry.
     *
     * The word: 0 when no policy isolates the pod in that direction, else the id of its shared
     * table in tableCodes (bits TABLE_ID_SHIFT and up) and PortTable.summary of the table (the
     * rest). Most packets a table denies, to ports none of its rules name, are answered from
     * the word without loading the table.
     */
    private long[] ingressSummaries = new long[16];
    private long[] egressSummaries = new long[16];
    private static final int TABLE_ID_SHIFT = PortTable.SUMMARY_BITS;
    /** The distinct tables' code by table id: few, dense, so the lookup's load of one stays in cache. */
    private int[][] tableCodes = new int[16][];
    private final IdAllocator tableIdAllocator = new IdAllocator();
    private ContainerPorts[] podPorts = new ContainerPorts[16];
    private IntHashSet[] ownNode = new IntHashSet[16];
    private final IdAllocator podIdAllocator = new IdAllocator();
    private final Map<String, Integer> podIds = new HashMap<>();
    private final IntIntHashMap podByAddress = new IntIntHashMap();
    private final Map<String, BitSet> podsByNamespace = new HashMap<>();

    private PolicyEntry[] policies = new PolicyEntry[16];
    private final IdAllocator policyIdAllocator = new IdAllocator();
    private final Map<String, Integer> policyIds = new HashMap<>();
    private final Map<String, BitSet> policiesByNamespace = new HashMap<>();

    private final Map<PeerSet.Key, PeerSet> peerSets = new HashMap<>();
    /** The same sets by id, as the tables refer to them. */
    private final PeerSets setsById = new PeerSets();
    private final Map<String, List<PeerSet>> scopedSets = new HashMap<>();
    private final List<PeerSet> namespaceSelectorSets = new ArrayList<>();
    /** Raised by every change through the public methods: see {@link #version()}. */
    private long version;

    /** @param nodes every node with its addresses: traffic from a destination pod's own node passes ingress */
    public PolicyIndex(List<PolicyEvaluator.Node> nodes) {
        int count = 0;
        for (PolicyEvaluator.Node n : nodes) {
            IntHashSet addresses = new IntHashSet(n.addresses().size());
            for (int a : n.addresses()) {
                addresses.add(a);
            }
            nodeAddresses.put(n.name(), addresses);
            count += n.addresses().size();
        }
        int log2 = Math.min(30, Math.max(6, 32 - Integer.numberOfLeadingZeros(Math.max(1, count) * 64 - 1)));
        nodeBits = new long[1 << (log2 - 6)];
        nodeBitShift = 32 - log2;
        for (PolicyEvaluator.Node n : nodes) {
            for (int a : n.addresses()) {
                int bit = nodeBit(a);
                nodeBits[bit >>> 6] |= 1L << bit;
            }
        }
    }

    /** The filter bit of an address: the top bits of its Fibonacci hash. */
    private int nodeBit(int address) {
        return (address * 0x9E3779B9) >>> nodeBitShift;
    }

    /**
     * A number raised by every change to the index (namespaces, pods, policies), so that an
     * answer kept for a flow can tell it may have changed since.
     */
    public long version() {
        return version;
    }

    // ------------------------------------------------------------------ packet path

    /** Egress side at the source: true when src is not a pod, not isolated for egress, or some egress rule allows. */
    public boolean egressAllowed(int src, int dst, int ipProtocol, int dstPort) {
        int id = podByAddress.get(src);
        if (id < 0 || src == dst) {
            return true;
        }
        long summary = egressSummaries[id];
        if (summary == 0) {
            return true;
        }
        int slot = PortTable.slot(ipProtocol);
        if (PortTable.summaryDenies(summary, slot, dstPort)) {
            return false;
        }
        int[] table = tableCodes[(int) (summary >>> TABLE_ID_SHIFT)];
        // The destination pod's ports only for a table with named ports: one map probe less
        // for the others.
        ContainerPorts ports = null;
        if (PortTable.hasNamedPorts(table)) {
            int target = podByAddress.get(dst);
            ports = target < 0 ? null : podPorts[target];
        }
        return PortTable.allows(table, setsById, dst, slot, dstPort, ports);
    }

    /**
     * Ingress side at the destination (includes the own-node exemption and pod-to-itself). The
     * own-node exemption is looked at only when the table denies: the verdict is the same (either
     * one allows), and the packets a table allows skip the node's address set.
     */
    public boolean ingressAllowed(int src, int dst, int ipProtocol, int dstPort) {
        int id = podByAddress.get(dst);
        if (id < 0 || src == dst) {
            return true;
        }
        long summary = ingressSummaries[id];
        if (summary == 0) {
            return true;
        }
        // Named ports were resolved on this pod when the table was built.
        int slot = PortTable.slot(ipProtocol);
        if (!PortTable.summaryDenies(summary, slot, dstPort)
                && PortTable.allows(tableCodes[(int) (summary >>> TABLE_ID_SHIFT)], setsById, src, slot, dstPort, null)) {
            return true;
        }
        int bit = nodeBit(src);
        if ((nodeBits[bit >>> 6] & 1L << bit) == 0) {
            return false; // no node has this address
        }
        IntHashSet own = ownNode[id];
        return own != null && own.contains(src) && podByAddress.get(src) < 0;
    }

    /** Both sides: egress at the source and ingress at the destination. */
    public boolean allowed(int src, int dst, int ipProtocol, int dstPort) {
        return egressAllowed(src, dst, ipProtocol, dstPort) && ingressAllowed(src, dst, ipProtocol, dstPort);
    }

    public int policyCount() {
        return policyIds.size();
    }

    public int podCount() {
        return podIds.size();
    }

    /** Distinct selector peer sets in use (peers with the same selectors share one). */
    int peerSetCount() {
        return peerSets.size();
    }

    /**
     * The peer sets, one line each ({@code ipset {selectors}: members x references}), sorted: for
     * tests comparing an index updated step by step with one built from scratch.
     */
    String dumpPeerSets() {
        List<String> lines = new ArrayList<>();
        for (PeerSet set : peerSets.values()) {
            lines.add(set + " x" + set.references);
        }
        lines.sort(null);
        return String.join("\n", lines);
    }

    // ------------------------------------------------------------------ namespaces

    /** Adds or relabels a namespace; {@code kubernetes.io/metadata.name} is added as the control plane does. */
    public void upsertNamespace(NamespaceSpec ns) {
        version++;
        Map<String, String> labels = new HashMap<>(ns.labels());
        labels.put(PolicyEvaluator.NAMESPACE_NAME_LABEL, ns.name());
        relabelNamespace(ns.name(), Map.copyOf(labels));
    }

    /** Forgets a namespace's labels: its pods (if any remain) keep only the name label, as in the evaluator. */
    public void removeNamespace(String name) {
        version++;
        relabelNamespace(name, null);
    }

    private Map<String, String> namespaceLabels(String namespace) {
        Map<String, String> labels = namespaceLabels.get(namespace);
        return labels != null ? labels : Map.of(PolicyEvaluator.NAMESPACE_NAME_LABEL, namespace);
    }

    /** Only the namespace-selector sets whose verdict on this namespace flips are touched. */
    private void relabelNamespace(String name, Map<String, String> labels) {
        Map<String, String> before = namespaceLabels(name);
        if (labels == null) {
            namespaceLabels.remove(name);
        } else {
            namespaceLabels.put(name, labels);
        }
        Map<String, String> after = namespaceLabels(name);
        BitSet members = podsByNamespace.get(name);
        if (members == null) {
            return;
        }
        for (PeerSet set : namespaceSelectorSets) {
            boolean was = set.selectsNamespace(before);
            boolean is = set.selectsNamespace(after);
            if (was == is) {
                continue;
            }
            for (int id = members.nextSetBit(0); id >= 0; id = members.nextSetBit(id + 1)) {
                PolicyEvaluator.Pod pod = pods[id].pod;
                if (is && set.selects(name, pod.labels(), after)) {
                    set.add(pod.ip());
                } else if (!is) {
                    set.remove(pod.ip());
                }
            }
        }
    }

    // ------------------------------------------------------------------ pods

    /** Adds a pod, or replaces the one with its namespace and name (labels, IP, node or ports changed). */
    public void upsertPod(PolicyEvaluator.Pod pod) {
        version++;
        String key = pod.qualifiedName();
        Integer existing = podIds.get(key);
        int id;
        if (existing != null) {
            id = existing;
            detach(id);
        } else {
            id = podIdAllocator.next();
            podIds.put(key, id);
            if (id == pods.length) {
                pods = Arrays.copyOf(pods, id * 2);
                ingressSummaries = Arrays.copyOf(ingressSummaries, id * 2);
                egressSummaries = Arrays.copyOf(egressSummaries, id * 2);
                podPorts = Arrays.copyOf(podPorts, id * 2);
                ownNode = Arrays.copyOf(ownNode, id * 2);
            }
        }
        PodEntry entry = new PodEntry(id, pod, new ContainerPorts(pod.ports(), portNames), nodeAddresses.get(pod.node()));
        pods[id] = entry;
        podPorts[id] = entry.ports;
        ownNode[id] = entry.ownNode;
        podByAddress.put(pod.ip(), id);
        String ns = pod.namespace();
        podsByNamespace.computeIfAbsent(ns, k -> new BitSet()).set(id);

        Map<String, String> nsLabels = namespaceLabels(ns);
        for (PeerSet set : candidateSets(ns)) {
            if (set.selects(ns, pod.labels(), nsLabels)) {
                set.add(pod.ip());
            }
        }
        for (PeerSet set : namespaceSelectorSets) {
            if (set.selects(ns, pod.labels(), nsLabels)) {
                set.add(pod.ip());
            }
        }

        BitSet nsPolicies = policiesByNamespace.get(ns);
        if (nsPolicies != null) {
            for (int p = nsPolicies.nextSetBit(0); p >= 0; p = nsPolicies.nextSetBit(p + 1)) {
                PolicyEntry pe = policies[p];
                if (pe.policy.podSelector().matches(pod.labels())) {
                    pe.selected.set(id);
                    entry.ingressPolicies = withId(entry.ingressPolicies, p, pe.policy.isolatesIngress());
                    entry.egressPolicies = withId(entry.egressPolicies, p, pe.policy.isolatesEgress());
                }
            }
        }
        compile(entry);
    }

    public void removePod(String namespace, String name) {
        version++;
        Integer id = podIds.remove(namespace + "/" + name);
        if (id == null) {
            return;
        }
        detach(id);
        pods[id] = null;
        ingressSummaries[id] = 0;
        egressSummaries[id] = 0;
        podPorts[id] = null;
        ownNode[id] = null;
        podIdAllocator.free(id);
    }

    /** Takes a pod out of every index but its id: address, namespace, peer sets, policy selections. */
    private void detach(int id) {
        releaseTables(pods[id]);
        PolicyEvaluator.Pod pod = pods[id].pod;
        String ns = pod.namespace();
        for (PeerSet set : candidateSets(ns)) {
            set.remove(pod.ip());
        }
        for (PeerSet set : namespaceSelectorSets) {
            set.remove(pod.ip());
        }
        if (podByAddress.get(pod.ip()) == id) {
            podByAddress.remove(pod.ip());
        }
        BitSet members = podsByNamespace.get(ns);
        members.clear(id);
        if (members.isEmpty()) {
            podsByNamespace.remove(ns);
        }
        BitSet nsPolicies = policiesByNamespace.get(ns);
        if (nsPolicies != null) {
            for (int p = nsPolicies.nextSetBit(0); p >= 0; p = nsPolicies.nextSetBit(p + 1)) {
                policies[p].selected.clear(id);
            }
        }
    }

    /** The podSelector-only peer sets of a namespace's policies. */
    private List<PeerSet> candidateSets(String namespace) {
        return scopedSets.getOrDefault(namespace, List.of());
    }

    // ------------------------------------------------------------------ policies

    /** Set during {@link #upsertPolicies}: pods whose tables wait for the end of the load. */
    private boolean bulk;
    private final BitSet dirty = new BitSet();

    /**
     * Adds or replaces many policies at once (a full load, or a resync): as {@link #upsertPolicy}
     * for each, except that every affected pod's policy lists and tables are rebuilt once at the
     * end instead of after each policy. Loading {@code P} policies that all select the same pods
     * then costs O(P log P) per pod rather than O(P^2).
     */
    public void upsertPolicies(java.util.Collection<NetworkPolicy> all) {
        version++;
        bulk = true;
        try {
            for (NetworkPolicy p : all) {
                upsertPolicy(p);
            }
        } finally {
            bulk = false;
            for (int p = dirty.nextSetBit(0); p >= 0; p = dirty.nextSetBit(p + 1)) {
                PodEntry pod = pods[p];
                if (pod != null) {
                    memberships(pod, p);
                    compile(pod);
                }
            }
            dirty.clear();
        }
    }

    /** A pod's ingress and egress policy ids, from the selections of its namespace's policies. */
    private void memberships(PodEntry pod, int podId) {
        BitSet nsPolicies = policiesByNamespace.get(pod.pod.namespace());
        int[] in = new int[nsPolicies == null ? 0 : nsPolicies.cardinality()];
        int[] out = new int[in.length];
        int ni = 0;
        int no = 0;
        if (nsPolicies != null) {
            for (int id = nsPolicies.nextSetBit(0); id >= 0; id = nsPolicies.nextSetBit(id + 1)) {
                PolicyEntry e = policies[id];
                if (e != null && e.selected.get(podId)) {
                    if (e.policy.isolatesIngress()) {
                        in[ni++] = id;
                    }
                    if (e.policy.isolatesEgress()) {
                        out[no++] = id;
                    }
                }
            }
        }
        pod.ingressPolicies = ni == 0 ? NO_IDS : Arrays.copyOf(in, ni);
        pod.egressPolicies = no == 0 ? NO_IDS : Arrays.copyOf(out, no);
    }

    /** Adds a policy, or replaces the one with its namespace and name. */
    public void upsertPolicy(NetworkPolicy policy) {
        version++;
        String key = policy.qualifiedName();
        Integer existing = policyIds.get(key);
        PolicyEntry old = existing == null ? null : policies[existing];
        if (old != null && old.policy.equals(policy)) {
            return;
        }
        int id;
        if (existing != null) {
            id = existing;
        } else {
            id = policyIdAllocator.next();
            policyIds.put(key, id);
            if (id == policies.length) {
                policies = Arrays.copyOf(policies, id * 2);
            }
        }
        // New sets are acquired before the old ones are released, so a set both use survives.
        PolicyEntry entry = compile(policy);
        BitSet nsPods = podsByNamespace.get(policy.namespace());
        if (nsPods != null) {
            for (int p = nsPods.nextSetBit(0); p >= 0; p = nsPods.nextSetBit(p + 1)) {
                if (policy.podSelector().matches(pods[p].pod.labels())) {
                    entry.selected.set(p);
                }
            }
        }
        policies[id] = entry;
        policiesByNamespace.computeIfAbsent(policy.namespace(), k -> new BitSet()).set(id);

        BitSet affected = (BitSet) entry.selected.clone();
        if (old != null) {
            affected.or(old.selected);
        }
        if (bulk) {
            dirty.or(affected);
        }
        for (int p = bulk ? -1 : affected.nextSetBit(0); p >= 0; p = affected.nextSetBit(p + 1)) {
            PodEntry pod = pods[p];
            boolean selects = entry.selected.get(p);
            pod.ingressPolicies = withId(pod.ingressPolicies, id, selects && policy.isolatesIngress());
            pod.egressPolicies = withId(pod.egressPolicies, id, selects && policy.isolatesEgress());
            compile(pod);
        }
        if (old != null) {
            release(old);
        }
    }

    public void removePolicy(String namespace, String name) {
        version++;
        Integer id = policyIds.remove(namespace + "/" + name);
        if (id == null) {
            return;
        }
        PolicyEntry old = policies[id];
        policies[id] = null;
        BitSet nsPolicies = policiesByNamespace.get(namespace);
        nsPolicies.clear(id);
        if (nsPolicies.isEmpty()) {
            policiesByNamespace.remove(namespace);
        }
        for (int p = old.selected.nextSetBit(0); p >= 0; p = old.selected.nextSetBit(p + 1)) {
            PodEntry pod = pods[p];
            pod.ingressPolicies = withId(pod.ingressPolicies, id, false);
            pod.egressPolicies = withId(pod.egressPolicies, id, false);
            compile(pod);
        }
        release(old);
        policyIdAllocator.free(id);
    }

    /** Compiles a policy's rules, acquiring the peer sets they use. */
    private PolicyEntry compile(NetworkPolicy policy) {
        List<PeerSet> sets = new ArrayList<>();
        CompiledRule[] ingress = compileRules(policy, policy.rules(PolicyType.Ingress), sets);
        CompiledRule[] egress = compileRules(policy, policy.rules(PolicyType.Egress), sets);
        return new PolicyEntry(policy, ingress, egress, sets);
    }

    private CompiledRule[] compileRules(NetworkPolicy policy, List<Rule> rules, List<PeerSet> sets) {
        CompiledRule[] out = new CompiledRule[rules.size()];
        for (int r = 0; r < rules.size(); r++) {
            Rule rule = rules.get(r);
            PeerMatcher[] peers = ALL_PEERS;
            if (!rule.allPeers()) {
                List<PeerMatcher> matchers = new ArrayList<>();
                List<IpBlock> blocks = new ArrayList<>();
                for (Peer peer : rule.peers()) {
                    if (peer.isIpBlock()) {
                        blocks.add(peer.ipBlock());
                    } else {
                        PeerSet set = acquire(PeerSet.Key.of(policy, peer));
                        sets.add(set);
                        if (!matchers.contains(set)) {
                            matchers.add(set);
                        }
                    }
                }
                if (!blocks.isEmpty()) {
                    matchers.add(new IpBlockTrie(blocks));
                }
                peers = matchers.toArray(new PeerMatcher[0]);
            }
            PolicyPort[] ports = null;
            int[] nameIds = null;
            if (!rule.allPorts()) {
                ports = rule.ports().toArray(new PolicyPort[0]);
                nameIds = new int[ports.length];
                for (int i = 0; i < ports.length; i++) {
                    nameIds[i] = ports[i].isNamed()
                            ? portNames.computeIfAbsent(ports[i].name(), k -> portNames.size())
                            : ContainerPorts.NO_NAME;
                }
            }
            out[r] = new CompiledRule(peers, ports, nameIds);
        }
        return out;
    }

    /** The shared set of a selector peer, filled from the current pods when first used. */
    private PeerSet acquire(PeerSet.Key key) {
        PeerSet set = peerSets.get(key);
        if (set == null) {
            set = new PeerSet(key, setsById);
            peerSets.put(key, set);
            if (key.scope() != null) {
                scopedSets.computeIfAbsent(key.scope(), k -> new ArrayList<>()).add(set);
                fill(set, key.scope());
            } else {
                namespaceSelectorSets.add(set);
                for (String ns : podsByNamespace.keySet()) {
                    fill(set, ns);
                }
            }
        }
        set.references++;
        return set;
    }

    private void fill(PeerSet set, String namespace) {
        BitSet members = podsByNamespace.get(namespace);
        if (members == null) {
            return;
        }
        Map<String, String> nsLabels = namespaceLabels(namespace);
        if (!set.selectsNamespace(nsLabels)) {
            return;
        }
        for (int id = members.nextSetBit(0); id >= 0; id = members.nextSetBit(id + 1)) {
            PolicyEvaluator.Pod pod = pods[id].pod;
            if (set.selects(namespace, pod.labels(), nsLabels)) {
                set.add(pod.ip());
            }
        }
    }

    private void release(PolicyEntry entry) {
        for (PeerSet set : entry.sets) {
            if (--set.references > 0) {
                continue;
            }
            peerSets.remove(set.key);
            set.unregister();
            if (set.key.scope() != null) {
                List<PeerSet> scoped = scopedSets.get(set.key.scope());
                scoped.remove(set);
                if (scoped.isEmpty()) {
                    scopedSets.remove(set.key.scope());
                }
            } else {
                namespaceSelectorSets.remove(set);
            }
        }
    }

    // ------------------------------------------------------------------ per-pod tables

    /**
     * What a pod's table depends on: the direction, the compiled policies selecting it (by
     * identity: an upserted policy is a new entry) and, for ingress, its container ports (named
     * ports resolve on them). Pods with equal keys — the replicas of an app — share one table, so
     * the index holds one per distinct key, not one per pod: less memory, fewer cache misses per
     * lookup, and one build for all replicas.
     */
    private static final class TableKey {
        final PolicyType direction;
        final PolicyEntry[] entries;
        final int[] ports;
        final int hash;

        TableKey(PolicyType direction, PolicyEntry[] entries, int[] ports) {
            this.direction = direction;
            this.entries = entries;
            this.ports = ports;
            int h = direction.hashCode();
            for (PolicyEntry e : entries) {
                h = h * 31 + System.identityHashCode(e);
            }
            this.hash = h * 31 + Arrays.hashCode(ports);
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof TableKey k) || k.hash != hash || k.direction != direction
                    || k.entries.length != entries.length || !Arrays.equals(k.ports, ports)) {
                return false;
            }
            for (int i = 0; i < entries.length; i++) {
                if (k.entries[i] != entries[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** A table, its id in {@link #tableCodes}, and how many pod sides use it. */
    private static final class SharedTable {
        final PortTable table;
        final int id;
        int users;

        SharedTable(PortTable table, int id) {
            this.table = table;
            this.id = id;
        }
    }

    private final Map<TableKey, SharedTable> tables = new HashMap<>();

    /** Rebuilds a pod's two tables from the policies selecting it (or shares equal ones). */
    private void compile(PodEntry pod) {
        TableKey in = key(pod, pod.ingressPolicies, PolicyType.Ingress);
        TableKey out = key(pod, pod.egressPolicies, PolicyType.Egress);
        SharedTable ingress = acquireTable(in, pod);
        SharedTable egress = acquireTable(out, pod);
        releaseTables(pod);
        pod.ingressKey = in;
        pod.egressKey = out;
        ingressSummaries[pod.id] = summary(ingress);
        egressSummaries[pod.id] = summary(egress);
    }

    private static long summary(SharedTable shared) {
        return shared == null ? 0 : (long) shared.id << TABLE_ID_SHIFT | PortTable.summary(shared.table.code);
    }

    private TableKey key(PodEntry pod, int[] policyIds, PolicyType direction) {
        if (policyIds.length == 0) {
            return null;
        }
        PolicyEntry[] entries = new PolicyEntry[policyIds.length];
        for (int i = 0; i < entries.length; i++) {
            entries[i] = policies[policyIds[i]];
        }
        int[] ports = NO_IDS;
        if (direction == PolicyType.Ingress) {
            ContainerPorts cp = pod.ports;
            int n = cp.nameIds.length;
            ports = new int[3 * n];
            System.arraycopy(cp.nameIds, 0, ports, 0, n);
            System.arraycopy(cp.slots, 0, ports, n, n);
            System.arraycopy(cp.numbers, 0, ports, 2 * n, n);
        }
        return new TableKey(direction, entries, ports);
    }

    private SharedTable acquireTable(TableKey key, PodEntry pod) {
        if (key == null) {
            return null;
        }
        SharedTable shared = tables.get(key);
        if (shared == null) {
            shared = new SharedTable(table(pod, key.direction == PolicyType.Ingress ? pod.ingressPolicies
                    : pod.egressPolicies, key.direction), tableIdAllocator.next());
            if (shared.id >= tableCodes.length) {
                tableCodes = Arrays.copyOf(tableCodes, 2 * tableCodes.length);
            }
            tableCodes[shared.id] = shared.table.code;
            tables.put(key, shared);
        }
        shared.users++;
        return shared;
    }

    /** Lets go of a pod's tables; a table no pod uses any more is dropped. */
    private void releaseTables(PodEntry pod) {
        for (TableKey key : new TableKey[] {pod.ingressKey, pod.egressKey}) {
            SharedTable shared = key == null ? null : tables.get(key);
            if (shared != null && --shared.users == 0) {
                tables.remove(key);
                tableCodes[shared.id] = null;
                tableIdAllocator.free(shared.id);
            }
        }
        pod.ingressKey = null;
        pod.egressKey = null;
    }

    /** Distinct tables held (tests: replicas share). */
    int tableCount() {
        return tables.size();
    }

    /** Null when no policy isolates the pod in that direction; a table that allows nothing when none has rules. */
    private PortTable table(PodEntry pod, int[] policyIds, PolicyType direction) {
        if (policyIds.length == 0) {
            return null;
        }
        PortTable.Builder b = new PortTable.Builder();
        for (int id : policyIds) {
            PolicyEntry pe = policies[id];
            for (CompiledRule rule : direction == PolicyType.Ingress ? pe.ingress : pe.egress) {
                if (rule.ports == null) {
                    b.anyProtocol(rule.peers);
                    continue;
                }
                for (int i = 0; i < rule.ports.length; i++) {
                    PolicyPort port = rule.ports[i];
                    int slot = port.protocol().ordinal();
                    if (port.isAnyPort()) {
                        b.range(slot, Integer.MIN_VALUE, Integer.MAX_VALUE, rule.peers);
                    } else if (!port.isNamed()) {
                        b.range(slot, port.port(), port.lastPort(), rule.peers);
                    } else if (direction == PolicyType.Egress) {
                        b.named(slot, rule.nameIds[i], rule.peers);
                    } else {
                        // Ingress: this pod is the destination; its ports give the numbers.
                        ContainerPorts cp = pod.ports;
                        for (int c = 0; c < cp.nameIds.length; c++) {
                            if (cp.nameIds[c] == rule.nameIds[i] && cp.slots[c] == slot) {
                                b.range(slot, cp.numbers[c], cp.numbers[c], rule.peers);
                            }
                        }
                    }
                }
            }
        }
        return b.build();
    }

    /** A sorted id array with {@code id} present or absent, as asked. */
    private static int[] withId(int[] ids, int id, boolean present) {
        int at = Arrays.binarySearch(ids, id);
        if (present == at >= 0) {
            return ids;
        }
        if (present) {
            int insert = -at - 1;
            int[] out = new int[ids.length + 1];
            System.arraycopy(ids, 0, out, 0, insert);
            out[insert] = id;
            System.arraycopy(ids, insert, out, insert + 1, ids.length - insert);
            return out;
        }
        if (ids.length == 1) {
            return NO_IDS;
        }
        int[] out = new int[ids.length - 1];
        System.arraycopy(ids, 0, out, 0, at);
        System.arraycopy(ids, at + 1, out, at, ids.length - at - 1);
        return out;
    }

    /** Small non-negative ids, the lowest free one first, so arrays indexed by id stay dense. */
    private static final class IdAllocator {
        private final BitSet used = new BitSet();

        int next() {
            int id = used.nextClearBit(0);
            used.set(id);
            return id;
        }

        void free(int id) {
            used.clear(id);
        }
    }
}
