package dev.podlab.policy;

/** The protocols a NetworkPolicy port may name ({@code api.ProtocolTCP}, {@code UDP}, {@code SCTP}), with IANA numbers. */
public enum Protocol {
    TCP(6), UDP(17), SCTP(132);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    /** The IP protocol number ({@code IPPROTO_TCP} 6, {@code IPPROTO_UDP} 17, {@code IPPROTO_SCTP} 132). */
    public int number() {
        return number;
    }

    /** The protocol named as Kubernetes writes it ({@code "TCP"}), or null for any other string. */
    public static Protocol byName(String name) {
        for (Protocol p : values()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }
}
