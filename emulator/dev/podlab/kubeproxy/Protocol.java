package dev.podlab.kubeproxy;

import java.util.Locale;

/** A Service port's protocol ({@code v1.Protocol}); kube-proxy uses the lowercase name in chain hashes and matches. */
public enum Protocol {
    TCP,
    UDP,
    SCTP;

    /** "tcp", "udp", "sctp": {@code strings.ToLower(string(protocol))} as kube-proxy writes it. */
    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }
}
