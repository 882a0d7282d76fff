package dev.podlab.policy;

/**
 * {@code NetworkPolicyPort} after defaulting: a protocol (TCP when not written) and either no port
 * (every port of that protocol), a number (with {@code endPort}: the inclusive range
 * {@code port..endPort}), or a container port name, resolved on the destination pod.
 *
 * @param port    1..65535, or 0 when no port or a named port is written
 * @param name    the named port, or null
 * @param endPort the end of the range, or 0 when none ({@code port} alone)
 */
public record PolicyPort(Protocol protocol, int port, String name, int endPort) {
    public static PolicyPort any(Protocol protocol) {
        return new PolicyPort(protocol, 0, null, 0);
    }

    public static PolicyPort number(Protocol protocol, int port) {
        return new PolicyPort(protocol, port, null, 0);
    }

    public static PolicyPort range(Protocol protocol, int port, int endPort) {
        return new PolicyPort(protocol, port, null, endPort);
    }

    public static PolicyPort named(Protocol protocol, String name) {
        return new PolicyPort(protocol, 0, name, 0);
    }

    public boolean isNamed() {
        return name != null;
    }

    /** No {@code port} written: every port of the protocol. */
    public boolean isAnyPort() {
        return name == null && port == 0;
    }

    /** The highest port a numeric entry covers ({@code endPort}, or {@code port} alone). */
    public int lastPort() {
        return endPort == 0 ? port : endPort;
    }

    @Override
    public String toString() {
        if (name != null) {
            return protocol + "/" + name;
        }
        if (port == 0) {
            return protocol.name();
        }
        return protocol + "/" + port + (endPort == 0 ? "" : "-" + endPort);
    }
}
