package dev.podlab.cluster.yaml;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.model.ServicePortSpec;
import dev.podlab.cluster.model.ServiceSpec;
import dev.podlab.packet.Ipv4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads Services as {@code ValidateService} and the ClusterIP and NodePort allocators check them:
 * type, {@code clusterIP} (inside {@value Cluster#SERVICE_CIDR}, not taken), ports with their
 * names, protocols, target ports (number or container port name) and node ports (30000-32767,
 * not taken). One instance checks the Services of one load against each other.
 */
final class ServiceReader {
    static final String CLUSTER_IP = "ClusterIP";
    static final String NODE_PORT = "NodePort";
    static final String LOAD_BALANCER = "LoadBalancer";
    static final String EXTERNAL_NAME = "ExternalName";
    static final String HEADLESS = "None";
    /** kube-apiserver {@code --service-node-port-range} default. */
    static final int NODE_PORT_MIN = 30000;
    static final int NODE_PORT_MAX = 32767;

    private static final int SERVICE_NETWORK;
    private static final int SERVICE_PREFIX;

    static {
        String[] cidr = Cluster.SERVICE_CIDR.split("/");
        SERVICE_PREFIX = Integer.parseInt(cidr[1]);
        SERVICE_NETWORK = Ipv4Address.parse(cidr[0]) & Ipv4Address.mask(SERVICE_PREFIX);
    }

    private final Map<Integer, String> clusterIps = new HashMap<>();
    private final Map<Integer, String> nodePorts = new HashMap<>();

    /** The Service, or null when it is of a type with nothing to emulate (ExternalName: DNS only). */
    ServiceSpec read(ObjectMeta meta, Consumer<String> warn) {
        Fields s = meta.root();
        Fields spec = s.map("spec");
        if (spec == null) {
            throw s.required("spec.ports");
        }
        String type = spec.string("type");
        if (type == null || type.isEmpty()) {
            type = CLUSTER_IP;
        }
        switch (type) {
            case CLUSTER_IP, NODE_PORT -> {
            }
            case LOAD_BALANCER -> {
                warn.accept(spec.error("type", "LoadBalancer is emulated as NodePort: no external load balancer")
                        .getMessage());
            }
            case EXTERNAL_NAME -> {
                warn.accept(spec.error("type", "ExternalName is a DNS name only (no ClusterIP, no proxy rules): skipped")
                        .getMessage());
                return null;
            }
            default -> throw spec.error("type",
                    ApiValidation.notSupported(type, CLUSTER_IP, EXTERNAL_NAME, LOAD_BALANCER, NODE_PORT));
        }
        boolean nodePortType = !type.equals(CLUSTER_IP);
        String clusterIp = clusterIp(spec, type, meta);
        boolean headless = HEADLESS.equals(clusterIp);

        Map<String, String> selector = ObjectMeta.labels(spec, "selector");
        List<Fields> portItems = spec.list("ports");
        if (portItems.isEmpty() && !headless) {
            throw spec.required("ports");
        }
        List<ServicePortSpec> ports = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> nodePortKeys = new HashSet<>();
        String qualified = meta.namespace() + "/" + meta.name();
        for (Fields p : portItems) {
            String name = p.string("name");
            if (name != null && name.isEmpty()) {
                name = null;
            }
            if (name == null && portItems.size() > 1) {
                throw p.required("name");
            }
            if (name != null) {
                for (String msg : ApiValidation.dns1123Label(name)) {
                    throw p.invalid("name", name, msg);
                }
                if (!names.add(name)) {
                    throw p.error("name", "Duplicate value: " + ApiValidation.render(name));
                }
            }
            Long port = p.integer("port");
            for (String msg : ApiValidation.portNumber(port == null ? 0 : port)) {
                throw p.invalid("port", port == null ? 0 : port, msg);
            }
            String protocol = PodReader.protocol(p);
            String targetPort = targetPort(p);
            Long nodePort = p.integer("nodePort");
            int np = 0;
            if (nodePort != null && nodePort != 0) {
                if (!nodePortType) {
                    throw p.error("nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'");
                }
                for (String msg : ApiValidation.portNumber(nodePort)) {
                    throw p.invalid("nodePort", nodePort, msg);
                }
                if (!nodePortKeys.add(nodePort + "/" + protocol)) {
                    throw p.error("nodePort", "Duplicate value: " + nodePort);
                }
                if (nodePort < NODE_PORT_MIN || nodePort > NODE_PORT_MAX) {
                    throw p.invalid("nodePort", nodePort, "provided port is not in the valid range. The range of valid "
                            + "ports is " + NODE_PORT_MIN + "-" + NODE_PORT_MAX);
                }
                String owner = nodePorts.putIfAbsent(nodePort.intValue(), qualified);
                if (owner != null && !owner.equals(qualified)) {
                    throw p.invalid("nodePort", nodePort, "provided port is already allocated");
                }
                np = nodePort.intValue();
            }
            ports.add(new ServicePortSpec(name, protocol, port.intValue(), targetPort, np));
        }
        return new ServiceSpec(meta.namespace(), meta.name(), nodePortType ? NODE_PORT : CLUSTER_IP, clusterIp,
                selector.isEmpty() ? null : selector, List.copyOf(ports), s.source());
    }

    /**
     * {@code targetPort}: an IntOrString. A number is a port (0 means "same as port"); a string is a
     * container port's name, even when it is made of digits ({@code "8080"} quoted is a name, and an
     * invalid one). Null when it defaults to {@code port}.
     */
    private static String targetPort(Fields p) {
        Node n = p.node("targetPort");
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && Tag.INT.equals(s.getTag())) {
            long v = p.integer("targetPort");
            if (v == 0) {
                return null;
            }
            for (String msg : ApiValidation.portNumber(v)) {
                throw p.invalid("targetPort", v, msg);
            }
            return Long.toString(v);
        }
        String name = p.string("targetPort");
        if (name.isEmpty()) {
            return null;
        }
        for (String msg : ApiValidation.portName(name)) {
            throw p.invalid("targetPort", name, msg);
        }
        return name;
    }

    /** {@code spec.clusterIP}: null (allocate), {@code None} (headless) or an address of the service CIDR. */
    private String clusterIp(Fields spec, String type, ObjectMeta meta) {
        String ip = spec.string("clusterIP");
        if (ip == null || ip.isEmpty()) {
            return null;
        }
        if (ip.equals(HEADLESS)) {
            if (!type.equals(CLUSTER_IP)) {
                throw spec.errorAt(spec.source("clusterIP"), spec.path("clusterIPs[0]"), "Invalid value: \"None\": "
                        + "may not be set to 'None' for " + type + " services");
            }
            return HEADLESS;
        }
        int address;
        try {
            address = Ipv4Address.parse(ip);
        } catch (IllegalArgumentException e) {
            throw spec.invalid("clusterIP", ip, ip.contains(":") ? "podlab emulates IPv4 only"
                    : "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        }
        String ipsPath = spec.path("clusterIPs");
        String value = "[" + ApiValidation.render(ip) + "]";
        int hostMask = ~Ipv4Address.mask(SERVICE_PREFIX);
        if ((address & ~hostMask) != SERVICE_NETWORK || (address & hostMask) == 0 || (address & hostMask) == hostMask) {
            throw spec.errorAt(spec.source("clusterIP"), ipsPath, "Invalid value: " + value + ": failed to allocate IP "
                    + ip + ": provided IP (" + ip + ") is not in the valid range. The range of valid IPs is "
                    + Cluster.SERVICE_CIDR);
        }
        String qualified = meta.namespace() + "/" + meta.name();
        if (clusterIps.putIfAbsent(address, qualified) != null) {
            throw spec.errorAt(spec.source("clusterIP"), ipsPath, "Invalid value: " + value + ": failed to allocate IP "
                    + ip + ": provided IP is already allocated");
        }
        return ip;
    }
}
