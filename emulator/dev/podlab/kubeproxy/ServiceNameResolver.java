package dev.podlab.kubeproxy;

import dev.podlab.packet.Ipv4Address;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Resolves a Service name to its ClusterIP for probes, without DNS packets. Accepts the forms
 * a pod would use under the default search path of its namespace resolved against the cluster
 * domain: {@code ns/name}, {@code name.ns}, {@code name.ns.svc}, {@code name.ns.svc.<domain>}
 * (a trailing dot is allowed). A bare {@code name} needs the caller's namespace.
 */
public final class ServiceNameResolver {
    /** kubelet's {@code --cluster-domain} default. */
    public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

    private final String clusterDomain;
    private final Map<String, Integer> clusterIps = new TreeMap<>();

    public ServiceNameResolver(Collection<ServicePort> servicePorts, String clusterDomain) {
        this.clusterDomain = clusterDomain;
        for (ServicePort sp : servicePorts) {
            String key = sp.name().namespace() + "/" + sp.name().name();
            Integer previous = clusterIps.putIfAbsent(key, sp.clusterIp());
            if (previous != null && previous != sp.clusterIp()) {
                throw new IllegalArgumentException(key + " has two ClusterIPs: " + Ipv4Address.toString(previous)
                        + " and " + Ipv4Address.toString(sp.clusterIp()));
            }
        }
    }

    public ServiceNameResolver(Collection<ServicePort> servicePorts) {
        this(servicePorts, DEFAULT_CLUSTER_DOMAIN);
    }

    /** The ClusterIP of {@code name}, or empty when no such Service exists. */
    public OptionalInt resolve(String name) {
        String key = key(name);
        Integer ip = key == null ? null : clusterIps.get(key);
        return ip == null ? OptionalInt.empty() : OptionalInt.of(ip);
    }

    /** As {@link #resolve(String)}, with a bare {@code name} looked up in {@code namespace}. */
    public OptionalInt resolve(String name, String namespace) {
        return name.indexOf('/') < 0 && name.indexOf('.') < 0 ? resolve(namespace + "/" + name) : resolve(name);
    }

    private String key(String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        int slash = n.indexOf('/');
        if (slash >= 0) {
            return n.indexOf('/', slash + 1) < 0 && slash > 0 && slash < n.length() - 1 ? n : null;
        }
        String[] labels = n.split("\\.", -1);
        if (labels.length < 2 || labels[0].isEmpty() || labels[1].isEmpty()) {
            return null;
        }
        String rest = String.join(".", Arrays.asList(labels).subList(2, labels.length));
        if (labels.length == 2 || rest.equals("svc") || rest.equals("svc." + clusterDomain)) {
            return labels[1] + "/" + labels[0];
        }
        return null;
    }
}
