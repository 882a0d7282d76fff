package dev.podlab.kubeproxy;

import dev.podlab.packet.Ipv4Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * kube-proxy in iptables mode on one node: turns Service ports and their endpoints into the
 * iptables-restore input kube-proxy writes ({@code Proxier.syncProxyRules} in
 * kubernetes/kubernetes pkg/proxy/iptables/proxier.go, the 1.30/1.31 layout with
 * KUBE-SVC/KUBE-SVL/KUBE-EXT/KUBE-SEP chains, KUBE-PROXY-FIREWALL and nfacct counters).
 *
 * <p>What is rendered, and how it differs from a real sync:
 * <ul>
 *   <li>A full sync of a fresh node: every chain is written, nothing is deleted ({@code -X} of
 *       stale chains needs the previous state and is not produced).
 *   <li>Services are processed in {@link ServicePortName} text order, then protocol. kube-proxy
 *       iterates a Go map, so its order between Services is random; the per-Service block is
 *       exactly kube-proxy's.
 *   <li>Endpoints are kube-proxy's own order: deduplicated by "IP:port" and sorted by that
 *       string ({@code endpointsMapFromEndpointInfo} / {@code byEndpoint} in
 *       pkg/proxy/endpointslicecache.go) — a string order, so 10.244.10.1 sorts before 10.244.2.1.
 *   <li>Service types ClusterIP and NodePort only: no LoadBalancer, externalIPs,
 *       healthCheckNodePort, topology hints.
 * </ul>
 *
 * <p>The rules kube-proxy keeps in the built-in chains ({@code iptablesJumpChains}) are not in
 * the restore input (kube-proxy must not flush PREROUTING etc.); they are returned as
 * {@link KubeProxyRules#jumpRules()} and included in {@link KubeProxyRules#iptablesSave()}, the
 * node's complete view, together with the {@code KUBE-PROXY-CANARY} chains.
 */
public final class KubeProxy {
    static final String KUBE_SERVICES = "KUBE-SERVICES";
    static final String KUBE_EXTERNAL_SERVICES = "KUBE-EXTERNAL-SERVICES";
    static final String KUBE_NODEPORTS = "KUBE-NODEPORTS";
    static final String KUBE_POSTROUTING = "KUBE-POSTROUTING";
    static final String KUBE_MARK_MASQ = "KUBE-MARK-MASQ";
    static final String KUBE_FORWARD = "KUBE-FORWARD";
    static final String KUBE_PROXY_FIREWALL = "KUBE-PROXY-FIREWALL";
    static final String KUBE_PROXY_CANARY = "KUBE-PROXY-CANARY";
    /** kubelet's chain, duplicated by kube-proxy ({@code kubeletFirewallChain}). */
    static final String KUBE_FIREWALL = "KUBE-FIREWALL";

    /** {@code largeClusterEndpointsThreshold}: above this many endpoints, endpoint comments are dropped. */
    static final int LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

    /** nfacct counter names ({@code metrics.IPTablesCTStateInvalidDroppedNFAcctCounter} and the localhost one). */
    static final String NFACCT_CT_STATE_INVALID_DROPPED = "ct_state_invalid_dropped_pkts";
    static final String NFACCT_LOCALHOST_NODEPORT_ACCEPTED = "localhost_nps_accepted_pkts";

    private static final List<String> CTSTATE_NEW = List.of("-m", "conntrack", "--ctstate", "NEW");

    /**
     * {@code iptablesJumpChains} followed by {@code iptablesKubeletJumpChains}, in the order
     * kube-proxy ensures them. Each is prepended, so in a chain the last one ensured comes first.
     */
    public static final List<JumpRule> JUMP_RULES = List.of(
            new JumpRule("filter", "INPUT", KUBE_EXTERNAL_SERVICES, "kubernetes externally-visible service portals", CTSTATE_NEW),
            new JumpRule("filter", "FORWARD", KUBE_EXTERNAL_SERVICES, "kubernetes externally-visible service portals", CTSTATE_NEW),
            new JumpRule("filter", "INPUT", KUBE_NODEPORTS, "kubernetes health check service ports", List.of()),
            new JumpRule("filter", "FORWARD", KUBE_SERVICES, "kubernetes service portals", CTSTATE_NEW),
            new JumpRule("filter", "OUTPUT", KUBE_SERVICES, "kubernetes service portals", CTSTATE_NEW),
            new JumpRule("filter", "FORWARD", KUBE_FORWARD, "kubernetes forwarding rules", List.of()),
            new JumpRule("filter", "INPUT", KUBE_PROXY_FIREWALL, "kubernetes load balancer firewall", CTSTATE_NEW),
            new JumpRule("filter", "OUTPUT", KUBE_PROXY_FIREWALL, "kubernetes load balancer firewall", CTSTATE_NEW),
            new JumpRule("filter", "FORWARD", KUBE_PROXY_FIREWALL, "kubernetes load balancer firewall", CTSTATE_NEW),
            new JumpRule("nat", "OUTPUT", KUBE_SERVICES, "kubernetes service portals", List.of()),
            new JumpRule("nat", "PREROUTING", KUBE_SERVICES, "kubernetes service portals", List.of()),
            new JumpRule("nat", "POSTROUTING", KUBE_POSTROUTING, "kubernetes postrouting rules", List.of()),
            new JumpRule("filter", "INPUT", KUBE_FIREWALL, "", List.of()),
            new JumpRule("filter", "OUTPUT", KUBE_FIREWALL, "", List.of()));

    /** Tables in which {@code iptables.Monitor} creates {@code KUBE-PROXY-CANARY}, in its order. */
    public static final List<String> CANARY_TABLES = List.of("mangle", "nat", "filter");

    private final ProxySettings settings;

    public KubeProxy(ProxySettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public ProxySettings settings() {
        return settings;
    }

    /** iptables-restore lines, joined by spaces as {@code proxyutil.LineBuffer.Write} does. */
    private static final class LineBuffer {
        final StringBuilder text = new StringBuilder();
        int lines;

        void write(Object... words) {
            boolean first = true;
            for (Object word : words) {
                if (word instanceof List<?> list) {
                    for (Object w : list) {
                        text.append(first ? "" : " ").append(w);
                        first = false;
                    }
                } else {
                    text.append(first ? "" : " ").append(word);
                    first = false;
                }
            }
            text.append('\n');
            lines++;
        }

        void chainLine(String chain) {
            write(":" + chain + " - [0:0]");
        }
    }

    /** Double-quoted as kube-proxy writes comments with spaces: {@code fmt.Sprintf(`"%s …"`)}. */
    private static String quoted(String text) {
        return "\"" + text + "\"";
    }

    /**
     * Renders the rules for one node.
     *
     * @param servicePorts the Service ports (any order; names must be unique)
     * @param endpoints endpoints per Service port; a missing entry means none
     */
    public KubeProxyRules render(Collection<ServicePort> servicePorts, Map<ServicePortName, List<Endpoint>> endpoints) {
        Map<ServicePortName, ServicePort> byName = new TreeMap<>();
        for (ServicePort sp : servicePorts) {
            if (byName.put(sp.name(), sp) != null) {
                throw new IllegalArgumentException("duplicate service port " + sp.name());
            }
        }
        List<ServicePort> ordered = new ArrayList<>(byName.values());
        ordered.sort(Comparator.comparing(ServicePort::name).thenComparing(ServicePort::protocol));

        String mark = settings.masqueradeMark();
        boolean localhostNodePorts = settings.effectiveLocalhostNodePorts();
        LineBuffer filterChains = new LineBuffer();
        LineBuffer filterRules = new LineBuffer();
        LineBuffer natChains = new LineBuffer();
        LineBuffer natRules = new LineBuffer();

        for (String chain : List.of(KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL)) {
            filterChains.chainLine(chain);
        }
        for (String chain : List.of(KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ)) {
            natChains.chainLine(chain);
        }

        natRules.write("-A", KUBE_POSTROUTING, "-m", "mark", "!", "--mark", mark + "/" + mark, "-j", "RETURN");
        // Clear the mark to avoid re-masquerading if the packet re-traverses the network stack.
        natRules.write("-A", KUBE_POSTROUTING, "-j", "MARK", "--xor-mark", mark);
        List<String> masq = new ArrayList<>(List.of("-A", KUBE_POSTROUTING, "-m", "comment", "--comment",
                quoted("kubernetes service traffic requiring SNAT"), "-j", "MASQUERADE"));
        if (settings.randomFully()) {
            masq.add("--random-fully");
        }
        natRules.write(masq);
        natRules.write("-A", KUBE_MARK_MASQ, "-j", "MARK", "--or-mark", mark);

        if (localhostNodePorts) {
            // The anti-martian rule for route_localnet=1 (https://issue.k8s.io/90259).
            filterChains.chainLine(KUBE_FIREWALL);
            filterRules.write("-A", KUBE_FIREWALL, "-m", "comment", "--comment", quoted("block incoming localnet connections"),
                    "-d", "127.0.0.0/8", "!", "-s", "127.0.0.0/8", "-m", "conntrack", "!", "--ctstate",
                    "RELATED,ESTABLISHED,DNAT", "-j", "DROP");
        }

        Map<ServicePortName, List<Endpoint>> endpointsMap = new LinkedHashMap<>();
        int totalEndpoints = 0;
        for (ServicePort sp : ordered) {
            List<Endpoint> list = endpointList(endpoints.getOrDefault(sp.name(), List.of()));
            endpointsMap.put(sp.name(), list);
            totalEndpoints += list.size();
        }
        boolean largeClusterMode = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;

        for (ServicePort svc : ordered) {
            writeServicePort(svc, endpointsMap.get(svc.name()), largeClusterMode, localhostNodePorts,
                    filterRules, natChains, natRules);
        }

        // Finally, tail-call to the nodePorts chain. This needs to be after all other service portal rules.
        String nodePortsComment = quoted("kubernetes service nodeports; NOTE: this must be the last rule in this chain");
        if (settings.nodePortsMatchAll()) {
            List<String> destinations = new ArrayList<>(List.of("-m", "addrtype", "--dst-type", "LOCAL"));
            if (!localhostNodePorts) {
                destinations.addAll(List.of("!", "-d", "127.0.0.0/8"));
            }
            natRules.write("-A", KUBE_SERVICES, "-m", "comment", "--comment", nodePortsComment, destinations,
                    "-j", KUBE_NODEPORTS);
        } else {
            for (int ip : settings.nodeIps()) {
                if (settings.nodePortAddresses().stream().noneMatch(c -> c.contains(ip))) {
                    continue;
                }
                if ((ip >>> 24) == 127 && !localhostNodePorts) {
                    continue; // kube-proxy logs "--nodeport-addresses includes localhost but ..." and skips it
                }
                natRules.write("-A", KUBE_SERVICES, "-m", "comment", "--comment", nodePortsComment,
                        "-d", Ipv4Address.toString(ip), "-j", KUBE_NODEPORTS);
            }
        }

        if (!settings.conntrackTcpBeLiberal()) {
            List<String> rule = new ArrayList<>(List.of("-A", KUBE_FORWARD, "-m", "conntrack", "--ctstate", "INVALID"));
            if (settings.nfacct()) {
                rule.addAll(List.of("-m", "nfacct", "--nfacct-name", NFACCT_CT_STATE_INVALID_DROPPED));
            }
            rule.addAll(List.of("-j", "DROP"));
            filterRules.write(rule);
        }
        filterRules.write("-A", KUBE_FORWARD, "-m", "comment", "--comment", quoted("kubernetes forwarding rules"),
                "-m", "mark", "--mark", mark + "/" + mark, "-j", "ACCEPT");
        filterRules.write("-A", KUBE_FORWARD, "-m", "comment", "--comment", quoted("kubernetes forwarding conntrack rule"),
                "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT");

        String restore = "*filter\n" + filterChains.text + filterRules.text + "COMMIT\n"
                + "*nat\n" + natChains.text + natRules.text + "COMMIT\n";
        return new KubeProxyRules(restore, JUMP_RULES, CANARY_TABLES);
    }

    /**
     * The endpoint list kube-proxy keeps for a Service port: one entry per "IP:port" (a
     * non-terminating endpoint wins over a terminating duplicate, {@code addEndpoints}), sorted
     * by that string ({@code byEndpoint}).
     */
    static List<Endpoint> endpointList(List<Endpoint> given) {
        Map<String, Endpoint> set = new TreeMap<>();
        for (Endpoint ep : given) {
            String key = ep.toString();
            if (!set.containsKey(key) || !ep.terminating()) {
                set.put(key, ep);
            }
        }
        return List.copyOf(set.values());
    }

    /** {@code CategorizeEndpoints} (pkg/proxy/topology.go), without topology hints. */
    record Categorized(List<Endpoint> cluster, List<Endpoint> local, List<Endpoint> allReachable, boolean hasAny) {}

    static Categorized categorize(List<Endpoint> endpoints, ServicePort svc, String nodeName) {
        List<Endpoint> cluster = List.of();
        boolean hasAny = false;
        if (svc.usesClusterEndpoints()) {
            cluster = endpoints.stream().filter(Endpoint::ready).toList();
            if (cluster.isEmpty()) {
                // No ready endpoints anywhere: fall back to serving-terminating ones.
                cluster = endpoints.stream().filter(ep -> ep.serving() && ep.terminating()).toList();
            }
            hasAny = !cluster.isEmpty();
        }
        if (!svc.usesLocalEndpoints()) {
            return new Categorized(cluster, List.of(), cluster, hasAny);
        }
        boolean localReady = false;
        boolean localServingTerminating = false;
        for (Endpoint ep : endpoints) {
            if (ep.ready()) {
                hasAny = true;
                localReady |= ep.isLocalTo(nodeName);
            } else if (ep.serving() && ep.terminating()) {
                hasAny = true;
                localServingTerminating |= ep.isLocalTo(nodeName);
            }
        }
        List<Endpoint> local = List.of();
        if (localReady) {
            local = endpoints.stream().filter(ep -> ep.isLocalTo(nodeName) && ep.ready()).toList();
        } else if (localServingTerminating) {
            local = endpoints.stream().filter(ep -> ep.isLocalTo(nodeName) && ep.serving() && ep.terminating()).toList();
        }
        if (!svc.usesClusterEndpoints()) {
            return new Categorized(cluster, local, local, hasAny);
        }
        if (local.isEmpty()) {
            return new Categorized(cluster, local, cluster, hasAny);
        }
        // kube-proxy unions the two through a Go map (random order); podlab keeps "IP:port" order.
        Map<String, Endpoint> union = new TreeMap<>();
        cluster.forEach(ep -> union.put(ep.toString(), ep));
        local.forEach(ep -> union.put(ep.toString(), ep));
        return new Categorized(cluster, local, List.copyOf(union.values()), hasAny);
    }

    /** The per-Service-port part of {@code syncProxyRules}. */
    private void writeServicePort(ServicePort svc, List<Endpoint> allEndpoints, boolean largeClusterMode,
            boolean localhostNodePorts, LineBuffer filterRules, LineBuffer natChains, LineBuffer natRules) {
        String protocol = svc.protocol().lower();
        String name = svc.name().toString();
        String clusterIp = Ipv4Address.toString(svc.clusterIp());
        String port = Integer.toString(svc.port());

        Categorized eps = categorize(allEndpoints, svc, settings.nodeName());

        String clusterPolicyChain = ChainNames.serviceChain(svc.name(), svc.protocol());
        boolean usesClusterPolicyChain = !eps.cluster().isEmpty() && svc.usesClusterEndpoints();
        String localPolicyChain = ChainNames.serviceLocalChain(svc.name(), svc.protocol());
        boolean usesLocalPolicyChain = !eps.local().isEmpty() && svc.usesLocalEndpoints();

        String internalTrafficChain = clusterPolicyChain;
        boolean hasInternalEndpoints = eps.hasAny();
        if (svc.internalPolicyLocal()) {
            internalTrafficChain = localPolicyChain;
            hasInternalEndpoints = !eps.local().isEmpty();
        }
        String externalPolicyChain = clusterPolicyChain;
        boolean hasExternalEndpoints = eps.hasAny();
        if (svc.externalPolicyLocal()) {
            externalPolicyChain = localPolicyChain;
            hasExternalEndpoints = !eps.local().isEmpty();
        }
        String externalTrafficChain = ChainNames.serviceExternalChain(svc.name(), svc.protocol());
        boolean usesExternalTrafficChain = eps.hasAny() && svc.externallyAccessible();

        String internalFilterTarget = null;
        String internalFilterComment = null;
        String externalFilterTarget = null;
        String externalFilterComment = null;
        if (!eps.hasAny()) {
            internalFilterTarget = "REJECT";
            internalFilterComment = quoted(name + " has no endpoints");
            externalFilterTarget = "REJECT";
            externalFilterComment = internalFilterComment;
        } else {
            if (!hasInternalEndpoints) {
                internalFilterTarget = "DROP";
                internalFilterComment = quoted(name + " has no local endpoints");
            }
            if (!hasExternalEndpoints) {
                externalFilterTarget = "DROP";
                externalFilterComment = quoted(name + " has no local endpoints");
            }
        }

        // Capture the clusterIP.
        List<String> clusterIpMatch = List.of("-m", "comment", "--comment", quoted(name + " cluster IP"),
                "-m", protocol, "-p", protocol, "-d", clusterIp, "--dport", port);
        if (hasInternalEndpoints) {
            natRules.write("-A", KUBE_SERVICES, clusterIpMatch, "-j", internalTrafficChain);
        } else {
            filterRules.write("-A", KUBE_SERVICES, "-m", "comment", "--comment", internalFilterComment,
                    "-m", protocol, "-p", protocol, "-d", clusterIp, "--dport", port, "-j", internalFilterTarget);
        }

        // Capture nodeports.
        if (svc.nodePort() != 0) {
            String nodePort = Integer.toString(svc.nodePort());
            if (eps.hasAny()) {
                if (localhostNodePorts && settings.nfacct()) {
                    natRules.write("-A", KUBE_NODEPORTS, "-m", "comment", "--comment", name,
                            "-m", protocol, "-p", protocol, "-d", "127.0.0.0/8", "--dport", nodePort,
                            "-m", "nfacct", "--nfacct-name", NFACCT_LOCALHOST_NODEPORT_ACCEPTED,
                            "-j", externalTrafficChain);
                }
                natRules.write("-A", KUBE_NODEPORTS, "-m", "comment", "--comment", name,
                        "-m", protocol, "-p", protocol, "--dport", nodePort, "-j", externalTrafficChain);
            }
            if (!hasExternalEndpoints) {
                filterRules.write("-A", KUBE_EXTERNAL_SERVICES, "-m", "comment", "--comment", externalFilterComment,
                        "-m", "addrtype", "--dst-type", "LOCAL", "-m", protocol, "-p", protocol,
                        "--dport", nodePort, "-j", externalFilterTarget);
            }
        }

        // Set up internal traffic handling.
        if (hasInternalEndpoints) {
            if (settings.masqueradeAll()) {
                natRules.write("-A", internalTrafficChain, clusterIpMatch, "-j", KUBE_MARK_MASQ);
            } else if (settings.clusterCidr() != null) {
                // Masquerade off-cluster traffic to a Service VIP (it may bounce off-node).
                natRules.write("-A", internalTrafficChain, clusterIpMatch, "!", "-s", settings.clusterCidr(),
                        "-j", KUBE_MARK_MASQ);
            }
        }

        // Set up external traffic handling.
        if (usesExternalTrafficChain) {
            natChains.chainLine(externalTrafficChain);
            if (!svc.externalPolicyLocal()) {
                natRules.write("-A", externalTrafficChain, "-m", "comment", "--comment",
                        quoted("masquerade traffic for " + name + " external destinations"), "-j", KUBE_MARK_MASQ);
            } else {
                if (settings.clusterCidr() != null) {
                    natRules.write("-A", externalTrafficChain, "-m", "comment", "--comment",
                            quoted("pod traffic for " + name + " external destinations"),
                            "-s", settings.clusterCidr(), "-j", clusterPolicyChain);
                }
                natRules.write("-A", externalTrafficChain, "-m", "comment", "--comment",
                        quoted("masquerade LOCAL traffic for " + name + " external destinations"),
                        "-m", "addrtype", "--src-type", "LOCAL", "-j", KUBE_MARK_MASQ);
                natRules.write("-A", externalTrafficChain, "-m", "comment", "--comment",
                        quoted("route LOCAL traffic for " + name + " external destinations"),
                        "-m", "addrtype", "--src-type", "LOCAL", "-j", clusterPolicyChain);
            }
            if (hasExternalEndpoints) {
                natRules.write("-A", externalTrafficChain, "-j", externalPolicyChain);
            }
        }

        if (usesClusterPolicyChain) {
            natChains.chainLine(clusterPolicyChain);
            writeServiceToEndpointRules(natRules, name, svc, clusterPolicyChain, eps.cluster(), largeClusterMode);
        }
        if (usesLocalPolicyChain) {
            natChains.chainLine(localPolicyChain);
            writeServiceToEndpointRules(natRules, name, svc, localPolicyChain, eps.local(), largeClusterMode);
        }

        // Generate the per-endpoint chains.
        for (Endpoint ep : eps.allReachable()) {
            String endpointChain = ChainNames.endpointChain(svc.name(), svc.protocol(), ep);
            natChains.chainLine(endpointChain);
            List<String> args = new ArrayList<>(List.of("-A", endpointChain));
            if (!largeClusterMode) {
                args.addAll(List.of("-m", "comment", "--comment", name));
            }
            // Handle traffic that loops back to the originator with SNAT.
            natRules.write(args, "-s", Ipv4Address.toString(ep.ip()), "-j", KUBE_MARK_MASQ);
            if (svc.sessionAffinity() == ServicePort.SessionAffinity.CLIENT_IP) {
                args.addAll(List.of("-m", "recent", "--name", endpointChain, "--set"));
            }
            args.addAll(List.of("-m", protocol, "-p", protocol, "-j", "DNAT", "--to-destination", ep.toString()));
            natRules.write(args);
        }
    }

    /** {@code writeServiceToEndpointRules}: affinity checks, then the {@code statistic} cascade. */
    private static void writeServiceToEndpointRules(LineBuffer natRules, String name, ServicePort svc, String svcChain,
            List<Endpoint> endpoints, boolean largeClusterMode) {
        if (svc.sessionAffinity() == ServicePort.SessionAffinity.CLIENT_IP) {
            for (Endpoint ep : endpoints) {
                String epChain = ChainNames.endpointChain(svc.name(), svc.protocol(), ep);
                List<String> args = new ArrayList<>(List.of("-A", svcChain));
                if (!largeClusterMode) {
                    args.addAll(List.of("-m", "comment", "--comment", quoted(name + " -> " + ep)));
                }
                args.addAll(List.of("-m", "recent", "--name", epChain, "--rcheck", "--seconds",
                        Integer.toString(svc.stickyMaxAgeSeconds()), "--reap", "-j", epChain));
                natRules.write(args);
            }
        }
        int n = endpoints.size();
        for (int i = 0; i < n; i++) {
            Endpoint ep = endpoints.get(i);
            List<String> args = new ArrayList<>(List.of("-A", svcChain));
            if (!largeClusterMode) {
                args.addAll(List.of("-m", "comment", "--comment", quoted(name + " -> " + ep)));
            }
            if (i < n - 1) {
                args.addAll(List.of("-m", "statistic", "--mode", "random", "--probability", Probability.written(n - i)));
            }
            natRules.write(args, "-j", ChainNames.endpointChain(svc.name(), svc.protocol(), ep));
        }
    }
}
