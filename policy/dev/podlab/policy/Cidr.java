package dev.podlab.policy;

/**
 * An IPv4 prefix: the network address (host bits cleared) and the prefix length, 0..32.
 * Addresses are {@code int}s in network order of significance ({@code 10.0.0.1} is {@code 0x0a000001}).
 */
public record Cidr(int network, int prefixLength) {
    public Cidr {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength);
        }
        network &= mask(prefixLength);
    }

    /** The netmask of a prefix length: {@code /24} is {@code 0xffffff00}, {@code /0} is 0. */
    public static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public boolean contains(int address) {
        return (address & mask(prefixLength)) == network;
    }

    /** True when every address of {@code other} is in this prefix. */
    public boolean contains(Cidr other) {
        return other.prefixLength >= prefixLength && contains(other.network);
    }

    /**
     * Parses {@code a.b.c.d/n} as Go's {@code net.ParseCIDR} via {@code netutils.ParseCIDRSloppy}
     * does for IPv4: decimal octets (leading zeros accepted, as the sloppy parser does), host bits
     * allowed and cleared. Null when the text is not an IPv4 CIDR.
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return null;
        }
        long address = parseAddress(text.substring(0, slash));
        String len = text.substring(slash + 1);
        if (address < 0 || len.isEmpty() || len.length() > 3 || !len.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        int prefix = Integer.parseInt(len);
        return prefix > 32 ? null : new Cidr((int) address, prefix);
    }

    /** A dotted quad as an unsigned value, or -1. */
    public static long parseAddress(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return -1;
        }
        long address = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return -1;
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                return -1;
            }
            address = address << 8 | octet;
        }
        return address;
    }

    public static String formatAddress(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    @Override
    public String toString() {
        return formatAddress(network) + "/" + prefixLength;
    }
}
