package dev.podlab.packet;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.zip.CRC32C;

/**
 * Builds complete Ethernet frames the way a Linux host puts them on a veth: every header field
 * and checksum as the kernel function named on each method sets it.
 *
 * <p>Each builder allocates one buffer from the allocator given at construction, leaves
 * {@link #headroom()} bytes in front of the frame (so that VXLAN or IPIP encapsulation can later
 * push its headers without copying, see {@link #vxlanEncap} and {@link #ipipEncap}) and returns
 * it with the frame between reader and writer index. The caller owns the returned buffer.
 *
 * <p>Not thread-safe (it keeps reusable views and a CRC32c); use one instance per thread.
 */
public final class Frames {
    /** Headroom left in front of each frame: room for two IPv4 VXLAN encapsulations (50 each). */
    public static final int DEFAULT_HEADROOM = 128;
    /** Length of the data in a default {@code ping} (iputils: 56 bytes, 64 with the ICMP header). */
    public static final int PING_DEFAULT_DATA_LENGTH = 56;
    /** Bytes of the timestamp at the start of ping data: a 64-bit {@code struct timeval}. */
    public static final int PING_TIMEVAL_LENGTH = 16;
    /** Outer TOS value meaning "copy the inner TOS" (iproute2 {@code tos inherit}). */
    public static final int TOS_INHERIT = 1;

    private final ByteBufAllocator alloc;
    private final int headroom;
    private final Ethernet eth = new Ethernet();
    private final Arp arp = new Arp();
    private final Ipv4 ip = new Ipv4();
    private final Ipv4 ip2 = new Ipv4();
    private final Tcp tcp = new Tcp();
    private final Udp udp = new Udp();
    private final Icmp4 icmp = new Icmp4();
    private final Sctp sctp = new Sctp();
    private final CRC32C crc = new CRC32C();
    private final Tcp rxTcp = new Tcp();
    private final Icmp4 rxIcmp = new Icmp4();
    private final Vxlan vxlan = new Vxlan();
    private final SctpInit sctpInit = new SctpInit();
    private final TcpSpec replySpec = new TcpSpec();
    private final Ipv4Spec replyIp = new Ipv4Spec();

    public Frames(ByteBufAllocator alloc) {
        this(alloc, DEFAULT_HEADROOM);
    }

    public Frames(ByteBufAllocator alloc, int headroom) {
        this.alloc = alloc;
        this.headroom = headroom;
    }

    public int headroom() {
        return headroom;
    }

    /** A buffer with {@code frameLength} writable frame bytes after the headroom. */
    private ByteBuf allocate(int frameLength) {
        ByteBuf b = alloc.buffer(headroom + frameLength);
        b.writerIndex(headroom + frameLength);
        b.readerIndex(headroom);
        return b;
    }

    // ---------------------------------------------------------------- Ethernet + IPv4 helpers

    private int writeEthernet(ByteBuf b, int off, long dst, long src, int type) {
        eth.wrap(b, off).dst(dst).src(src).etherType(type);
        return off + Ethernet.HEADER_LENGTH;
    }

    /** Writes a 20-byte IPv4 header with its checksum ({@code ip_send_check}); returns the L4 offset. */
    private int writeIpv4(ByteBuf b, int off, int tos, int totalLength, int id, boolean df, int ttl,
                          int protocol, int src, int dst) {
        ip.wrap(b, off).versionIhl(4, 5).tos(tos).totalLength(totalLength).id(id)
                .flagsFragment(df ? Ipv4.FLAG_DF : 0).ttl(ttl).protocol(protocol)
                .checksum(0).src(src).dst(dst).updateChecksum();
        return off + Ipv4.MIN_HEADER_LENGTH;
    }

    private int writeIpv4(ByteBuf b, int off, Ipv4Spec s, int totalLength, int protocol) {
        return writeIpv4(b, off, s.tos, totalLength, s.id, s.df, s.ttl, protocol, s.src, s.dst);
    }

    private static int readable(ByteBuf payload) {
        return payload == null ? 0 : payload.readableBytes();
    }

    private static void copy(ByteBuf dst, int off, ByteBuf payload) {
        if (payload != null && payload.isReadable()) {
            dst.setBytes(off, payload, payload.readerIndex(), payload.readableBytes());
        }
    }

    // ---------------------------------------------------------------- ARP

    /**
     * An Ethernet/IPv4 ARP packet as {@code arp_create} (net/ipv4/arp.c) lays it out: 14 + 28 =
     * 42 bytes. Linux does not pad ARP in software; the 60-byte minimum is reached by the NIC or
     * its driver on a real wire ({@link #padToMinimum}), while on a veth and in a capture on the
     * sender the frame stays 42 bytes, which is what podlab emits.
     */
    public ByteBuf arp(int op, long ethSrc, long ethDst, long sha, int spa, long tha, int tpa) {
        ByteBuf b = allocate(Ethernet.HEADER_LENGTH + Arp.ETHERNET_IPV4_LENGTH);
        int off = writeEthernet(b, b.readerIndex(), ethDst, ethSrc, EtherType.ARP);
        arp.wrap(b, off).hardwareType(Arp.HTYPE_ETHERNET).protocolType(EtherType.IPV4)
                .hardwareLength(6).protocolLength(4).op(op)
                .sha(sha).spa(spa).tha(tha).tpa(tpa);
        return b;
    }

    /**
     * A broadcast who-has request ({@code arp_solicit} with no known address): Ethernet
     * destination ff:ff:ff:ff:ff:ff, target hardware address all zero ({@code arp_create} zeroes
     * it when no target is given).
     */
    public ByteBuf arpRequest(long srcMac, int srcIp, int targetIp) {
        return arp(Arp.OP_REQUEST, srcMac, MacAddress.BROADCAST, srcMac, srcIp, MacAddress.ZERO, targetIp);
    }

    /**
     * A unicast who-has request, as {@code arp_solicit} sends to confirm a stale neighbour
     * (NUD_PROBE): Ethernet destination is the cached MAC, target hardware address still zero.
     */
    public ByteBuf arpProbeUnicast(long srcMac, int srcIp, long neighbourMac, int targetIp) {
        return arp(Arp.OP_REQUEST, srcMac, neighbourMac, srcMac, srcIp, MacAddress.ZERO, targetIp);
    }

    /**
     * An is-at reply to a request from {@code requesterMac}/{@code requesterIp}
     * ({@code arp_process}: {@code arp_send(ARPOP_REPLY, ..., sha, dev->dev_addr, sha)}), unicast
     * to the requester, whose MAC is also the target hardware address.
     */
    public ByteBuf arpReply(long srcMac, int srcIp, long requesterMac, int requesterIp) {
        return arp(Arp.OP_REPLY, srcMac, requesterMac, srcMac, srcIp, requesterMac, requesterIp);
    }

    /**
     * A gratuitous ARP as Linux sends it when an address comes up ({@code inetdev_event} /
     * {@code arp_send(ARPOP_REQUEST, ..., ip, dev, ip, NULL, dev->dev_addr, NULL)}): a broadcast
     * request whose sender and target protocol addresses are both {@code ip}, target hardware
     * address zero.
     */
    public ByteBuf gratuitousArp(long mac, int ip) {
        return arp(Arp.OP_REQUEST, mac, MacAddress.BROADCAST, mac, ip, MacAddress.ZERO, ip);
    }

    /**
     * Pads a frame with zero bytes to the 60-byte Ethernet minimum, as a NIC driver does on
     * transmit ({@code eth_skb_pad}); a no-op for longer frames. Use it to model what arrives over
     * a physical wire, not what a veth carries.
     */
    public static ByteBuf padToMinimum(ByteBuf frame) {
        int len = frame.readableBytes();
        if (len < Ethernet.MIN_FRAME_LENGTH) {
            frame.writeZero(Ethernet.MIN_FRAME_LENGTH - len);
        }
        return frame;
    }

    // ---------------------------------------------------------------- TCP

    /**
     * A TCP segment: Ethernet, IPv4 (fields from {@code ip}), TCP header with options per
     * {@code spec} in {@code tcp_options_write} order, then the readable bytes of {@code payload}
     * (may be null). IPv4 and TCP checksums computed ({@code __tcp_v4_send_check} in full).
     */
    public ByteBuf tcp(Ipv4Spec ip, TcpSpec spec, ByteBuf payload) {
        int hl = spec.headerLength();
        int segLen = hl + readable(payload);
        ByteBuf b = allocate(Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + segLen);
        int off = writeEthernet(b, b.readerIndex(), ip.dstMac, ip.srcMac, EtherType.IPV4);
        off = writeIpv4(b, off, ip, Ipv4.MIN_HEADER_LENGTH + segLen, IpProtocol.TCP);
        writeTcpHeader(b, off, spec);
        copy(b, off + hl, payload);
        tcp.wrap(b, off).updateChecksum(ip.src, ip.dst, segLen);
        return b;
    }

    private void writeTcpHeader(ByteBuf b, int off, TcpSpec s) {
        int hl = s.headerLength();
        tcp.wrap(b, off).srcPort(s.srcPort).dstPort(s.dstPort).seq(s.seq).ack(s.ack);
        b.setByte(off + Tcp.DATA_OFFSET_OFFSET, (hl / 4) << 4);
        tcp.flags(s.flags).window(s.window).checksum(0).urgentPointer(s.urgentPointer);
        int p = off + Tcp.OPTIONS_OFFSET;
        if (s.mss >= 0) {
            b.setInt(p, Tcp.OPT_MSS << 24 | Tcp.OPTLEN_MSS << 16 | s.mss);
            p += 4;
        }
        if (s.timestamps) {
            if (s.sackPermitted) {
                b.setInt(p, Tcp.OPT_SACK_PERM << 24 | Tcp.OPTLEN_SACK_PERM << 16
                        | Tcp.OPT_TIMESTAMP << 8 | Tcp.OPTLEN_TIMESTAMP);
            } else {
                b.setInt(p, Tcp.OPT_NOP << 24 | Tcp.OPT_NOP << 16
                        | Tcp.OPT_TIMESTAMP << 8 | Tcp.OPTLEN_TIMESTAMP);
            }
            b.setInt(p + 4, (int) s.tsVal);
            b.setInt(p + 8, (int) s.tsEcr);
            p += 12;
        } else if (s.sackPermitted) {
            b.setInt(p, Tcp.OPT_NOP << 24 | Tcp.OPT_NOP << 16 | Tcp.OPT_SACK_PERM << 8 | Tcp.OPTLEN_SACK_PERM);
            p += 4;
        }
        if (s.windowScale >= 0) {
            b.setInt(p, Tcp.OPT_NOP << 24 | Tcp.OPT_WINDOW << 16 | Tcp.OPTLEN_WINDOW << 8 | s.windowScale);
            p += 4;
        }
        if (s.sackBlocks > 0) {
            b.setInt(p, Tcp.OPT_NOP << 24 | Tcp.OPT_NOP << 16 | Tcp.OPT_SACK << 8
                    | (Tcp.OPTLEN_SACK_BASE + Tcp.OPTLEN_SACK_PERBLOCK * s.sackBlocks));
            p += 4;
            for (int i = 0; i < s.sackBlocks; i++) {
                b.setInt(p, (int) s.sackLeft[i]);
                b.setInt(p + 4, (int) s.sackRight[i]);
                p += 8;
            }
        }
    }

    /**
     * The RST Linux answers a segment with when no socket wants it ({@code tcp_v4_send_reset},
     * net/ipv4/tcp_ipv4.c), e.g. a SYN to a closed port. Addresses and ports are the received
     * ones swapped; if the offending segment had ACK set, the RST takes its sequence number from
     * that ACK and carries no ACK; otherwise seq is 0 and it acknowledges seq + SYN + FIN +
     * payload length with RST|ACK. Window 0, no options. The IP header comes from the TCP control
     * socket via {@code ip_send_unicast_reply}: DF set with IP ID 0 (PMTUDISC_DO), TTL 64, and
     * the TOS of the offending packet without its ECN bits (current kernels:
     * {@code arg.tos = ip_hdr(skb)->tos & ~INET_ECN_MASK}; kernels before that change reflected
     * the whole TOS byte).
     *
     * @param rx       buffer holding the received segment
     * @param ipOffset absolute offset of its IPv4 header
     * @param srcMac   our MAC (the RST's Ethernet source)
     * @param dstMac   next-hop MAC (normally the offending frame's source)
     * @return the RST frame, or null when the offending segment is itself a RST (never answered)
     */
    public ByteBuf tcpResetFor(ByteBuf rx, int ipOffset, long srcMac, long dstMac) {
        ip2.wrap(rx, ipOffset);
        int tcpOff = ipOffset + ip2.headerLength();
        Tcp in = rxTcp.wrap(rx, tcpOff);
        int flags = in.flags();
        if ((flags & Tcp.RST) != 0) {
            return null;
        }
        int payloadLen = ip2.totalLength() - ip2.headerLength() - in.headerLength();
        TcpSpec s = replySpec.reset().ports(in.dstPort(), in.srcPort()).window(0);
        if ((flags & Tcp.ACK) != 0) {
            s.seq(in.ack()).flags(Tcp.RST);
        } else {
            long ackSeq = in.seq() + ((flags & Tcp.SYN) != 0 ? 1 : 0) + ((flags & Tcp.FIN) != 0 ? 1 : 0)
                    + Math.max(0, payloadLen);
            s.seq(0).ack(ackSeq).flags(Tcp.RST | Tcp.ACK);
        }
        Ipv4Spec ipSpec = replyIp.reset().macs(srcMac, dstMac).addresses(ip2.dst(), ip2.src())
                .tos(ip2.tos() & ~Ipv4.ECN_MASK).ttl(Ipv4.DEFAULT_TTL).id(0).df(true);
        return tcp(ipSpec, s, null);
    }

    // ---------------------------------------------------------------- UDP

    /**
     * A UDP datagram with its checksum over the pseudo-header ({@code udp_send_skb} /
     * {@code udp4_hwcsum} done in software); a computed 0 is sent as 0xffff.
     */
    public ByteBuf udp(Ipv4Spec ip, int srcPort, int dstPort, ByteBuf payload) {
        int udpLen = Udp.HEADER_LENGTH + readable(payload);
        ByteBuf b = allocate(Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + udpLen);
        int off = writeEthernet(b, b.readerIndex(), ip.dstMac, ip.srcMac, EtherType.IPV4);
        off = writeIpv4(b, off, ip, Ipv4.MIN_HEADER_LENGTH + udpLen, IpProtocol.UDP);
        udp.wrap(b, off).srcPort(srcPort).dstPort(dstPort).length(udpLen).checksum(0);
        copy(b, off + Udp.HEADER_LENGTH, payload);
        udp.updateChecksum(ip.src, ip.dst, udpLen);
        return b;
    }

    // ---------------------------------------------------------------- ICMP

    /**
     * An ICMP echo request ({@link Icmp4#ECHO}) or reply ({@link Icmp4#ECHO_REPLY}) with the
     * readable bytes of {@code data} after the 8-byte header.
     */
    public ByteBuf icmpEcho(Ipv4Spec ip, int type, int id, int sequence, ByteBuf data) {
        int icmpLen = Icmp4.HEADER_LENGTH + readable(data);
        ByteBuf b = allocate(Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + icmpLen);
        int off = writeEthernet(b, b.readerIndex(), ip.dstMac, ip.srcMac, EtherType.IPV4);
        off = writeIpv4(b, off, ip, Ipv4.MIN_HEADER_LENGTH + icmpLen, IpProtocol.ICMP);
        icmp.wrap(b, off).type(type).code(0).checksum(0).id(id).sequence(sequence);
        copy(b, off + Icmp4.HEADER_LENGTH, data);
        icmp.updateChecksum(icmpLen);
        return b;
    }

    /**
     * An echo request as iputils {@code ping} sends it by default: 56 data bytes, the first 16 a
     * {@code struct timeval} of the send time in host (little-endian, x86-64) byte order, the rest
     * the pattern byte i = i ({@code 0x10, 0x11, ... 0x37}). The timeval is taken from the virtual
     * clock. The socket's PMTU mode is IP_PMTUDISC_WANT, so DF is set; being unconnected, ping
     * gets a hashed IP ID ({@link IpIdent#hashed}) that the caller puts in {@code ip}.
     */
    public ByteBuf ping(Ipv4Spec ip, int id, int sequence, long virtualTimeNs) {
        return ping(ip, id, sequence, virtualTimeNs, PING_DEFAULT_DATA_LENGTH, PING_TIMEVAL_LENGTH);
    }

    /** {@link #ping(Ipv4Spec, int, int, long)} with {@code ping -s dataLength}. */
    public ByteBuf ping(Ipv4Spec ip, int id, int sequence, long virtualTimeNs, int dataLength) {
        return ping(ip, id, sequence, virtualTimeNs, dataLength, PING_TIMEVAL_LENGTH);
    }

    /**
     * A ping from a host whose {@code struct timeval} is {@code timevalLength} bytes: 16 on 64-bit
     * Linux (the default), 8 on 32-bit hosts (two 32-bit fields).
     */
    public ByteBuf ping(Ipv4Spec ip, int id, int sequence, long virtualTimeNs, int dataLength, int timevalLength) {
        int icmpLen = Icmp4.HEADER_LENGTH + dataLength;
        ByteBuf b = allocate(Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + icmpLen);
        int off = writeEthernet(b, b.readerIndex(), ip.dstMac, ip.srcMac, EtherType.IPV4);
        off = writeIpv4(b, off, ip, Ipv4.MIN_HEADER_LENGTH + icmpLen, IpProtocol.ICMP);
        icmp.wrap(b, off).type(Icmp4.ECHO).code(0).checksum(0).id(id).sequence(sequence);
        writePingData(b, off + Icmp4.HEADER_LENGTH, dataLength, virtualTimeNs, timevalLength);
        icmp.updateChecksum(icmpLen);
        return b;
    }

    /**
     * Writes iputils ping data: a little-endian timeval (seconds, microseconds; 16 or 8 bytes) if
     * there is room for it, and byte i = i (mod 256) for the rest ({@code ping4_send_probe} fills
     * the whole buffer with the pattern, then {@code pinger} stores the timeval over its start).
     */
    public static void writePingData(ByteBuf b, int off, int length, long timeNs, int timevalLength) {
        for (int i = 0; i < length; i++) {
            b.setByte(off + i, i);
        }
        if (length >= timevalLength) {
            long sec = Math.floorDiv(timeNs, 1_000_000_000L);
            long usec = Math.floorMod(timeNs, 1_000_000_000L) / 1000;
            if (timevalLength == PING_TIMEVAL_LENGTH) {
                b.setLongLE(off, sec);
                b.setLongLE(off + 8, usec);
            } else {
                b.setIntLE(off, (int) sec);
                b.setIntLE(off + 4, (int) usec);
            }
        }
    }

    /**
     * The echo reply Linux's {@code icmp_echo} / {@code icmp_reply} returns for a request: same
     * id, sequence and data, addresses swapped, TOS copied from the request, TTL 64. It is sent
     * on the per-CPU ICMP socket whose PMTU mode is IP_PMTUDISC_DONT, so DF is clear and the ID is
     * hashed: the caller passes {@code ipId} from {@link IpIdent#hashed}.
     *
     * @param request  buffer holding the request
     * @param ipOffset absolute offset of the request's IPv4 header
     */
    public ByteBuf icmpEchoReplyTo(ByteBuf request, int ipOffset, long srcMac, long dstMac, int ipId) {
        ip2.wrap(request, ipOffset);
        int icmpOff = ipOffset + ip2.headerLength();
        int icmpLen = ip2.totalLength() - ip2.headerLength();
        Icmp4 rq = rxIcmp.wrap(request, icmpOff);
        Ipv4Spec s = replyIp.reset().macs(srcMac, dstMac).addresses(ip2.dst(), ip2.src())
                .tos(ip2.tos()).ttl(Ipv4.DEFAULT_TTL).id(ipId).df(false);
        int dataLen = icmpLen - Icmp4.HEADER_LENGTH;
        ByteBuf b = allocate(Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + icmpLen);
        int off = writeEthernet(b, b.readerIndex(), s.dstMac, s.srcMac, EtherType.IPV4);
        off = writeIpv4(b, off, s, Ipv4.MIN_HEADER_LENGTH + icmpLen, IpProtocol.ICMP);
        icmp.wrap(b, off).type(Icmp4.ECHO_REPLY).code(0).checksum(0).id(rq.id()).sequence(rq.sequence());
        b.setBytes(off + Icmp4.HEADER_LENGTH, request, icmpOff + Icmp4.HEADER_LENGTH, dataLen);
        icmp.updateChecksum(icmpLen);
        return b;
    }

    /**
     * An ICMP error as {@code __icmp_send} (net/ipv4/icmp.c) builds it in answer to an offending
     * IPv4 packet:
     * <ul>
     *   <li>destination = the offending packet's source; TTL 64; TOS =
     *       {@link Icmp4#errorTos}(offending TOS); DF clear (the ICMP socket uses
     *       IP_PMTUDISC_DONT) and therefore a hashed ID, passed by the caller;</li>
     *   <li>the ICMP header's second word: the next-hop MTU for {@link Icmp4#FRAG_NEEDED}
     *       ({@code info}), zero otherwise;</li>
     *   <li>the data: the offending datagram from its IP header on, cut to
     *       {@link Icmp4#quotedLength} (room = min(route MTU, 576) - 28).</li>
     * </ul>
     *
     * @param offending       buffer holding the offending packet
     * @param offendingIp     absolute offset of its IPv4 header
     * @param offendingLength bytes of it from the IP header (Linux: {@code skb->len} after
     *                        {@code ip_rcv} trimmed it to the IP total length)
     * @param routeMtu        MTU of the route back to the source
     * @return the frame, or null when Linux would send nothing (room too small for a header)
     */
    public ByteBuf icmpError(long srcMac, long dstMac, int srcIp, int ipId, int type, int code, int info,
                             ByteBuf offending, int offendingIp, int offendingLength, int routeMtu) {
        int quoted = Icmp4.quotedLength(offendingLength, routeMtu);
        if (quoted < 0) {
            return null;
        }
        ip2.wrap(offending, offendingIp);
        int tos = Icmp4.isError(type) ? Icmp4.errorTos(ip2.tos()) : ip2.tos();
        int icmpLen = Icmp4.HEADER_LENGTH + quoted;
        ByteBuf b = allocate(Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + icmpLen);
        int off = writeEthernet(b, b.readerIndex(), dstMac, srcMac, EtherType.IPV4);
        off = writeIpv4(b, off, tos, Ipv4.MIN_HEADER_LENGTH + icmpLen, ipId, false, Ipv4.DEFAULT_TTL,
                IpProtocol.ICMP, srcIp, ip2.src());
        icmp.wrap(b, off).type(type).code(code).checksum(0)
                .rest(type == Icmp4.DEST_UNREACH && code == Icmp4.FRAG_NEEDED ? info & 0xffff : 0);
        b.setBytes(off + Icmp4.HEADER_LENGTH, offending, offendingIp, quoted);
        icmp.updateChecksum(icmpLen);
        return b;
    }

    // ---------------------------------------------------------------- SCTP

    /**
     * An SCTP packet with one INIT chunk (verification tag 0, RFC 9260 section 8.5.1) carrying
     * the fixed INIT fields and the already-encoded parameters in {@code parameters} (may be
     * null). CRC32c computed.
     */
    public ByteBuf sctpInit(Ipv4Spec ip, int srcPort, int dstPort, int initiateTag, long aRwnd,
                            int outboundStreams, int inboundStreams, long initialTsn, ByteBuf parameters) {
        return sctpInitChunk(ip, srcPort, dstPort, 0, SctpChunk.INIT, initiateTag, aRwnd,
                outboundStreams, inboundStreams, initialTsn, parameters, null);
    }

    /**
     * An SCTP packet with one INIT ACK chunk whose verification tag is the peer's initiate tag,
     * carrying a State Cookie parameter (type 7) with {@code cookie}'s bytes, then the
     * already-encoded {@code parameters} (may be null).
     */
    public ByteBuf sctpInitAck(Ipv4Spec ip, int srcPort, int dstPort, int peerInitiateTag, int initiateTag,
                               long aRwnd, int outboundStreams, int inboundStreams, long initialTsn,
                               ByteBuf cookie, ByteBuf parameters) {
        return sctpInitChunk(ip, srcPort, dstPort, peerInitiateTag, SctpChunk.INIT_ACK, initiateTag, aRwnd,
                outboundStreams, inboundStreams, initialTsn, parameters, cookie);
    }

    private ByteBuf sctpInitChunk(Ipv4Spec ip, int srcPort, int dstPort, int vtag, int chunkType, int initiateTag,
                                  long aRwnd, int os, int mis, long tsn, ByteBuf parameters, ByteBuf cookie) {
        int cookieLen = cookie == null ? 0 : 4 + cookie.readableBytes();
        int cookiePadded = (cookieLen + 3) & ~3;
        int paramLen = readable(parameters);
        int chunkLen = SctpInit.FIXED_LENGTH + cookiePadded + paramLen;
        int sctpLen = Sctp.HEADER_LENGTH + ((chunkLen + 3) & ~3);
        ByteBuf b = allocate(Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + sctpLen);
        int off = writeEthernet(b, b.readerIndex(), ip.dstMac, ip.srcMac, EtherType.IPV4);
        off = writeIpv4(b, off, ip, Ipv4.MIN_HEADER_LENGTH + sctpLen, IpProtocol.SCTP);
        sctp.wrap(b, off).srcPort(srcPort).dstPort(dstPort).verificationTag(vtag).checksum(0);
        int c = off + Sctp.HEADER_LENGTH;
        b.setByte(c, chunkType);
        b.setByte(c + 1, 0);
        b.setShort(c + 2, chunkLen);
        sctpInit.wrap(b, c).initiateTag(initiateTag).aRwnd(aRwnd).outboundStreams(os)
                .inboundStreams(mis).initialTsn(tsn);
        int p = c + SctpInit.FIXED_LENGTH;
        if (cookie != null) {
            b.setShort(p, SctpInit.PARAM_STATE_COOKIE);
            b.setShort(p + 2, cookieLen);
            b.setBytes(p + 4, cookie, cookie.readerIndex(), cookie.readableBytes());
            b.setZero(p + cookieLen, cookiePadded - cookieLen);
            p += cookiePadded;
        }
        copy(b, p, parameters);
        p += paramLen;
        b.setZero(p, off + sctpLen - p);
        sctp.updateChecksum(sctpLen, crc);
        return b;
    }

    /**
     * An SCTP packet with one ABORT chunk without error causes. {@code tBit} set means
     * {@code verificationTag} is our own tag reflected (RFC 9260 section 8.4 rule 3 and
     * {@code sctp_sf_tabort_8_4_8}: answering an out-of-the-blue packet); otherwise it is the
     * peer's tag.
     */
    public ByteBuf sctpAbort(Ipv4Spec ip, int srcPort, int dstPort, int verificationTag, boolean tBit) {
        int sctpLen = Sctp.HEADER_LENGTH + SctpAbort.FIXED_LENGTH;
        ByteBuf b = allocate(Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + sctpLen);
        int off = writeEthernet(b, b.readerIndex(), ip.dstMac, ip.srcMac, EtherType.IPV4);
        off = writeIpv4(b, off, ip, Ipv4.MIN_HEADER_LENGTH + sctpLen, IpProtocol.SCTP);
        sctp.wrap(b, off).srcPort(srcPort).dstPort(dstPort).verificationTag(verificationTag).checksum(0);
        int c = off + Sctp.HEADER_LENGTH;
        b.setByte(c, SctpChunk.ABORT);
        b.setByte(c + 1, tBit ? SctpChunk.FLAG_T : 0);
        b.setShort(c + 2, SctpAbort.FIXED_LENGTH);
        sctp.updateChecksum(sctpLen, crc);
        return b;
    }

    // ---------------------------------------------------------------- encapsulation

    /**
     * Outer ECN as {@code INET_ECN_encapsulate} computes it (include/net/inet_ecn.h): the outer
     * TOS keeps its DSCP and takes the inner ECN codepoint, except that CE inside becomes ECT(0)
     * outside (RFC 6040 normal mode).
     */
    public static int ecnEncapsulate(int outerTos, int innerTos) {
        int innerEcn = innerTos & Ipv4.ECN_MASK;
        return (outerTos & ~Ipv4.ECN_MASK) | (innerEcn == Ipv4.ECN_CE ? Ipv4.ECN_ECT_0 : innerEcn);
    }

    /**
     * VXLAN-encapsulates the Ethernet frame in {@code frame} (reader..writer index) in place:
     * outer Ethernet, IPv4, UDP and VXLAN headers (50 bytes) are written into the headroom and
     * the reader index moves back over them; the inner bytes are not copied. Mirrors
     * {@code vxlan_xmit_one} (drivers/net/vxlan/vxlan_core.c) with a device created without
     * options:
     * <ul>
     *   <li>outer DF clear: the device's {@code df} setting defaults to VXLAN_DF_UNSET
     *       ({@code df = 0} unless "df set" or "df inherit" is configured); set
     *       {@link VxlanSpec#df} to model those;</li>
     *   <li>TTL 64 ({@code ip4_dst_hoplimit}, since the device TTL is 0 and the remote is
     *       unicast); TOS 0 with the inner packet's ECN copied ({@link #ecnEncapsulate}), or the
     *       whole inner TOS with {@link #TOS_INHERIT};</li>
     *   <li>IP ID hashed ({@code iptunnel_xmit} always calls {@code __ip_select_ident});</li>
     *   <li>UDP checksum: computed unless {@link VxlanSpec#udpChecksum} is false. The kernel sets
     *       VXLAN_F_UDP_ZERO_CSUM_TX only when IFLA_VXLAN_UDP_CSUM=0 is given; flannel (through
     *       vishvananda/netlink, which omits the attribute unless UDPCSum is set) therefore sends
     *       checksummed outer UDP, while older iproute2 versions sent the attribute as 0 by
     *       default ("noudpcsum"), giving a zero checksum;</li>
     *   <li>VXLAN flags 0x08 (I), reserved fields zero.</li>
     * </ul>
     *
     * @return {@code frame}, with its reader index moved back by {@link Vxlan#IPV4_OVERHEAD}
     * @throws IllegalArgumentException if the frame has less headroom than that
     */
    public ByteBuf vxlanEncap(ByteBuf frame, VxlanSpec s) {
        return vxlanEncap(frame, s, false);
    }

    /**
     * As {@link #vxlanEncap(ByteBuf, VxlanSpec)}; {@code innerChecksumsValid} says the inner
     * frame is IPv4 whose header and TCP or UDP checksum are known to be right (the packet's
     * {@code Packet#csumUnnecessary()}). The outer UDP checksum is then derived as Linux's local
     * checksum offload does ({@code lco_csum}): the inner segment's sum is the complement of its
     * pseudo-header's, so only the headers in front of it are summed. The result is the checksum
     * over the whole datagram either way.
     */
    public ByteBuf vxlanEncap(ByteBuf frame, VxlanSpec s, boolean innerChecksumsValid) {
        int innerLen = frame.readableBytes();
        int innerStart = frame.readerIndex();
        int start = frame.readerIndex() - Vxlan.IPV4_OVERHEAD;
        if (start < 0) {
            throw new IllegalArgumentException("VXLAN encapsulation needs " + Vxlan.IPV4_OVERHEAD
                    + " bytes of headroom, frame has " + frame.readerIndex());
        }
        int innerTos = 0;
        if (innerLen >= Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH
                && frame.getUnsignedShort(frame.readerIndex() + Ethernet.ETHERTYPE_OFFSET) == EtherType.IPV4) {
            innerTos = frame.getUnsignedByte(frame.readerIndex() + Ethernet.HEADER_LENGTH + Ipv4.TOS_OFFSET);
        }
        int tos = s.tos == TOS_INHERIT ? innerTos : ecnEncapsulate(s.tos, innerTos);
        int udpLen = Udp.HEADER_LENGTH + Vxlan.HEADER_LENGTH + innerLen;
        eth.wrap(frame, start).dst(s.dstMac).src(s.srcMac).etherType(EtherType.IPV4);
        int ipOff = start + Ethernet.HEADER_LENGTH;
        ip.wrap(frame, ipOff).versionIhl(4, 5).tos(tos).totalLength(Ipv4.MIN_HEADER_LENGTH + udpLen).id(s.id)
                .flagsFragment(s.df ? Ipv4.FLAG_DF : 0).ttl(s.ttl).protocol(IpProtocol.UDP)
                .checksum(0).src(s.src).dst(s.dst).updateChecksum();
        int udpOff = ipOff + Ipv4.MIN_HEADER_LENGTH;
        Udp u = udp.wrap(frame, udpOff);
        u.srcPort(s.srcPort).dstPort(s.dstPort).length(udpLen).checksum(0);
        vxlan.wrap(frame, udpOff + Udp.HEADER_LENGTH).vni(s.vni).reserved2(0);
        if (s.gpeNextProtocol < 0) {
            vxlan.flags(Vxlan.FLAG_I).reserved1(0);
        } else {
            // vxlan_build_gpe_hdr: P flag and the next protocol in the last reserved byte.
            vxlan.flags(Vxlan.FLAG_I | Vxlan.FLAG_P).reserved1(s.gpeNextProtocol & 0xff);
        }
        if (s.udpChecksum) {
            long inner = innerChecksumsValid ? lcoInnerSum(frame, innerStart, innerLen) : -1;
            if (inner < 0) {
                u.updateChecksum(s.src, s.dst, udpLen);
            } else {
                long sum = Checksums.pseudoHeaderSum(s.src, s.dst, IpProtocol.UDP, udpLen);
                sum = Checksums.sum(frame, udpOff, Udp.HEADER_LENGTH + Vxlan.HEADER_LENGTH, sum + inner);
                int c = Checksums.fold(sum);
                u.checksum(c == 0 ? 0xffff : c);
            }
        }
        frame.readerIndex(start);
        return frame;
    }

    /**
     * The sum of an inner frame whose IPv4 header and TCP or UDP checksum are right, taking the
     * transport segment's sum as the complement of its pseudo-header's sum (what a right checksum
     * makes it); -1 when the frame is not such a datagram (not IPv4, a fragment, another
     * protocol, a UDP datagram without checksum, bytes after an odd-length datagram).
     */
    private long lcoInnerSum(ByteBuf f, int off, int len) {
        if (len < Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH
                || f.getUnsignedShort(off + Ethernet.ETHERTYPE_OFFSET) != EtherType.IPV4) {
            return -1;
        }
        Ipv4 in = ip2.wrap(f, off + Ethernet.HEADER_LENGTH);
        int hl = in.headerLength();
        int total = in.totalLength();
        int proto = in.protocol();
        int l4Len = total - hl;
        int ipEnd = off + Ethernet.HEADER_LENGTH + total;
        int end = off + len;
        if (hl < Ipv4.MIN_HEADER_LENGTH || l4Len < 0 || ipEnd > end || (in.flagsFragment() & 0x3fff) != 0
                || (proto != IpProtocol.TCP && proto != IpProtocol.UDP)
                || ((l4Len & 1) != 0 && ipEnd != end)) {
            return -1;
        }
        int l4 = off + Ethernet.HEADER_LENGTH + hl;
        if (proto == IpProtocol.UDP && (l4Len < Udp.HEADER_LENGTH || f.getUnsignedShort(l4 + 6) == 0)) {
            return -1;
        }
        long sum = Checksums.sum(f, off, Ethernet.HEADER_LENGTH + hl, 0);
        // The segment sums to the complement of its pseudo-header: ~fold(pseudo) before folding's complement.
        sum += Checksums.fold(Checksums.pseudoHeaderSum(in.src(), in.dst(), proto, l4Len));
        if (ipEnd < end) {
            sum = Checksums.sum(f, ipEnd, end - ipEnd, sum); // trailer after the datagram
        }
        return sum;
    }

    /**
     * IPIP-encapsulates the IPv4 packet in {@code packet} (reader..writer index, starting at the
     * inner IPv4 header: a tunnel device is layer 3) in place, pushing an outer IPv4 header and an
     * Ethernet header for the underlay device into the headroom. Mirrors {@code ip_tunnel_xmit}
     * (net/ipv4/ip_tunnel.c):
     * <ul>
     *   <li>TTL: the tunnel's, or the inner TTL when it is 0 ("inherit", the default of both
     *       {@code ip link add type ipip} and the fallback device {@code tunl0} that Calico
     *       uses);</li>
     *   <li>DF: the tunnel's fixed DF ({@code pmtudisc}: set by default for a netlink-created
     *       ipip device, clear on {@code tunl0}) ORed with the inner DF;</li>
     *   <li>TOS: the tunnel's (0 by default) with the inner ECN copied, or the inner TOS with
     *       {@link #TOS_INHERIT};</li>
     *   <li>IP ID hashed ({@code iptunnel_xmit}).</li>
     * </ul>
     *
     * @return {@code packet}, reader index moved back by 34 bytes
     */
    public ByteBuf ipipEncap(ByteBuf packet, IpipSpec s) {
        int start = packet.readerIndex() - Ethernet.HEADER_LENGTH - Ipv4.MIN_HEADER_LENGTH;
        if (start < 0) {
            throw new IllegalArgumentException("IPIP encapsulation needs 34 bytes of headroom, packet has "
                    + packet.readerIndex());
        }
        Ipv4 inner = ip2.wrap(packet, packet.readerIndex());
        int innerLen = packet.readableBytes();
        int tos = s.tos == TOS_INHERIT ? inner.tos() : ecnEncapsulate(s.tos, inner.tos());
        int ttl = s.ttl == 0 ? inner.ttl() : s.ttl;
        boolean df = s.pmtudisc || inner.dontFragment();
        eth.wrap(packet, start).dst(s.dstMac).src(s.srcMac).etherType(EtherType.IPV4);
        ip.wrap(packet, start + Ethernet.HEADER_LENGTH).versionIhl(4, 5).tos(tos)
                .totalLength(Ipv4.MIN_HEADER_LENGTH + innerLen).id(s.id)
                .flagsFragment(df ? Ipv4.FLAG_DF : 0).ttl(ttl).protocol(IpProtocol.IPIP)
                .checksum(0).src(s.src).dst(s.dst).updateChecksum();
        packet.readerIndex(start);
        return packet;
    }
}
