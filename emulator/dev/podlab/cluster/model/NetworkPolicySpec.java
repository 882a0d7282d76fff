package dev.podlab.cluster.model;

import java.util.Map;

/**
 * A NetworkPolicy as read: its namespace, name and {@code spec} as parsed YAML, kept for the
 * policy engine, with the source of the object for error messages.
 */
public record NetworkPolicySpec(String namespace, String name, Map<String, Object> spec, Source source) {
}
