package dev.podlab.netfilter;

import dev.podlab.packet.Ipv4Address;

/** Parsing and printing helpers shared by the iptables and ipset text formats. */
final class Text {
    private Text() {}

    /**
     * Appends {@code value} as {@code xtables_save_string} (libxtables/xtables.c) prints it:
     * bare when it is non-empty and made of {@code [A-Za-z0-9_-]} only, otherwise in double
     * quotes with {@code "}, {@code \} and {@code '} escaped by a backslash. A leading space is
     * written first.
     */
    static void saveString(StringBuilder sb, String value) {
        sb.append(' ');
        boolean bare = !value.isEmpty();
        for (int i = 0; i < value.length() && bare; i++) {
            char c = value.charAt(i);
            bare = c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        }
        if (bare) {
            sb.append(value);
            return;
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c == '\'') {
                sb.append('\\');
            }
            sb.append(c);
        }
        sb.append('"');
    }

    /** An unsigned 32-bit number as {@code strtoul(s, NULL, 0)} reads it: decimal, 0x hex or 0 octal. */
    static long parseUnsigned(String s, long max, String what) {
        long v;
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) {
                v = Long.parseLong(s.substring(2), 16);
            } else if (s.length() > 1 && s.startsWith("0")) {
                v = Long.parseLong(s.substring(1), 8);
            } else {
                v = Long.parseLong(s);
            }
        } catch (NumberFormatException e) {
            throw new IptablesException("bad " + what + " \"" + s + "\"");
        }
        if (v < 0 || v > max) {
            throw new IptablesException("bad " + what + " \"" + s + "\"");
        }
        return v;
    }

    static int parseDecimal(String s, int min, int max, String what) {
        int v;
        try {
            v = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IptablesException("invalid " + what + " \"" + s + "\"");
        }
        if (v < min || v > max) {
            throw new IptablesException("invalid " + what + " \"" + s + "\" (must be " + min + ".." + max + ")");
        }
        return v;
    }

    static int parsePort(String s) {
        if (s.isEmpty()) {
            throw new IptablesException("invalid port/service \"" + s + "\" specified");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new IptablesException("invalid port/service \"" + s
                        + "\" specified (podlab resolves numeric ports only)");
            }
        }
        int v;
        try {
            v = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (v < 0 || v > 0xffff) {
            throw new IptablesException("invalid port/service \"" + s + "\" specified");
        }
        return v;
    }

    /** {@code a}, {@code a:b}, {@code :b}, {@code a:} as {@code xtables_parse_port_range}; returns min << 16 | max. */
    static int parsePortRange(String s) {
        int colon = s.indexOf(':');
        int min;
        int max;
        if (colon < 0) {
            min = max = parsePort(s);
        } else {
            min = colon == 0 ? 0 : parsePort(s.substring(0, colon));
            max = colon == s.length() - 1 ? 0xffff : parsePort(s.substring(colon + 1));
        }
        if (min > max) {
            throw new IptablesException("invalid portrange (min > max) \"" + s + "\"");
        }
        return min << 16 | max;
    }

    static int parseAddress(String s) {
        try {
            return Ipv4Address.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IptablesException("host/network \"" + s + "\" not found (podlab resolves no names)");
        }
    }

    /**
     * {@code addr[/prefix|/dotted-mask]} as {@code xtables_ipparse_any}; returns the masked address in
     * the high and the mask in the low 32 bits.
     */
    static long parseAddressMask(String s) {
        int slash = s.indexOf('/');
        int mask = -1;
        String a = s;
        if (slash >= 0) {
            a = s.substring(0, slash);
            String m = s.substring(slash + 1);
            if (m.indexOf('.') >= 0) {
                mask = parseAddress(m);
            } else {
                mask = Ipv4Address.mask(parseDecimal(m, 0, 32, "mask"));
            }
        }
        if (a.indexOf(',') >= 0) {
            throw new IptablesException("address lists (\"" + s + "\") are not supported; write one rule per address");
        }
        int addr = parseAddress(a);
        return (long) (addr & mask) << 32 | (mask & 0xffffffffL);
    }

    /** The prefix length of a contiguous mask, or -1. */
    static int prefixLength(int mask) {
        int len = Integer.bitCount(mask);
        return Ipv4Address.mask(len) == mask ? len : -1;
    }

    /** {@code addr/len} (or {@code addr/dotted} for a non-contiguous mask), as {@code save_ipv4_addr}. */
    static void appendAddressMask(StringBuilder sb, int addr, int mask) {
        Ipv4Address.appendTo(sb, addr).append('/');
        int len = prefixLength(mask);
        if (len >= 0) {
            sb.append(len);
        } else {
            Ipv4Address.appendTo(sb, mask);
        }
    }

    /** {@code addr} plus {@code /len} unless the mask is /32, as {@code xtables_ipmask_to_numeric}. */
    static void appendAddressShortMask(StringBuilder sb, int addr, int mask) {
        Ipv4Address.appendTo(sb, addr);
        if (mask != -1) {
            int len = prefixLength(mask);
            sb.append('/');
            if (len >= 0) {
                sb.append(len);
            } else {
                Ipv4Address.appendTo(sb, mask);
            }
        }
    }

    static void appendHex(StringBuilder sb, int v) {
        sb.append("0x").append(Integer.toHexString(v));
    }
}
