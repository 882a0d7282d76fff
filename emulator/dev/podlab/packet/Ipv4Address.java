package dev.podlab.packet;

/**
 * IPv4 addresses as {@code int} in network order (the first dotted octet in the most significant
 * byte), the representation used everywhere in podlab: no {@code InetAddress}, no boxing.
 */
public final class Ipv4Address {
    private Ipv4Address() {}

    /** 0.0.0.0 */
    public static final int ANY = 0;
    /** 255.255.255.255 */
    public static final int BROADCAST = 0xffffffff;

    /** Builds an address from its four octets. */
    public static int of(int a, int b, int c, int d) {
        return (a & 0xff) << 24 | (b & 0xff) << 16 | (c & 0xff) << 8 | (d & 0xff);
    }

    /**
     * Parses dotted-quad notation "a.b.c.d" (each part 0..255, decimal, no leading sign).
     *
     * @throws IllegalArgumentException naming the text when it is not an IPv4 address
     */
    public static int parse(CharSequence text) {
        int value = 0;
        int parts = 0;
        int part = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                part = (part < 0 ? 0 : part * 10) + (c - '0');
                if (part > 255) {
                    throw invalid(text);
                }
            } else if (c == '.' && part >= 0 && parts < 3) {
                value = value << 8 | part;
                parts++;
                part = -1;
            } else {
                throw invalid(text);
            }
        }
        if (parts != 3 || part < 0) {
            throw invalid(text);
        }
        return value << 8 | part;
    }

    private static IllegalArgumentException invalid(CharSequence text) {
        return new IllegalArgumentException("not an IPv4 address: \"" + text + "\"");
    }

    /** Appends "a.b.c.d" to {@code sb} without allocating an intermediate string. */
    public static StringBuilder appendTo(StringBuilder sb, int address) {
        return sb.append(address >>> 24).append('.')
                .append(address >>> 16 & 0xff).append('.')
                .append(address >>> 8 & 0xff).append('.')
                .append(address & 0xff);
    }

    /** Dotted-quad text (allocates; for messages and tests). */
    public static String toString(int address) {
        return appendTo(new StringBuilder(15), address).toString();
    }

    /** The network mask of a prefix length 0..32, e.g. 24 gives 255.255.255.0. */
    public static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** True for 224.0.0.0/4 ({@code ipv4_is_multicast}). */
    public static boolean isMulticast(int address) {
        return (address >>> 28) == 0xe;
    }
}
