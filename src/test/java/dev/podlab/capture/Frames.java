package dev.podlab.capture;

/** Hand-made frames for writer tests: Ethernet II / IPv4 / UDP, or bare IPv4 / UDP. */
final class Frames {
    private Frames() {}

    /** An IPv4/UDP packet of {@code totalLength} bytes (at least 28) from 10.244.1.2 to 10.244.2.3. */
    static byte[] ipv4Udp(int totalLength, int payloadByte) {
        byte[] p = new byte[totalLength];
        p[0] = 0x45;                               // version 4, IHL 5
        p[2] = (byte) (totalLength >> 8);
        p[3] = (byte) totalLength;
        p[8] = 64;                                 // TTL
        p[9] = 17;                                 // UDP
        byte[] src = {10, (byte) 244, 1, 2};
        byte[] dst = {10, (byte) 244, 2, 3};
        System.arraycopy(src, 0, p, 12, 4);
        System.arraycopy(dst, 0, p, 16, 4);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((p[i] & 0xFF) << 8) | (p[i + 1] & 0xFF);
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        p[10] = (byte) (~sum >> 8);
        p[11] = (byte) ~sum;
        int udpLength = totalLength - 20;
        p[20] = (byte) (40000 >> 8);
        p[21] = (byte) 40000;
        p[22] = (byte) (5001 >> 8);
        p[23] = (byte) 5001;
        p[24] = (byte) (udpLength >> 8);
        p[25] = (byte) udpLength;
        for (int i = 28; i < totalLength; i++) {
            p[i] = (byte) payloadByte;
        }
        return p;
    }

    /** Ethernet II around {@link #ipv4Udp}: {@code frameLength} bytes in all. */
    static byte[] ethernetIpv4Udp(int frameLength, int payloadByte) {
        byte[] ip = ipv4Udp(frameLength - 14, payloadByte);
        byte[] f = new byte[frameLength];
        byte[] dstMac = {0x0a, 0x58, 0x0a, (byte) 0xf4, 0x02, 0x03};
        byte[] srcMac = {0x0a, 0x58, 0x0a, (byte) 0xf4, 0x01, 0x02};
        System.arraycopy(dstMac, 0, f, 0, 6);
        System.arraycopy(srcMac, 0, f, 6, 6);
        f[12] = 0x08;                              // EtherType IPv4
        f[13] = 0x00;
        System.arraycopy(ip, 0, f, 14, ip.length);
        return f;
    }
}
