package dev.podlab.net;

/**
 * Text forms of IPv4 addresses (plain {@code int}, network order in the high byte) and MAC
 * addresses (plain {@code long}, the 48 bits in the low bits, first octet highest), as iproute2
 * prints them ({@code inet_ntop} and {@code ll_addr_n2a}). Package-private: the integrator folds
 * these into the shared address utilities.
 */
final class Inet {
    private Inet() {}

    /** Netmask of a prefix length 0..32 ({@code inet_make_mask}). */
    static int mask(int prefixLen) {
        return prefixLen == 0 ? 0 : -1 << (32 - prefixLen);
    }

    static String ipv4(int addr) {
        return ((addr >>> 24) & 0xff) + "." + ((addr >>> 16) & 0xff) + "." + ((addr >>> 8) & 0xff) + "." + (addr & 0xff);
    }

    static int parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("invalid IPv4 address \"" + text + "\"");
        }
        int addr = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("invalid IPv4 address \"" + text + "\"");
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                throw new IllegalArgumentException("invalid IPv4 address \"" + text + "\"");
            }
            addr = addr << 8 | octet;
        }
        return addr;
    }

    /** Lower-case colon-separated hex, as {@code ll_addr_n2a} prints an Ethernet address. */
    static String mac(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int octet = (int) (mac >>> shift) & 0xff;
            sb.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xf, 16));
            if (shift > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    static long parseMac(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("invalid MAC address \"" + text + "\"");
        }
        long mac = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2) {
                throw new IllegalArgumentException("invalid MAC address \"" + text + "\"");
            }
            mac = mac << 8 | Integer.parseInt(p, 16);
        }
        return mac;
    }
}
