package dev.podlab.cluster.model;

/**
 * One port of a Service. {@code targetPort} is a number or a container port name (as written);
 * null means the same as {@code port}. {@code nodePort} 0 when not given.
 */
public record ServicePortSpec(String name, String protocol, int port, String targetPort, int nodePort) {
}
