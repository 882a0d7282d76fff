package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * 48-bit Ethernet addresses held in the low 48 bits of a {@code long} (first octet most
 * significant), so that they can be compared, hashed and stored in primitive maps.
 */
public final class MacAddress {
    private MacAddress() {}

    /** ff:ff:ff:ff:ff:ff */
    public static final long BROADCAST = 0xffff_ffff_ffffL;
    /** 00:00:00:00:00:00 */
    public static final long ZERO = 0L;

    /** Reads 6 bytes at an absolute offset. */
    public static long get(ByteBuf buf, int offset) {
        return (long) buf.getUnsignedShort(offset) << 32 | buf.getUnsignedInt(offset + 2);
    }

    /** Writes 6 bytes at an absolute offset. */
    public static void set(ByteBuf buf, int offset, long mac) {
        buf.setShort(offset, (int) (mac >>> 32));
        buf.setInt(offset + 2, (int) mac);
    }

    /** True for group (multicast and broadcast) addresses: the I/G bit of the first octet. */
    public static boolean isMulticast(long mac) {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    /**
     * Parses "aa:bb:cc:dd:ee:ff" (hex, either case, ':' or '-' separators).
     *
     * @throws IllegalArgumentException naming the text when it is not a MAC address
     */
    public static long parse(CharSequence text) {
        if (text.length() != 17) {
            throw new IllegalArgumentException("not a MAC address: \"" + text + "\"");
        }
        long v = 0;
        for (int i = 0; i < 6; i++) {
            int hi = Character.digit(text.charAt(i * 3), 16);
            int lo = Character.digit(text.charAt(i * 3 + 1), 16);
            if (hi < 0 || lo < 0 || (i < 5 && text.charAt(i * 3 + 2) != ':' && text.charAt(i * 3 + 2) != '-')) {
                throw new IllegalArgumentException("not a MAC address: \"" + text + "\"");
            }
            v = v << 8 | hi << 4 | lo;
        }
        return v;
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** Appends "aa:bb:cc:dd:ee:ff" (lower case, as tcpdump and iproute2 print it). */
    public static StringBuilder appendTo(StringBuilder sb, long mac) {
        for (int i = 5; i >= 0; i--) {
            int b = (int) (mac >>> (i * 8)) & 0xff;
            sb.append(HEX[b >>> 4]).append(HEX[b & 0xf]);
            if (i > 0) {
                sb.append(':');
            }
        }
        return sb;
    }

    /** Text form (allocates; for messages and tests). */
    public static String toString(long mac) {
        return appendTo(new StringBuilder(17), mac).toString();
    }
}
