package dev.podlab.kubeproxy;

import dev.podlab.packet.Ipv4Address;

/**
 * An IPv4 prefix such as {@code 10.244.0.0/16}. Host bits are cleared on construction, as
 * iptables does when it parses {@code -s}/{@code -d} ({@code xtables_ipparse_any}).
 */
public record Cidr(int address, int prefixLength) {
    public Cidr {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " not in 0..32");
        }
        address &= Ipv4Address.mask(prefixLength);
    }

    /** Parses "a.b.c.d/n"; a bare address is a /32. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return new Cidr(Ipv4Address.parse(text), 32);
        }
        int length;
        try {
            length = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an IPv4 CIDR: \"" + text + "\"", e);
        }
        return new Cidr(Ipv4Address.parse(text.substring(0, slash)), length);
    }

    /** True when {@code ip} lies inside this prefix. */
    public boolean contains(int ip) {
        return (ip & Ipv4Address.mask(prefixLength)) == address;
    }

    /** "10.244.0.0/16" (always with the length, as iptables-save prints it). */
    @Override
    public String toString() {
        return Ipv4Address.toString(address) + "/" + prefixLength;
    }
}
