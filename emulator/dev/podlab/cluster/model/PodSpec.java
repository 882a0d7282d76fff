package dev.podlab.cluster.model;

import java.util.List;
import java.util.Map;

/**
 * A Pod (written as such, or made from a Deployment's template).
 *
 * @param nodeName {@code spec.nodeName}, or null for deterministic placement
 * @param owner    the Deployment it came from, or null
 */
public record PodSpec(String namespace, String name, Map<String, String> labels, String nodeName,
        List<ContainerPort> ports, String owner, Source source) {
    public String qualifiedName() {
        return namespace + "/" + name;
    }
}
