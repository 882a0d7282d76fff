package dev.podlab.cluster;

import dev.podlab.apps.SctpServer;
import dev.podlab.apps.TcpServer;
import dev.podlab.apps.UdpEchoServer;
import dev.podlab.cluster.model.ClusterSpec;
import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.model.NetworkPolicySpec;
import dev.podlab.cluster.model.NodeSpec;
import dev.podlab.cluster.model.PodSpec;
import dev.podlab.cluster.model.ServicePortSpec;
import dev.podlab.cluster.model.ServiceSpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.Topology;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.kubeproxy.Endpoint;
import dev.podlab.kubeproxy.JumpRule;
import dev.podlab.kubeproxy.KubeProxy;
import dev.podlab.kubeproxy.KubeProxyRules;
import dev.podlab.kubeproxy.Protocol;
import dev.podlab.kubeproxy.ProxySettings;
import dev.podlab.kubeproxy.ServicePort;
import dev.podlab.kubeproxy.ServicePortName;
import dev.podlab.net.Bridge;
import dev.podlab.net.IpCommand;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.Network;
import dev.podlab.net.Nic;
import dev.podlab.netfilter.NodeNetfilter;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.sim.Link;
import dev.podlab.sim.LinkConfig;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.Tracer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * An emulated Kubernetes cluster built from a {@link Topology}: one root namespace per node with
 * its underlay NIC, the underlay itself (one switch per subnet, a router between subnets), the
 * CNI chosen by the Cluster object, the pods with servers on their container ports, and the
 * Services with kube-proxy's rules on every node.
 *
 * <pre>
 *   node1 eth0 ─ link ─┐                                  ┌─ link ─ node3 eth0
 *   node2 eth0 ─ link ─┤ switch 192.168.1.0/24 ─ router ─ │ switch 192.168.2.0/24
 *                      └──────────────────────────────────┘
 * </pre>
 *
 * Underlay links have a 20 µs one-way delay, no rate limit and the Cluster object's MTU. The
 * router takes the first host address of each subnet that no node uses (.1, else .254).
 */
public final class Cluster {
    /** {@code --service-cluster-ip-range} default of kubeadm. */
    public static final String SERVICE_CIDR = "10.96.0.0/12";
    private static final long UNDERLAY_DELAY_NS = 20_000;

    private final Topology topology;
    private final Simulator sim;
    private final Network network;
    private final Cni cni;
    private final List<ClusterNode> nodes = new ArrayList<>();
    private final Map<String, ClusterPod> pods = new LinkedHashMap<>();
    private final Map<String, ClusterService> services = new LinkedHashMap<>();
    private final List<ServiceSpec> serviceSpecs = new ArrayList<>();
    private final List<NetworkPolicySpec> policies = new ArrayList<>();
    private final Map<String, NamespaceSpec> namespaces = new LinkedHashMap<>();
    private final java.util.Set<Integer> usedNodePorts = new java.util.HashSet<>();
    private final Map<Integer, Integer> routerAddresses = new TreeMap<>();
    private final List<String> warnings = new ArrayList<>();
    /** The CNI's NetworkPolicy enforcer, null when it has none; told of changes once started. */
    private PolicyEnforcer enforcer;
    /** Set once built: later changes come from a lab or a user, and are reported as they happen. */
    private boolean started;

    private Cluster(Topology topology, Tracer tracer, Simulator sim) {
        this.topology = topology;
        this.sim = sim;
        this.network = new Network(sim, tracer);
        this.cni = findCni(topology.cluster());
    }

    /** Builds the cluster with tracing off. */
    public static Cluster build(Topology topology) {
        Simulator sim = new Simulator(topology.cluster().seed());
        return build(topology, sim, Tracer.off());
    }

    /** Builds the cluster on {@code sim}, reporting to {@code tracer}. */
    public static Cluster build(Topology topology, Simulator sim, Tracer tracer) {
        Cluster c = new Cluster(topology, tracer, sim);
        c.warnings.addAll(topology.warnings());
        c.serviceSpecs.addAll(topology.services());
        c.policies.addAll(topology.networkPolicies());
        for (NamespaceSpec ns : topology.namespaces()) {
            c.namespaces.put(ns.name(), ns);
        }
        c.buildUnderlay();
        c.cni.setUpNodes(c, topology.cluster().cniConfig());
        for (PodSpec pod : topology.pods()) {
            c.addPod(pod);
        }
        c.syncServices();
        c.startPolicyEnforcer();
        c.started = true;
        return c;
    }

    private void startPolicyEnforcer() {
        String name = cni.policyEnforcer();
        if (name == null) {
            if (!policies.isEmpty()) {
                warn(topology.cluster().source(), "the CNI \"" + cni.name() + "\" enforces no NetworkPolicy: "
                        + policies.size() + (policies.size() == 1 ? " policy is" : " policies are")
                        + " admitted and has no effect (a real " + cni.name() + " cluster behaves alike)");
            }
            return;
        }
        for (PolicyEnforcer e : ServiceLoader.load(PolicyEnforcer.class)) {
            if (e.name().equals(name)) {
                e.start(this);
                enforcer = e;
                return;
            }
        }
        throw new IllegalStateException("CNI " + cni.name() + " runs the policy enforcer \"" + name
                + "\", which is not on the class path");
    }

    private void policyChanged(PolicyEnforcer.Change.Kind kind, String namespace, String name) {
        if (enforcer != null) {
            enforcer.changed(this, new PolicyEnforcer.Change(kind, namespace, name));
        }
    }

    /** The CNI's NetworkPolicy enforcer, or null when the CNI enforces none. */
    public PolicyEnforcer policyEnforcer() {
        return enforcer;
    }

    private static Cni findCni(ClusterSpec spec) {
        List<String> known = new ArrayList<>();
        for (Cni cni : ServiceLoader.load(Cni.class)) {
            if (cni.name().equals(spec.cni())) {
                return cni;
            }
            known.add(cni.name());
        }
        Collections.sort(known);
        throw new TopologyException(spec.source(), "Cluster " + spec.name() + ": spec.cni: Unsupported value: \""
                + spec.cni() + "\": supported values: " + known);
    }

    // ------------------------------------------------------------------ underlay

    private void buildUnderlay() {
        ClusterSpec spec = topology.cluster();
        int mtu = spec.underlayMtu();
        Map<Long, List<NodeSpec>> subnets = new TreeMap<>();
        for (NodeSpec n : spec.nodes()) {
            int mask = Ipv4Address.mask(n.prefixLength());
            long key = ((long) (n.address() & mask) & 0xffff_ffffL) << 8 | n.prefixLength();
            subnets.computeIfAbsent(key, k -> new ArrayList<>()).add(n);
        }
        for (Map.Entry<Long, List<NodeSpec>> e : subnets.entrySet()) {
            int network = (int) (e.getKey() >>> 8);
            int prefix = (int) (e.getKey() & 0xff);
            int router = routerAddress(network, prefix, e.getValue());
            routerAddresses.put(network, router);
        }
        NetNamespace routerNs = subnets.size() > 1 ? network.namespace("underlay", "router") : null;
        if (routerNs != null) {
            IpCommand.run(routerNs, "sysctl -w net.ipv4.ip_forward=1");
        }
        int subnetIndex = 0;
        for (Map.Entry<Long, List<NodeSpec>> e : subnets.entrySet()) {
            int net = (int) (e.getKey() >>> 8);
            int prefix = (int) (e.getKey() & 0xff);
            String cidr = Ipv4Address.toString(net) + "/" + prefix;
            NetNamespace sw = network.namespace("underlay", "switch-" + Ipv4Address.toString(net) + "-" + prefix);
            Bridge br = Bridge.create(sw, "br0");
            br.mtu(mtu);
            br.up();
            if (routerNs != null) {
                String ifname = "eth" + subnetIndex;
                Nic routerNic = new Nic(routerNs, ifname, network.randomMac(), mtu);
                attach(routerNic, sw, br, "router-" + ifname, mtu);
                routerNic.up();
                routerNs.addAddress(routerNic, Ipv4Address.toString(routerAddresses.get(net)) + "/" + prefix);
            }
            for (NodeSpec n : e.getValue()) {
                buildNode(n, sw, br, mtu, cidr);
            }
            subnetIndex++;
        }
        nodes.sort((a, b) -> Integer.compare(a.index(), b.index()));
    }

    private static int routerAddress(int network, int prefix, List<NodeSpec> onSubnet) {
        int first = network + 1;
        int last = network + (1 << (32 - prefix)) - 2;
        for (int candidate : new int[] {first, last}) {
            boolean used = false;
            for (NodeSpec n : onSubnet) {
                used |= n.address() == candidate;
            }
            if (!used) {
                return candidate;
            }
        }
        throw new TopologyException(onSubnet.get(0).source(), "no free address for the underlay router on "
                + Ipv4Address.toString(network) + "/" + prefix);
    }

    private void buildNode(NodeSpec n, NetNamespace sw, Bridge br, int mtu, String subnet) {
        NetNamespace ns = network.namespace(n.name(), null);
        ns.loopbackUp();
        Nic eth0 = new Nic(ns, "eth0", network.randomMac(), mtu);
        attach(eth0, sw, br, n.name(), mtu);
        eth0.up();
        ns.addAddress(eth0, Ipv4Address.toString(n.address()) + "/" + n.prefixLength());
        int net = n.address() & Ipv4Address.mask(n.prefixLength());
        IpCommand.run(ns, "route add default via " + Ipv4Address.toString(routerAddresses.get(net)) + " dev eth0 proto static");
        // Kubernetes node prerequisites (kubeadm): forwarding on, br_netfilter loaded.
        IpCommand.run(ns, "sysctl -w net.ipv4.ip_forward=1");
        IpCommand.run(ns, "sysctl -w net.bridge.bridge-nf-call-iptables=1");
        NodeNetfilter nf = NodeNetfilter.install(ns);
        int index = topology.cluster().nodes().indexOf(n);
        nodes.add(new ClusterNode(n, index, ns, eth0, nf));
    }

    /** A link between {@code nic} and a new port of the switch bridge. */
    private void attach(Nic nic, NetNamespace sw, Bridge br, String portName, int mtu) {
        LinkConfig cfg = LinkConfig.builder().delayNs(UNDERLAY_DELAY_NS).mtu(mtu).build();
        Link link = new Link(sim, nic.netns().qualifiedName() + "/" + nic.name(), cfg);
        nic.attach(link.a());
        Nic port = new Nic(sw, portName, network.randomMac(), mtu);
        port.attach(link.b());
        br.addPort(port);
        port.up();
    }

    // ------------------------------------------------------------------ pods

    /** Schedules and attaches a pod (placement: {@code spec.nodeName}, else round robin in node order). */
    public ClusterPod addPod(PodSpec spec) {
        if (pods.containsKey(spec.qualifiedName())) {
            throw new TopologyException(spec.source(), "Pod " + spec.qualifiedName() + ": already exists");
        }
        ClusterNode node;
        if (spec.nodeName() != null) {
            node = node(spec.nodeName());
            if (node == null) {
                throw new TopologyException(spec.source(), "Pod " + spec.qualifiedName() + ": spec.nodeName: Not found: \""
                        + spec.nodeName() + "\"");
            }
        } else {
            node = nodes.get(pods.size() % nodes.size());
        }
        NetNamespace ns = network.namespace(node.name(), spec.namespace() + "/" + spec.name());
        ns.loopbackUp();
        ClusterPod pod = new ClusterPod(spec, node, ns);
        pod.ip(cni.attachPod(this, node, pod));
        pods.put(spec.qualifiedName(), pod);
        startServers(pod);
        policyChanged(PolicyEnforcer.Change.Kind.POD_ADDED, spec.namespace(), spec.name());
        return pod;
    }

    /** What the pod serves: every containerPort gets a listener (nginx-like for TCP, echo for UDP). */
    private void startServers(ClusterPod pod) {
        for (ContainerPort p : pod.spec().ports()) {
            switch (p.protocol()) {
                case "UDP" -> new UdpEchoServer(pod.netns(), p.port());
                case "SCTP" -> new SctpServer(pod.netns(), p.port());
                default -> new TcpServer(pod.netns(), p.port(), TcpServer.nginxOk(pod.spec().name() + "\n", sim.now()));
            }
        }
    }

    // ------------------------------------------------------------------ services

    /** Recomputes every Service's endpoints and reloads kube-proxy's rules on every node. */
    public void syncServices() {
        services.clear();
        usedNodePorts.clear();
        for (ServiceSpec s : serviceSpecs) {
            for (ServicePortSpec p : s.ports()) {
                if (p.nodePort() != 0) {
                    usedNodePorts.add(p.nodePort());
                }
            }
        }
        List<ServicePort> ports = new ArrayList<>();
        Map<ServicePortName, List<Endpoint>> endpoints = new TreeMap<>();
        for (ServiceSpec s : serviceSpecs) {
            if ("None".equals(s.clusterIp())) {
                continue; // headless: no ClusterIP, kube-proxy installs nothing for it
            }
            ClusterService svc = new ClusterService(s, clusterIp(s));
            services.put(s.qualifiedName(), svc);
            for (ServicePortSpec p : s.ports()) {
                ServicePort sp = ServicePort.clusterIp(s.namespace(), s.name(), p.name() == null ? "" : p.name(),
                        Protocol.valueOf(p.protocol()), Ipv4Address.toString(svc.clusterIp()), p.port(),
                        targetPortNumber(p, null));
                if ("NodePort".equals(s.type())) {
                    int nodePort = p.nodePort() != 0 ? p.nodePort() : allocateNodePort(s, p);
                    usedNodePorts.add(nodePort);
                    svc.nodePorts().add(nodePort);
                    sp = sp.withNodePort(nodePort);
                }
                ports.add(sp);
                List<Endpoint> eps = new ArrayList<>();
                if (s.selector() != null) {
                    for (ClusterPod pod : pods.values()) {
                        if (pod.spec().namespace().equals(s.namespace()) && matches(s.selector(), pod.labels())) {
                            int target = targetPortNumber(p, pod);
                            if (target > 0) {
                                eps.add(Endpoint.ready(Ipv4Address.toString(pod.ip()), target, pod.node().name()));
                                svc.endpoints().add(pod);
                            }
                        }
                    }
                }
                endpoints.put(sp.name(), eps);
            }
        }
        for (ClusterNode node : nodes) {
            ProxySettings settings = ProxySettings.defaults(node.name(), clusterCidr());
            KubeProxyRules rules = new KubeProxy(settings).render(ports, endpoints);
            node.netfilter().iptables().restore(rules.iptablesRestoreInput(), true, false);
            deleteStaleChains(node, rules.iptablesRestoreInput());
            // kube-proxy's EnsureRule(Prepend, ...): insert each jump unless it is already there.
            String saved = node.netfilter().iptables().save("-");
            for (JumpRule jump : rules.jumpRules()) {
                if (!saved.contains(jump.restoreLine())) {
                    node.netfilter().iptables().execute(jump.iptablesCommand().substring("iptables ".length()));
                }
            }
        }
    }

    /**
     * kube-proxy's cleanup after a sync: per-service and per-endpoint chains it no longer writes
     * are flushed and deleted ({@code -X}), so a deleted Service leaves nothing behind.
     */
    private static void deleteStaleChains(ClusterNode node, String restoreInput) {
        for (dev.podlab.netfilter.TableId id : List.of(dev.podlab.netfilter.TableId.NAT,
                dev.podlab.netfilter.TableId.FILTER)) {
            List<String> stale = new ArrayList<>();
            for (dev.podlab.netfilter.Chain chain : node.netfilter().iptables().table(id).chains()) {
                String name = chain.name();
                if (name.matches("KUBE-(SVC|SVL|SEP|EXT|FW)-[A-Z0-9]+") && !restoreInput.contains(":" + name + " ")) {
                    stale.add(name);
                }
            }
            for (String name : stale) {
                node.netfilter().iptables().execute("-t " + id.tableName() + " -F " + name);
            }
            for (String name : stale) {
                node.netfilter().iptables().execute("-t " + id.tableName() + " -X " + name);
            }
        }
    }

    /**
     * A node port for a port that names none: the API server picks one at random from
     * 30000-32767; podlab picks deterministically (a hash of the Service and port, then the next
     * free one), so a topology always gets the same ports.
     */
    private int allocateNodePort(ServiceSpec s, ServicePortSpec p) {
        int range = 32767 - 30000 + 1;
        int start = Math.floorMod((s.qualifiedName() + "/" + p.port() + "/" + p.protocol()).hashCode(), range);
        for (int i = 0; i < range; i++) {
            int candidate = 30000 + (start + i) % range;
            if (!usedNodePorts.contains(candidate)) {
                return candidate;
            }
        }
        throw new TopologyException(s.source(), "Service " + s.qualifiedName()
                + ": spec.ports[].nodePort: Internal error: range is full (30000-32767)");
    }

    private String clusterCidr() {
        Object network = topology.cluster().cniConfig().get("Network");
        return network == null ? "10.244.0.0/16" : network.toString();
    }

    /** The Service's ClusterIP: as written, else a deterministic address in 10.96.0.0/12 from its name. */
    private int clusterIp(ServiceSpec s) {
        if (s.clusterIp() != null && !s.clusterIp().equals("None")) {
            return Ipv4Address.parse(s.clusterIp());
        }
        if ("default".equals(s.namespace()) && "kubernetes".equals(s.name())) {
            return Ipv4Address.parse("10.96.0.1");
        }
        int base = Ipv4Address.parse("10.96.0.0");
        int size = 1 << 20;
        int h = Math.floorMod(s.qualifiedName().hashCode() * 0x9e3779b1, size - 16) + 10;
        for (int i = 0; i < size; i++) {
            int candidate = base + (h + i) % (size - 2) + 1;
            boolean used = false;
            for (ClusterService other : services.values()) {
                used |= other.clusterIp() == candidate;
            }
            for (ServiceSpec other : serviceSpecs) {
                used |= other != s && other.clusterIp() != null && !other.clusterIp().equals("None")
                        && Ipv4Address.parse(other.clusterIp()) == candidate;
            }
            if (!used) {
                return candidate;
            }
        }
        throw new TopologyException(s.source(), "Service " + s.qualifiedName() + ": no free ClusterIP");
    }

    /** A port's target as a number: the number written, or the pod's container port of that name (0: none). */
    private static int targetPortNumber(ServicePortSpec p, ClusterPod pod) {
        String t = p.targetPort();
        if (t == null) {
            return p.port();
        }
        if (t.chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(t);
        }
        if (pod == null) {
            return p.port();
        }
        for (ContainerPort cp : pod.spec().ports()) {
            if (t.equals(cp.name()) && cp.protocol().equals(p.protocol())) {
                return cp.port();
            }
        }
        return 0;
    }

    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Adds or replaces a Service (by namespace/name) and resyncs kube-proxy's rules. */
    public void applyService(ServiceSpec spec) {
        serviceSpecs.removeIf(s -> s.qualifiedName().equals(spec.qualifiedName()));
        serviceSpecs.add(spec);
        syncServices();
    }

    /** Deletes a Service; false when there is none of that name. */
    public boolean deleteService(String qualifiedName) {
        boolean removed = serviceSpecs.removeIf(s -> s.qualifiedName().equals(qualifiedName));
        if (removed) {
            syncServices();
        }
        return removed;
    }

    /** Deletes a pod: its listeners stop with its namespace's interfaces, the CNI releases its address. */
    public boolean deletePod(String qualifiedName) {
        ClusterPod pod = pods.remove(qualifiedName);
        if (pod == null) {
            return false;
        }
        cni.detachPod(this, pod.node(), pod);
        syncServices();
        policyChanged(PolicyEnforcer.Change.Kind.POD_DELETED, pod.spec().namespace(), pod.spec().name());
        return true;
    }

    /** Sets (value non-null) or removes (null) a pod label, then resyncs Service endpoints. */
    public void labelPod(String qualifiedName, String key, String value) {
        ClusterPod pod = pods.get(qualifiedName);
        if (value == null) {
            pod.labels().remove(key);
        } else {
            pod.labels().put(key, value);
        }
        syncServices();
        policyChanged(PolicyEnforcer.Change.Kind.POD_LABELS, pod.spec().namespace(), pod.spec().name());
    }

    /** Adds or replaces (by namespace/name) an admitted NetworkPolicy; the enforcer, if any, reprograms. */
    public void applyNetworkPolicy(NetworkPolicySpec spec) {
        policies.removeIf(p -> p.namespace().equals(spec.namespace()) && p.name().equals(spec.name()));
        policies.add(spec);
        if (started && enforcer == null) {
            warn(spec.source(), "NetworkPolicy " + spec.namespace() + "/" + spec.name() + " is admitted; the CNI \""
                    + cni.name() + "\" enforces no NetworkPolicy, so it has no effect");
        }
        policyChanged(PolicyEnforcer.Change.Kind.POLICY_APPLIED, spec.namespace(), spec.name());
    }

    public boolean deleteNetworkPolicy(String namespace, String name) {
        boolean removed = policies.removeIf(p -> p.namespace().equals(namespace) && p.name().equals(name));
        if (removed) {
            policyChanged(PolicyEnforcer.Change.Kind.POLICY_DELETED, namespace, name);
        }
        return removed;
    }

    /** NetworkPolicies as admitted, in the order applied. */
    public List<NetworkPolicySpec> networkPolicies() {
        return Collections.unmodifiableList(policies);
    }

    /** Namespaces by name (their labels are mutable through {@link #labelNamespace}). */
    public Map<String, NamespaceSpec> namespaces() {
        return Collections.unmodifiableMap(namespaces);
    }

    public void applyNamespace(NamespaceSpec ns) {
        namespaces.put(ns.name(), ns);
        policyChanged(PolicyEnforcer.Change.Kind.NAMESPACE, null, ns.name());
    }

    /** Sets (value non-null) or removes (null) a namespace label. */
    public void labelNamespace(String name, String key, String value) {
        NamespaceSpec ns = namespaces.get(name);
        Map<String, String> labels = new java.util.TreeMap<>(ns.labels());
        if (value == null) {
            labels.remove(key);
        } else {
            labels.put(key, value);
        }
        namespaces.put(name, new NamespaceSpec(name, labels, ns.source()));
        policyChanged(PolicyEnforcer.Change.Kind.NAMESPACE, null, name);
    }

    // ------------------------------------------------------------------ access

    public Topology topology() {
        return topology;
    }

    public Simulator sim() {
        return sim;
    }

    public Network network() {
        return network;
    }

    public Cni cni() {
        return cni;
    }

    /** Nodes in the Cluster object's order. */
    public List<ClusterNode> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    public ClusterNode node(String name) {
        for (ClusterNode n : nodes) {
            if (n.name().equals(name)) {
                return n;
            }
        }
        return null;
    }

    /** Pods in the order they were added. */
    public List<ClusterPod> pods() {
        return List.copyOf(pods.values());
    }

    /** The pod {@code namespace/name}, or null. */
    public ClusterPod pod(String qualifiedName) {
        return pods.get(qualifiedName);
    }

    public List<ClusterService> services() {
        return List.copyOf(services.values());
    }

    public ClusterService service(String qualifiedName) {
        return services.get(qualifiedName);
    }

    /** The underlay router's address on the subnet of {@code node}. */
    public int underlayGateway(ClusterNode node) {
        return routerAddresses.get(node.address() & Ipv4Address.mask(node.spec().prefixLength()));
    }

    /** Warnings from loading and building (unknown kinds, routes a CNI could not install, ...). */
    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    /** Adds a warning, as a node agent's log line would say it. */
    public void warn(Source source, String message) {
        warnings.add(source == null || source == Source.NONE ? message : source + ": " + message);
    }
}
