package dev.podlab.packet;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;
import java.util.zip.CRC32C;

/**
 * Walks a captured or emulated frame header by header into a reusable {@link Layers}, without
 * allocating and without throwing: every malformed or cut header ends the walk with a flag that
 * says what and where, never with an exception.
 *
 * <p>What it understands, per encapsulation level:
 * <ul>
 *   <li>link types ETHERNET (with any number of 802.1Q / 802.1ad tags, the first two recorded),
 *       LINUX_SLL, LINUX_SLL2, NULL (4-byte address family, either byte order), RAW (IPv4 or
 *       IPv6 by the version nibble) and IPV4; others set {@link Layers#FLAG_UNKNOWN_LINK_TYPE};</li>
 *   <li>ARP, IPv4 (fully: IHL, total length, fragments, checksum), IPv6 (recognised only), and
 *       any other EtherType (recorded for the printer);</li>
 *   <li>TCP, UDP, ICMP, SCTP headers, and other protocol numbers by value;</li>
 *   <li>tunnels: VXLAN on a configurable set of UDP destination ports (default 4789 and 8472,
 *       matched on the destination port as the kernel's UDP socket lookup does), IPv4-in-IPv4
 *       (protocol 4) and IPv6-in-IPv4 (protocol 41), each opening a new level.</li>
 * </ul>
 *
 * <p>The checks mirror the kernel's receive-side sanity checks where they exist
 * ({@code ip_rcv_core}: version, IHL >= 5, total length >= header length; {@code __udp4_lib_rcv}:
 * UDP length; {@code tcp_v4_rcv}: data offset >= 5; {@code vxlan_rcv}: I flag). An IPv4 total
 * length beyond the captured bytes is a snaplen cut, recorded with
 * {@link Layers#FLAG_IP_SNAPLEN_CUT}, and the walk goes on with what was captured.
 *
 * <p>Checksums are verified only if the dissector was built with {@code verifyChecksums}. An
 * instance keeps no state between calls and may be shared by one thread's stages, but not across
 * threads (it caches the buffer's backing array or address during a call, and a CRC32c).
 */
public final class Dissector {
    /** BSD AF_INET, in every OS's loopback header. */
    private static final int AF_INET = 2;

    private final long[] vxlanPorts = new long[65536 / 64];
    private final boolean verifyChecksums;
    private final CRC32C crc = new CRC32C();
    private final Sctp sctpView = new Sctp();

    // How the current packet's bytes are read (set at the start of each dissect call). Going
    // around ByteBuf's per-access reference-count and bounds checks is what brings a VXLAN/TCP
    // packet under 50 ns; it is safe because every read below is preceded by a length check
    // against an end that never exceeds the buffer's capacity (tests run every prefix of real
    // packets through the checked heap-array path to prove it).
    private static final boolean NATIVE_BIG_ENDIAN = PlatformDependent.BIG_ENDIAN_NATIVE_ORDER;
    private byte[] array;
    private int arrayBase;
    private long address;
    private ByteBuf slow;

    /** A dissector with VXLAN on 4789 and 8472 and no checksum verification. */
    public Dissector() {
        this(false, Vxlan.PORT_IANA, Vxlan.PORT_LINUX);
    }

    /**
     * @param verifyChecksums verify IPv4, TCP, UDP, ICMP and SCTP checksums (costs a pass over
     *                        each payload)
     * @param vxlanPorts      UDP destination ports decoded as VXLAN
     */
    public Dissector(boolean verifyChecksums, int... vxlanPorts) {
        this.verifyChecksums = verifyChecksums;
        for (int port : vxlanPorts) {
            this.vxlanPorts[(port & 0xffff) >>> 6] |= 1L << (port & 63);
        }
    }

    public boolean verifiesChecksums() {
        return verifyChecksums;
    }

    public boolean isVxlanPort(int port) {
        return (vxlanPorts[(port & 0xffff) >>> 6] & (1L << (port & 63))) != 0;
    }

    /**
     * Dissects the {@code length} captured bytes at absolute {@code offset} of {@code buf} as a
     * frame of {@code linkType} (a {@link LinkType} value) into {@code out}, which is overwritten.
     * Bytes beyond the buffer's capacity count as not captured.
     *
     * @return {@code out}
     */
    public Layers dissect(ByteBuf buf, int offset, int length, int linkType, Layers out) {
        int end = (int) Math.min((long) offset + Math.max(0, length), buf.capacity());
        out.reset(linkType, offset, length);
        out.begin(0);
        if (buf.hasArray()) {
            array = buf.array();
            arrayBase = buf.arrayOffset();
            address = 0;
        } else if (buf.hasMemoryAddress() && PlatformDependent.hasUnsafe()) {
            array = null;
            address = buf.memoryAddress();
        } else {
            array = null;
            address = 0;
        }
        slow = buf;
        try {
            switch (linkType) {
                case LinkType.ETHERNET -> ethernet(buf, 0, offset, end, out);
                case LinkType.RAW -> rawIp(buf, 0, offset, end, out);
                case LinkType.IPV4 -> ipv4(buf, 0, offset, end, out);
                case LinkType.LINUX_SLL -> sll(buf, offset, end, out);
                case LinkType.LINUX_SLL2 -> sll2(buf, offset, end, out);
                case LinkType.NULL -> loopback(buf, offset, end, out);
                default -> out.flag(0, Layers.FLAG_UNKNOWN_LINK_TYPE);
            }
        } catch (IndexOutOfBoundsException e) {
            // Unreachable when the length checks are right; kept so that a bug in them shows as
            // a flagged truncation of header "none" instead of an exception in a capture printer.
            int lv = out.innermost();
            out.truncated(lv, Layers.HDR_NONE, offset, 0, end - offset);
        } finally {
            array = null;
            slow = null;
        }
        return out;
    }

    private int u8(int p) {
        byte[] a = array;
        if (a != null) {
            return a[arrayBase + p] & 0xff;
        }
        if (address != 0) {
            return PlatformDependent.getByte(address + p) & 0xff;
        }
        return slow.getUnsignedByte(p);
    }

    private int u16(int p) {
        byte[] a = array;
        if (a != null) {
            int i = arrayBase + p;
            return (a[i] & 0xff) << 8 | (a[i + 1] & 0xff);
        }
        if (address != 0) {
            short v = PlatformDependent.getShort(address + p);
            return (NATIVE_BIG_ENDIAN ? v : Short.reverseBytes(v)) & 0xffff;
        }
        return slow.getUnsignedShort(p);
    }

    private int i32(int p) {
        byte[] a = array;
        if (a != null) {
            int i = arrayBase + p;
            return a[i] << 24 | (a[i + 1] & 0xff) << 16 | (a[i + 2] & 0xff) << 8 | (a[i + 3] & 0xff);
        }
        if (address != 0) {
            int v = PlatformDependent.getInt(address + p);
            return NATIVE_BIG_ENDIAN ? v : Integer.reverseBytes(v);
        }
        return slow.getInt(p);
    }

    // ------------------------------------------------------------------ link layer

    private void ethernet(ByteBuf buf, int lv, int off, int end, Layers out) {
        int avail = end - off;
        out.l2(lv, Layers.L2_ETHERNET, off, Math.min(Math.max(avail, 0), Ethernet.HEADER_LENGTH));
        if (avail < Ethernet.HEADER_LENGTH) {
            out.truncated(lv, Layers.HDR_ETHERNET, off, Ethernet.HEADER_LENGTH, avail);
            return;
        }
        int type = u16(off + Ethernet.ETHERTYPE_OFFSET);
        int p = off + Ethernet.HEADER_LENGTH;
        while (type == EtherType.VLAN || type == EtherType.QINQ) {
            if (end - p < Vlan.TAG_LENGTH) {
                out.truncated(lv, Layers.HDR_VLAN, p - 2, Vlan.TAG_LENGTH + 2, end - p + 2);
                return;
            }
            out.vlan(lv, type, u16(p));
            type = u16(p + 2);
            out.l2LengthAdd(lv, Vlan.TAG_LENGTH);
            p += Vlan.TAG_LENGTH;
        }
        etherPayload(buf, lv, type, p, end, out);
    }

    private void etherPayload(ByteBuf buf, int lv, int type, int p, int end, Layers out) {
        out.etherType(lv, type);
        switch (type) {
            case EtherType.IPV4 -> ipv4(buf, lv, p, end, out);
            case EtherType.ARP -> arp(buf, lv, p, end, out);
            case EtherType.IPV6 -> ipv6(buf, lv, p, end, out);
            default -> {
                if (p < end) {
                    out.l3(lv, Layers.L3_OTHER, p);
                    out.l3End(lv, end);
                }
                out.payload(lv, p, end - p);
            }
        }
    }

    private void sll(ByteBuf buf, int off, int end, Layers out) {
        int avail = end - off;
        out.l2(0, Layers.L2_SLL, off, Math.min(Math.max(avail, 0), LinuxSll.HEADER_LENGTH));
        if (avail < LinuxSll.HEADER_LENGTH) {
            out.truncated(0, Layers.HDR_SLL, off, LinuxSll.HEADER_LENGTH, avail);
            return;
        }
        etherPayload(buf, 0, u16(off + LinuxSll.PROTOCOL_OFFSET), off + LinuxSll.HEADER_LENGTH,
                end, out);
    }

    private void sll2(ByteBuf buf, int off, int end, Layers out) {
        int avail = end - off;
        out.l2(0, Layers.L2_SLL2, off, Math.min(Math.max(avail, 0), LinuxSll2.HEADER_LENGTH));
        if (avail < LinuxSll2.HEADER_LENGTH) {
            out.truncated(0, Layers.HDR_SLL2, off, LinuxSll2.HEADER_LENGTH, avail);
            return;
        }
        etherPayload(buf, 0, u16(off + LinuxSll2.PROTOCOL_OFFSET), off + LinuxSll2.HEADER_LENGTH,
                end, out);
    }

    /**
     * LINKTYPE_NULL: a 4-byte address family in the capturing host's byte order, so both orders
     * are tried (as libpcap does). AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24, 28 or 30
     * (the BSDs and macOS).
     */
    private void loopback(ByteBuf buf, int off, int end, Layers out) {
        int avail = end - off;
        out.l2(0, Layers.L2_NULL, off, Math.min(Math.max(avail, 0), 4));
        if (avail < 4) {
            out.truncated(0, Layers.HDR_NULL, off, 4, avail);
            return;
        }
        int af = Integer.reverseBytes(i32(off));
        if ((af & 0xffff0000) != 0) {
            af = Integer.reverseBytes(af);
        }
        int p = off + 4;
        if (af == AF_INET) {
            out.etherType(0, EtherType.IPV4);
            ipv4(buf, 0, p, end, out);
        } else if (af == 10 || af == 24 || af == 28 || af == 30) {
            out.etherType(0, EtherType.IPV6);
            ipv6(buf, 0, p, end, out);
        } else {
            out.flag(0, Layers.FLAG_UNKNOWN_ADDRESS_FAMILY);
            out.payload(0, p, end - p);
        }
    }

    private void rawIp(ByteBuf buf, int lv, int off, int end, Layers out) {
        if (end - off < 1) {
            out.truncated(lv, Layers.HDR_IPV4, off, Ipv4.MIN_HEADER_LENGTH, end - off);
            return;
        }
        int version = u8(off) >>> 4;
        if (version == 4) {
            ipv4(buf, lv, off, end, out);
        } else if (version == 6) {
            ipv6(buf, lv, off, end, out);
        } else {
            out.flag(lv, Layers.FLAG_BAD_IP_VERSION);
            out.payload(lv, off, end - off);
        }
    }

    // ------------------------------------------------------------------ layer 3

    private void arp(ByteBuf buf, int lv, int p, int end, Layers out) {
        int avail = end - p;
        if (avail <= 0) {
            out.truncated(lv, Layers.HDR_ARP, p, Arp.FIXED_LENGTH, avail);
            return;
        }
        out.l3(lv, Layers.L3_ARP, p);
        if (avail < Arp.FIXED_LENGTH) {
            out.truncated(lv, Layers.HDR_ARP, p, Arp.FIXED_LENGTH, avail);
            return;
        }
        int hlen = u8(p + Arp.HLEN_OFFSET);
        int plen = u8(p + Arp.PLEN_OFFSET);
        if (u16(p + Arp.HTYPE_OFFSET) != Arp.HTYPE_ETHERNET
                || u16(p + Arp.PTYPE_OFFSET) != EtherType.IPV4 || hlen != 6 || plen != 4) {
            out.flag(lv, Layers.FLAG_ARP_NOT_ETHERNET_IPV4);
        }
        int need = Arp.FIXED_LENGTH + 2 * hlen + 2 * plen;
        if (avail < need) {
            out.truncated(lv, Layers.HDR_ARP, p, need, avail);
            out.l3End(lv, end);
            return;
        }
        out.l3HeaderLength(lv, need);
        out.l3End(lv, p + need);
        out.payload(lv, p + need, 0);
        if (avail > need) {
            out.trailer(lv, avail - need);
        }
    }

    private void ipv6(ByteBuf buf, int lv, int p, int end, Layers out) {
        int avail = end - p;
        if (avail <= 0) {
            out.truncated(lv, Layers.HDR_IPV6, p, 40, avail);
            return;
        }
        out.l3(lv, Layers.L3_IPV6, p);
        if ((u8(p) >>> 4) != 6) {
            out.flag(lv, Layers.FLAG_BAD_IP_VERSION);
            return;
        }
        if (avail < 40) {
            out.truncated(lv, Layers.HDR_IPV6, p, 40, avail);
            return;
        }
        int dgEnd = p + 40 + u16(p + 4);
        if (dgEnd > end) {
            out.flag(lv, Layers.FLAG_IP_SNAPLEN_CUT);
            dgEnd = end;
        }
        out.l3Header(lv, 40, dgEnd, u8(p + 6));
        out.payload(lv, p + 40, dgEnd - p - 40);
    }

    private void ipv4(ByteBuf buf, int lv, int p, int end, Layers out) {
        int avail = end - p;
        if (avail <= 0) {
            out.truncated(lv, Layers.HDR_IPV4, p, Ipv4.MIN_HEADER_LENGTH, avail);
            return;
        }
        out.l3(lv, Layers.L3_IPV4, p);
        int vihl = u8(p);
        if ((vihl >>> 4) != 4) {
            out.flag(lv, Layers.FLAG_BAD_IP_VERSION);
            return;
        }
        if (avail < Ipv4.MIN_HEADER_LENGTH) {
            out.truncated(lv, Layers.HDR_IPV4, p, Ipv4.MIN_HEADER_LENGTH, avail);
            return;
        }
        int hl = (vihl & 0x0f) * 4;
        int proto = u8(p + Ipv4.PROTOCOL_OFFSET);
        if (hl < Ipv4.MIN_HEADER_LENGTH) {
            out.l3Header(lv, hl, end, proto);
            out.flag(lv, Layers.FLAG_BAD_IHL);
            return;
        }
        if (avail < hl) {
            out.truncated(lv, Layers.HDR_IPV4, p, hl, avail);
            return;
        }
        int totalLength = u16(p + Ipv4.TOTAL_LENGTH_OFFSET);
        if (totalLength < hl) {
            out.l3Header(lv, hl, end, proto);
            out.flag(lv, Layers.FLAG_BAD_IP_TOTAL_LENGTH);
            return;
        }
        int dgEnd = p + totalLength;
        boolean cut = false;
        if (dgEnd > end) {
            out.flag(lv, Layers.FLAG_IP_SNAPLEN_CUT);
            dgEnd = end;
            cut = true;
        } else if (dgEnd < end) {
            out.trailer(lv, end - dgEnd);
        }
        out.l3Header(lv, hl, dgEnd, proto);
        if (verifyChecksums && Checksums.internetChecksum(buf, p, hl) != 0) {
            out.flag(lv, Layers.FLAG_BAD_IP_CHECKSUM);
        }
        int frag = u16(p + Ipv4.FLAGS_FRAGMENT_OFFSET);
        int l4 = p + hl;
        if ((frag & Ipv4.FRAGMENT_OFFSET_MASK) != 0) {
            out.flag(lv, Layers.FLAG_IP_FRAGMENT);
            out.payload(lv, l4, dgEnd - l4);
            return;
        }
        boolean complete = !cut && (frag & Ipv4.FLAG_MF) == 0;
        int src = 0;
        int dst = 0;
        if (verifyChecksums) {
            src = i32(p + Ipv4.SRC_OFFSET);
            dst = i32(p + Ipv4.DST_OFFSET);
        }
        switch (proto) {
            case IpProtocol.TCP -> tcp(buf, lv, l4, dgEnd, complete, src, dst, out);
            case IpProtocol.UDP -> udp(buf, lv, l4, dgEnd, p + totalLength, complete, src, dst, out);
            case IpProtocol.ICMP -> icmp(buf, lv, l4, dgEnd, complete, out);
            case IpProtocol.SCTP -> sctp(buf, lv, l4, dgEnd, complete, out);
            case IpProtocol.IPIP -> {
                out.l4(lv, Layers.L4_OTHER, l4, 0);
                out.tunnel(lv, Layers.TUNNEL_IPIP, l4, -1);
                out.payload(lv, l4, dgEnd - l4);
                if (nextLevel(lv, out)) {
                    ipv4(buf, lv + 1, l4, dgEnd, out);
                }
            }
            case IpProtocol.IPV6 -> {
                out.l4(lv, Layers.L4_OTHER, l4, 0);
                out.tunnel(lv, Layers.TUNNEL_6IN4, l4, -1);
                out.payload(lv, l4, dgEnd - l4);
                if (nextLevel(lv, out)) {
                    ipv6(buf, lv + 1, l4, dgEnd, out);
                }
            }
            default -> {
                if (l4 < dgEnd) {
                    out.l4(lv, Layers.L4_OTHER, l4, 0);
                }
                out.payload(lv, l4, dgEnd - l4);
            }
        }
    }

    private static boolean nextLevel(int lv, Layers out) {
        if (lv + 1 >= Layers.MAX_LEVELS) {
            out.flag(lv, Layers.FLAG_TOO_MANY_LEVELS);
            return false;
        }
        out.begin(lv + 1);
        return true;
    }

    // ------------------------------------------------------------------ layer 4

    private void tcp(ByteBuf buf, int lv, int p, int end, boolean complete, int src, int dst, Layers out) {
        int avail = end - p;
        if (avail <= 0) {
            out.truncated(lv, Layers.HDR_TCP, p, Tcp.MIN_HEADER_LENGTH, avail);
            return;
        }
        out.l4(lv, Layers.L4_TCP, p, 0);
        if (avail < Tcp.MIN_HEADER_LENGTH) {
            out.truncated(lv, Layers.HDR_TCP, p, Tcp.MIN_HEADER_LENGTH, avail);
            return;
        }
        int hl = (u8(p + Tcp.DATA_OFFSET_OFFSET) >>> 4) * 4;
        if (hl < Tcp.MIN_HEADER_LENGTH) {
            out.flag(lv, Layers.FLAG_BAD_TCP_DATA_OFFSET);
            return;
        }
        if (avail < hl) {
            out.truncated(lv, Layers.HDR_TCP, p, hl, avail);
            return;
        }
        out.l4(lv, Layers.L4_TCP, p, hl);
        out.payload(lv, p + hl, avail - hl);
        if (verifyChecksums) {
            if (!complete) {
                out.flag(lv, Layers.FLAG_L4_CHECKSUM_UNVERIFIED);
            } else {
                long s = Checksums.pseudoHeaderSum(src, dst, IpProtocol.TCP, avail);
                if (Checksums.fold(Checksums.sum(buf, p, avail, s)) != 0) {
                    out.flag(lv, Layers.FLAG_BAD_L4_CHECKSUM);
                }
            }
        }
    }

    /**
     * @param end   end of the captured IP datagram
     * @param ipEnd end of the IP datagram per its total length (may lie beyond {@code end})
     */
    private void udp(ByteBuf buf, int lv, int p, int end, int ipEnd, boolean complete, int src, int dst,
                     Layers out) {
        int avail = end - p;
        if (avail <= 0) {
            out.truncated(lv, Layers.HDR_UDP, p, Udp.HEADER_LENGTH, avail);
            return;
        }
        out.l4(lv, Layers.L4_UDP, p, 0);
        if (avail < Udp.HEADER_LENGTH) {
            out.truncated(lv, Layers.HDR_UDP, p, Udp.HEADER_LENGTH, avail);
            return;
        }
        out.l4(lv, Layers.L4_UDP, p, Udp.HEADER_LENGTH);
        int udpLen = u16(p + Udp.LENGTH_OFFSET);
        int udpEnd;
        if (udpLen < Udp.HEADER_LENGTH) {
            out.flag(lv, Layers.FLAG_BAD_UDP_LENGTH);
            udpEnd = end;
        } else {
            if (udpLen != ipEnd - p) {
                out.flag(lv, Layers.FLAG_UDP_LENGTH_MISMATCH);
            }
            udpEnd = Math.min(p + udpLen, end);
        }
        int payload = p + Udp.HEADER_LENGTH;
        out.payload(lv, payload, udpEnd - payload);
        if (verifyChecksums && u16(p + Udp.CHECKSUM_OFFSET) != 0) {
            if (!complete || udpLen < Udp.HEADER_LENGTH || p + udpLen > end) {
                out.flag(lv, Layers.FLAG_L4_CHECKSUM_UNVERIFIED);
            } else {
                long s = Checksums.pseudoHeaderSum(src, dst, IpProtocol.UDP, udpLen);
                if (Checksums.fold(Checksums.sum(buf, p, udpLen, s)) != 0) {
                    out.flag(lv, Layers.FLAG_BAD_L4_CHECKSUM);
                }
            }
        }
        if (isVxlanPort(u16(p + Udp.DST_PORT_OFFSET))) {
            vxlan(buf, lv, payload, udpEnd, out);
        }
    }

    private void vxlan(ByteBuf buf, int lv, int p, int end, Layers out) {
        int avail = end - p;
        if (avail < Vxlan.HEADER_LENGTH) {
            out.tunnel(lv, Layers.TUNNEL_VXLAN, p, -1);
            out.truncated(lv, Layers.HDR_VXLAN, p, Vxlan.HEADER_LENGTH, avail);
            return;
        }
        int flags = u8(p);
        int word0 = i32(p);
        int word1 = i32(p + 4);
        out.tunnel(lv, Layers.TUNNEL_VXLAN, p, word1 >>> 8);
        if ((flags & Vxlan.FLAG_I) == 0) {
            out.flag(lv, Layers.FLAG_VXLAN_NO_VNI_FLAG);
        }
        if ((word0 & ~(Vxlan.FLAG_I << 24)) != 0 || (word1 & 0xff) != 0) {
            out.flag(lv, Layers.FLAG_VXLAN_RESERVED_SET);
        }
        int inner = p + Vxlan.HEADER_LENGTH;
        out.payload(lv, inner, end - inner);
        if (nextLevel(lv, out)) {
            ethernet(buf, lv + 1, inner, end, out);
        }
    }

    private void icmp(ByteBuf buf, int lv, int p, int end, boolean complete, Layers out) {
        int avail = end - p;
        if (avail <= 0) {
            out.truncated(lv, Layers.HDR_ICMP, p, Icmp4.HEADER_LENGTH, avail);
            return;
        }
        out.l4(lv, Layers.L4_ICMP, p, 0);
        if (avail < Icmp4.HEADER_LENGTH) {
            out.truncated(lv, Layers.HDR_ICMP, p, Icmp4.HEADER_LENGTH, avail);
            return;
        }
        out.l4(lv, Layers.L4_ICMP, p, Icmp4.HEADER_LENGTH);
        out.payload(lv, p + Icmp4.HEADER_LENGTH, avail - Icmp4.HEADER_LENGTH);
        if (verifyChecksums) {
            if (!complete) {
                out.flag(lv, Layers.FLAG_L4_CHECKSUM_UNVERIFIED);
            } else if (Checksums.internetChecksum(buf, p, avail) != 0) {
                out.flag(lv, Layers.FLAG_BAD_L4_CHECKSUM);
            }
        }
    }

    private void sctp(ByteBuf buf, int lv, int p, int end, boolean complete, Layers out) {
        int avail = end - p;
        if (avail <= 0) {
            out.truncated(lv, Layers.HDR_SCTP, p, Sctp.HEADER_LENGTH, avail);
            return;
        }
        out.l4(lv, Layers.L4_SCTP, p, 0);
        if (avail < Sctp.HEADER_LENGTH) {
            out.truncated(lv, Layers.HDR_SCTP, p, Sctp.HEADER_LENGTH, avail);
            return;
        }
        out.l4(lv, Layers.L4_SCTP, p, Sctp.HEADER_LENGTH);
        out.payload(lv, p + Sctp.HEADER_LENGTH, avail - Sctp.HEADER_LENGTH);
        if (verifyChecksums) {
            if (!complete) {
                out.flag(lv, Layers.FLAG_L4_CHECKSUM_UNVERIFIED);
            } else {
                Sctp view = sctpView.wrap(buf, p);
                if (!view.verifyChecksum(avail, crc)) {
                    out.flag(lv, Layers.FLAG_BAD_L4_CHECKSUM);
                }
            }
        }
    }
}
