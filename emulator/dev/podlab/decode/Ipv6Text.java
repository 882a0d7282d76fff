package dev.podlab.decode;

import io.netty.buffer.ByteBuf;

/** IPv6 addresses in the RFC 5952 text form (longest run of zero groups as "::"). */
final class Ipv6Text {
    private Ipv6Text() {}

    static StringBuilder appendAddress(StringBuilder sb, ByteBuf buf, int offset) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = buf.getUnsignedShort(offset + 2 * i);
        }
        // RFC 5952 4.2.2/4.2.3: compress the longest run of two or more zero groups, the first one on a tie.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLength) {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb;
    }
}
