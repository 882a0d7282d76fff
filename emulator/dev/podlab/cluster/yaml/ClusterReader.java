package dev.podlab.cluster.yaml;

import dev.podlab.cluster.model.ClusterSpec;
import dev.podlab.cluster.model.NodeSpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.packet.Ipv4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads podlab's own {@code Cluster} object ({@code podlab.dev/v1alpha1}):
 *
 * <pre>
 * spec:
 *   seed: 1                      # default 1
 *   underlay: {mtu: 1500}        # default 1500
 *   nodes:
 *   - {name: node1, address: 192.168.1.11/24}
 *   cni:
 *     flannel: {...}             # exactly one key: the CNI's name; its value is the CNI's own config
 *   networkPolicy:
 *     engine: iptables           # or indexed: how the CNI's policy enforcer classifies (default iptables)
 * </pre>
 *
 * Being podlab's type, it is decoded strictly, as the API server decodes a custom resource with a
 * structural schema: an unknown field (a typo) is an error, not a silent default.
 */
final class ClusterReader {
    static final String API_VERSION = "podlab.dev/v1alpha1";
    static final int DEFAULT_MTU = 1500;
    /** The IPv4 minimum MTU (RFC 791: every host must take a 68-byte datagram unfragmented). */
    static final int MIN_MTU = 68;
    static final int MAX_MTU = 65535;

    private static final Set<String> TOP = Set.of("apiVersion", "kind", "metadata", "spec", "status");
    private static final Set<String> SPEC = Set.of("seed", "underlay", "nodes", "cni", "networkPolicy");
    private static final Set<String> NETWORK_POLICY = Set.of("engine");
    private static final List<String> ENGINES = List.of("iptables", "indexed");
    private static final Set<String> UNDERLAY = Set.of("mtu");
    private static final Set<String> NODE = Set.of("name", "address");

    private ClusterReader() {
    }

    static ClusterSpec read(Fields root) {
        ObjectMeta meta = ObjectMeta.read(root, "Cluster", false, ApiValidation::dns1123Subdomain, false);
        Fields c = meta.root();
        strict(c, TOP);
        Fields spec = c.map("spec");
        if (spec == null) {
            throw c.required("spec");
        }
        strict(spec, SPEC);
        Long seed = spec.integer("seed");
        int mtu = DEFAULT_MTU;
        Fields underlay = spec.map("underlay");
        if (underlay != null) {
            strict(underlay, UNDERLAY);
            Long m = underlay.integer("mtu");
            if (m != null) {
                if (m < MIN_MTU || m > MAX_MTU) {
                    throw underlay.invalid("mtu", m, ApiValidation.inclusiveRangeError(MIN_MTU, MAX_MTU));
                }
                mtu = m.intValue();
            }
        }
        List<NodeSpec> nodes = nodes(spec);
        Fields cni = spec.map("cni");
        if (cni == null) {
            throw spec.required("cni", "the CNI's name with its configuration, e.g. flannel: {Network: 10.244.0.0/16}");
        }
        List<String> names = new ArrayList<>();
        cni.keys().forEach(names::add);
        if (names.size() != 1) {
            throw spec.error("cni", "Invalid value: " + names + ": must have exactly one key, the CNI's name (e.g. flannel)");
        }
        String cniName = names.get(0);
        Map<String, Object> config = Map.of();
        if (cni.has(cniName)) {
            Object value = cni.value(cniName);
            if (!(value instanceof Map<?, ?>)) {
                throw cni.invalid(cniName, value instanceof String s ? s : String.valueOf(value),
                        "must be a mapping: the CNI's configuration");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) value;
            config = m;
        }
        String engine = ENGINES.get(0);
        Fields np = spec.map("networkPolicy");
        if (np != null) {
            strict(np, NETWORK_POLICY);
            String e = np.string("engine");
            if (e != null && !ENGINES.contains(e)) {
                throw np.error("engine", "Unsupported value: \"" + e + "\": supported values: \"iptables\", \"indexed\"");
            }
            engine = e == null ? engine : e;
        }
        return new ClusterSpec(meta.name(), mtu, List.copyOf(nodes), cniName, config, seed == null ? 1 : seed,
                engine, c.source());
    }

    private static List<NodeSpec> nodes(Fields spec) {
        List<Fields> items = spec.list("nodes");
        if (items.isEmpty()) {
            throw spec.required("nodes");
        }
        List<NodeSpec> nodes = new ArrayList<>();
        Map<String, Fields> byName = new HashMap<>();
        Map<Integer, Fields> byAddress = new HashMap<>();
        for (Fields n : items) {
            strict(n, NODE);
            String name = n.requiredString("name", null);
            for (String msg : ApiValidation.dns1123Subdomain(name)) {
                throw n.invalid("name", name, msg);
            }
            if (byName.putIfAbsent(name, n) != null) {
                throw n.error("name", "Duplicate value: " + ApiValidation.render(name));
            }
            String address = n.requiredString("address", "the node's underlay address with its prefix length, "
                    + "e.g. 192.168.1.11/24");
            int slash = address.indexOf('/');
            int ip;
            int prefix;
            try {
                if (slash < 0 || !address.substring(slash + 1).matches("[0-9]{1,2}")) {
                    throw new IllegalArgumentException();
                }
                ip = Ipv4Address.parse(address.substring(0, slash));
                prefix = Integer.parseInt(address.substring(slash + 1));
            } catch (IllegalArgumentException e) {
                throw n.invalid("address", address, "must be an IPv4 address with its prefix length, e.g. 192.168.1.11/24");
            }
            // The underlay router takes a host address of each subnet: a /31 or /32 leaves none.
            if (prefix < 1 || prefix > 30) {
                throw n.invalid("address", address, "prefix length " + ApiValidation.inclusiveRangeError(1, 30));
            }
            int hostMask = ~Ipv4Address.mask(prefix);
            if ((ip & hostMask) == 0 || (ip & hostMask) == hostMask) {
                throw n.invalid("address", address, "must be a host address, not the subnet's network or broadcast address");
            }
            if (byAddress.putIfAbsent(ip, n) != null) {
                throw n.error("address", "Duplicate value: " + ApiValidation.render(address));
            }
            nodes.add(new NodeSpec(name, ip, prefix, n.source()));
        }
        return nodes;
    }

    /** Rejects a field this version of the Cluster type does not have, as strict decoding does. */
    private static void strict(Fields f, Set<String> known) {
        for (String key : f.keys()) {
            if (!known.contains(key)) {
                Source at = f.keySource(key);
                throw f.errorAt(at, null, "strict decoding error: unknown field " + ApiValidation.render(f.path(key)));
            }
        }
    }
}
