package dev.podlab.cluster.model;

import java.util.List;
import java.util.Map;

/**
 * A Service: type ClusterIP or NodePort, an optional fixed {@code clusterIP} (null: allocated),
 * a selector (null: no selector, no endpoints) and ports.
 */
public record ServiceSpec(String namespace, String name, String type, String clusterIp, Map<String, String> selector,
        List<ServicePortSpec> ports, Source source) {
    public String qualifiedName() {
        return namespace + "/" + name;
    }
}
