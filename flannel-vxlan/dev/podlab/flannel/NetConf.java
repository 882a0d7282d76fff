package dev.podlab.flannel;

import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.packet.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * flannel's network configuration ({@code net-conf.json} of the kube-flannel ConfigMap), read from
 * the Cluster object's {@code spec.cni.flannel} as parsed YAML:
 *
 * <pre>
 *   Network: 10.244.0.0/16          # required
 *   SubnetLen: 24                   # default: 24 for a Network of /22 or shorter, else prefix + 2
 *   Backend:
 *     Type: vxlan                   # vxlan | host-gw
 *     VNI: 1                        # vxlan only; device flannel.VNI
 *     Port: 8472                    # vxlan only; 0 or absent: the kernel's default, 8472
 *     DirectRouting: false          # vxlan only
 * </pre>
 *
 * Defaults and limits are those of flannel's {@code pkg/subnet/config.go} ({@code
 * CheckNetworkConfig}) and {@code pkg/backend/vxlan/vxlan.go}. flannel defaults to the {@code udp}
 * backend when {@code Backend} is absent; podlab does not emulate it, so that is reported like any
 * other unsupported type. {@code SubnetMin}/{@code SubnetMax} are etcd-mode keys that the
 * Kubernetes subnet manager ignores (the controller-manager allocates): they are checked as flannel
 * checks them and otherwise only produce a warning. Errors name the field in the API server's
 * manner: {@code cluster.yaml:9: spec.cni.flannel.Backend.Type: Unsupported value: "udp":
 * supported values: "vxlan", "host-gw"}.
 *
 * @param network       the cluster CIDR ({@code Network}) as a masked address
 * @param networkPrefix its prefix length
 * @param subnetLen     the node subnet prefix length ({@code --node-cidr-mask-size})
 * @param backend       the backend type
 * @param vni           the VXLAN network identifier (vxlan)
 * @param port          the VXLAN UDP port as configured, 0 for the kernel default (vxlan)
 * @param directRouting whether peers on the same subnet are routed without encapsulation (vxlan)
 * @param warnings      what was accepted but has no effect
 */
public record NetConf(int network, int networkPrefix, int subnetLen, BackendType backend, int vni, int port,
        boolean directRouting, List<String> warnings) {

    /** The backends podlab emulates, by their {@code Backend.Type} names. */
    public enum BackendType {
        VXLAN("vxlan"),
        HOST_GW("host-gw");

        private final String typeName;

        BackendType(String typeName) {
            this.typeName = typeName;
        }

        /** The name written in {@code Backend.Type} and published as {@code backend-type}. */
        public String typeName() {
            return typeName;
        }
    }

    /** The Linux VXLAN driver's default destination port (IANA's is 4789), used when {@code Port} is 0. */
    public static final int KERNEL_VXLAN_PORT = 8472;
    private static final int MAX_VNI = (1 << 24) - 1;

    public NetConf {
        warnings = List.copyOf(warnings);
    }

    /** The UDP port the device uses: {@code Port}, or the kernel's 8472 when 0. */
    public int effectivePort() {
        return port == 0 ? KERNEL_VXLAN_PORT : port;
    }

    /** {@code Network} as written back ({@code 10.244.0.0/16}). */
    public String networkCidr() {
        return Ipv4Address.toString(network) + "/" + networkPrefix;
    }

    /** True when {@code address} is inside {@code Network}. */
    public boolean contains(int address) {
        return (address & Ipv4Address.mask(networkPrefix)) == network;
    }

    /** Reads and checks the configuration written under {@code spec.cni.flannel}; {@code source} locates errors. */
    public static NetConf parse(Map<String, Object> config, Source source) {
        return parse(config, source, "flannel");
    }

    /** Where errors point: the Cluster object and the path of the configuration in it. */
    private record At(Source source, String prefix) {}

    /**
     * Reads and checks the configuration written under {@code spec.cni.CNI} (flannel's own, or
     * canal's, which carries the same net-conf.json).
     */
    public static NetConf parse(Map<String, Object> config, Source where, String cni) {
        At source = new At(where, "spec.cni." + cni + ".");
        Map<String, Object> c = config == null ? Map.of() : config;
        List<String> warnings = new ArrayList<>();

        Object net = c.get("Network");
        if (net == null) {
            throw error(source, "Network", "Required value");
        }
        int[] cidr = parseCidr(net.toString());
        if (cidr == null) {
            throw invalid(source, "Network", net, "must be a valid IPv4 CIDR such as 10.244.0.0/16");
        }
        int prefix = cidr[1];
        int network = cidr[0] & Ipv4Address.mask(prefix);
        if (network != cidr[0]) {
            throw invalid(source, "Network", net, "host bits must be zero (did you mean "
                    + Ipv4Address.toString(network) + "/" + prefix + "?)");
        }

        int subnetLen;
        Object sl = c.get("SubnetLen");
        if (sl == null || integer(source, "SubnetLen", sl) == 0) {
            if (prefix > 28) {
                throw invalid(source, "Network", net, "network is too small. Minimum useful network prefix is /28");
            }
            subnetLen = prefix <= 22 ? 24 : prefix + 2;
        } else {
            subnetLen = integer(source, "SubnetLen", sl);
            if (subnetLen > 30) {
                throw invalid(source, "SubnetLen", sl, "SubnetLen must be less than /31");
            }
            if (subnetLen < prefix + 2) {
                throw invalid(source, "SubnetLen", sl, "network must be able to accommodate at least four subnets");
            }
        }
        for (String key : new String[] {"SubnetMin", "SubnetMax"}) {
            Object v = c.get(key);
            if (v == null) {
                continue;
            }
            int addr;
            try {
                addr = Ipv4Address.parse(v.toString());
            } catch (IllegalArgumentException e) {
                throw invalid(source, key, v, "must be an IPv4 address");
            }
            if ((addr & Ipv4Address.mask(prefix)) != network) {
                throw invalid(source, key, v, key + " is not in the range of the Network");
            }
            if ((addr & Ipv4Address.mask(subnetLen)) != addr) {
                throw invalid(source, key, v, key + " is not on a SubnetLen boundary: " + Ipv4Address.toString(addr));
            }
            warnings.add(source.prefix() + key + ": ignored: the Kubernetes subnet manager (--kube-subnet-mgr) takes each"
                    + " node's subnet from Node.spec.podCIDR");
        }

        Object be = c.get("Backend");
        if (be != null && !(be instanceof Map)) {
            throw invalid(source, "Backend", be, "must be an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> backend = be == null ? null : (Map<String, Object>) be;
        // parseBackendType: no Backend at all means udp; a Backend without Type means "".
        String type = backend == null ? "udp" : backend.get("Type") == null ? "" : backend.get("Type").toString();
        BackendType bt = null;
        for (BackendType t : BackendType.values()) {
            if (t.typeName.equals(type)) {
                bt = t;
            }
        }
        if (bt == null) {
            throw error(source, "Backend.Type", "Unsupported value: \"" + type
                    + "\": supported values: \"vxlan\", \"host-gw\"");
        }

        int vni = 1;
        int port = 0;
        boolean directRouting = false;
        if (bt == BackendType.VXLAN) {
            Object v = backend.get("VNI");
            if (v != null) {
                vni = integer(source, "Backend.VNI", v);
                if (vni < 0 || vni > MAX_VNI) {
                    throw invalid(source, "Backend.VNI", v, "must be between 0 and " + MAX_VNI);
                }
                if (vni == 0) {
                    vni = 1; // vxlan.go: a zero VNI means the default
                }
            }
            Object p = backend.get("Port");
            if (p != null) {
                port = integer(source, "Backend.Port", p);
                if (port < 0 || port > 65535) {
                    throw invalid(source, "Backend.Port", p, "must be between 0 and 65535");
                }
            }
            Object dr = backend.get("DirectRouting");
            if (dr != null) {
                if (!(dr instanceof Boolean b)) {
                    throw invalid(source, "Backend.DirectRouting", dr, "must be true or false");
                }
                directRouting = b;
            }
        } else {
            for (String key : new String[] {"VNI", "Port", "DirectRouting"}) {
                if (backend.containsKey(key)) {
                    warnings.add(source.prefix() + "Backend." + key + ": ignored by the host-gw backend");
                }
            }
        }
        return new NetConf(network, prefix, subnetLen, bt, vni, port, directRouting, warnings);
    }

    private static int[] parseCidr(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return null;
        }
        try {
            int addr = Ipv4Address.parse(text.substring(0, slash));
            int len = Integer.parseInt(text.substring(slash + 1));
            return len < 0 || len > 32 ? null : new int[] {addr, len};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int integer(At source, String field, Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short) {
            long l = ((Number) v).longValue();
            if (l == (int) l) {
                return (int) l;
            }
        }
        throw invalid(source, field, v, "must be an integer");
    }

    private static TopologyException invalid(At source, String field, Object value, String detail) {
        String shown = value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
        return error(source, field, "Invalid value: " + shown + ": " + detail);
    }

    private static TopologyException error(At source, String field, String detail) {
        return new TopologyException(source.source(), source.prefix() + field + ": " + detail);
    }
}
