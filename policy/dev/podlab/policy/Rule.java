package dev.podlab.policy;

import java.util.List;

/**
 * One {@code ingress} or {@code egress} rule: {@code from}/{@code to} peers and {@code ports}.
 * An empty list means the field was missing or {@code []}, which the API treats alike: all peers
 * (pods and any address) and all ports of all protocols respectively (reference A.3).
 */
public record Rule(List<Peer> peers, List<PolicyPort> ports) {
    /** {@code {}}: everything, from everywhere. */
    public static final Rule ALLOW_ALL = new Rule(List.of(), List.of());

    public Rule {
        peers = List.copyOf(peers);
        ports = List.copyOf(ports);
    }

    public boolean allPeers() {
        return peers.isEmpty();
    }

    public boolean allPorts() {
        return ports.isEmpty();
    }
}
