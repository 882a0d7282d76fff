package dev.podlab.cluster.model;

/** One {@code containerPorts} entry: what the pod serves. {@code name} may be null; protocol TCP, UDP or SCTP. */
public record ContainerPort(String name, int port, String protocol) {
}
