package dev.podlab.cluster.model;

import java.util.Map;

/** A Namespace; {@code kubernetes.io/metadata.name} is added to its labels as the control plane does. */
public record NamespaceSpec(String name, Map<String, String> labels, Source source) {
}
