package dev.podlab.kubeproxy;

import java.util.Objects;

/**
 * {@code proxy.ServicePortName}: namespace, Service name and port name. Its text form is the
 * string kube-proxy hashes for chain names and writes in rule comments.
 */
public record ServicePortName(String namespace, String name, String port) implements Comparable<ServicePortName> {
    public ServicePortName {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        port = port == null ? "" : port;
        if (namespace.isEmpty() || name.isEmpty()) {
            throw new IllegalArgumentException("namespace and name must not be empty");
        }
    }

    /**
     * {@code ServicePortName.String()}: "namespace/name:port", or "namespace/name" when the port
     * is unnamed (a single-port Service).
     */
    @Override
    public String toString() {
        return port.isEmpty() ? namespace + "/" + name : namespace + "/" + name + ":" + port;
    }

    /** Orders by the text form, the order podlab iterates Services in (kube-proxy's map order is random). */
    @Override
    public int compareTo(ServicePortName other) {
        return toString().compareTo(other.toString());
    }
}
