package dev.podlab.apps;

import dev.podlab.net.NetNamespace;
import dev.podlab.packet.EtherType;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Frames;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.packet.Sctp;
import dev.podlab.packet.SctpChunk;
import dev.podlab.packet.SctpInit;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.zip.CRC32C;

/**
 * What Linux's SCTP puts around its chunks, shared by {@link SctpClient} and {@link SctpServer}:
 * the IPv4 header of {@code sctp_v4_xmit} and the INIT parameters of {@code sctp_make_init} with
 * default sysctls, and a builder for the one-chunk packets {@link Frames} has no method for.
 */
final class SctpPackets {
    /**
     * {@code a_rwnd}: half of the socket's receive buffer, {@code sk_rcvbuf} being
     * {@code net.core.rmem_default} = 212992 ({@code sctp_association_init}).
     */
    static final long A_RWND = 106496;
    /** {@code SCTP_DEFAULT_OUTSTREAMS}. */
    static final int OUTBOUND_STREAMS = 10;
    /** {@code SCTP_DEFAULT_INSTREAMS} = SCTP_MAX_STREAM. */
    static final int INBOUND_STREAMS = 65535;
    /** {@code net.sctp.rto_initial}, {@code rto_max}, {@code max_init_retransmits}, {@code valid_cookie_life}. */
    static final long RTO_INITIAL = 3_000_000_000L;
    static final long RTO_MAX = 60_000_000_000L;
    static final int MAX_INIT_RETRANSMITS = 8;
    static final long VALID_COOKIE_LIFE = 60_000_000_000L;

    private SctpPackets() {}

    /**
     * The IPv4 header fields of an SCTP packet: {@code sctp_packet_transmit} sets ECT(0) on every
     * packet ("setting the ECT bit all the time"), PMTU discovery makes the socket
     * IP_PMTUDISC_DO (DF, not ignored) and an SCTP socket has no {@code inet_daddr}, so the ID is 0.
     */
    static Ipv4Spec ipv4(NetNamespace ns, int src, int dst) {
        return new Ipv4Spec().addresses(src, dst).tos(Ipv4.ECN_ECT_0).df(true).id(0).ttl(ns.sysctl().defaultTtl);
    }

    /**
     * INIT parameters of {@code sctp_make_init} for an IPv4 socket with one address and default
     * sysctls (ecn_enable 1, prsctp_enable 1; ASCONF, RE-CONFIG, I-DATA and AUTH off, so no
     * Supported Extensions): no address parameter ("don't even bother embedding an address if
     * there is only one"), Supported Address Types {IPv4} (6 bytes, padded), ECN Capable,
     * Forward-TSN Supported.
     */
    static ByteBuf initParameters() {
        ByteBuf p = Unpooled.buffer(16);
        p.writeShort(SctpInit.PARAM_SUPPORTED_ADDRESS_TYPES).writeShort(6).writeShort(SctpInit.PARAM_IPV4_ADDRESS)
                .writeShort(0);
        p.writeShort(SctpInit.PARAM_ECN_CAPABLE).writeShort(4);
        p.writeShort(SctpInit.PARAM_FORWARD_TSN_SUPPORTED).writeShort(4);
        return p;
    }

    /** A packet of one chunk with {@code value} after the chunk header; CRC32c computed. */
    static ByteBuf oneChunk(Ipv4Spec ip, int srcPort, int dstPort, int vtag, int type, int flags, byte[] value) {
        int chunkLen = SctpChunk.HEADER_LENGTH + value.length;
        int sctpLen = Sctp.HEADER_LENGTH + ((chunkLen + 3) & ~3);
        int ipLen = Ipv4.MIN_HEADER_LENGTH + sctpLen;
        ByteBuf b = Unpooled.buffer(Frames.DEFAULT_HEADROOM + Ethernet.HEADER_LENGTH + ipLen);
        b.writerIndex(Frames.DEFAULT_HEADROOM + Ethernet.HEADER_LENGTH + ipLen);
        b.readerIndex(Frames.DEFAULT_HEADROOM);
        int off = Frames.DEFAULT_HEADROOM;
        new Ethernet().wrap(b, off).dst(ip.dstMac()).src(ip.srcMac()).etherType(EtherType.IPV4);
        off += Ethernet.HEADER_LENGTH;
        new Ipv4().wrap(b, off).versionIhl(4, 5).tos(ip.tos()).totalLength(ipLen).id(ip.id())
                .flagsFragment(ip.df() ? Ipv4.FLAG_DF : 0).ttl(ip.ttl()).protocol(IpProtocol.SCTP).checksum(0)
                .src(ip.src()).dst(ip.dst()).updateChecksum();
        off += Ipv4.MIN_HEADER_LENGTH;
        Sctp sctp = new Sctp().wrap(b, off).srcPort(srcPort).dstPort(dstPort).verificationTag(vtag).checksum(0);
        int c = off + Sctp.HEADER_LENGTH;
        b.setByte(c, type);
        b.setByte(c + 1, flags);
        b.setShort(c + 2, chunkLen);
        b.setBytes(c + SctpChunk.HEADER_LENGTH, value);
        b.setZero(c + chunkLen, off + sctpLen - (c + chunkLen));
        sctp.updateChecksum(sctpLen, new CRC32C());
        return b;
    }

    static void send(NetNamespace ns, ByteBuf frame) {
        ns.stack().send(new Packet(frame, LinkType.ETHERNET).id(ns.network().nextPacketId())
                .timestampNs(ns.network().sim().now()));
    }

    static String chunkName(int type) {
        return switch (type) {
            case SctpChunk.INIT -> "INIT";
            case SctpChunk.INIT_ACK -> "INIT ACK";
            case SctpChunk.ABORT -> "ABORT";
            case SctpChunk.COOKIE_ECHO -> "COOKIE ECHO";
            case SctpChunk.COOKIE_ACK -> "COOKIE ACK";
            case SctpChunk.SHUTDOWN -> "SHUTDOWN";
            case SctpChunk.SHUTDOWN_ACK -> "SHUTDOWN ACK";
            case SctpChunk.SHUTDOWN_COMPLETE -> "SHUTDOWN COMPLETE";
            case SctpChunk.HEARTBEAT -> "HEARTBEAT";
            case SctpChunk.DATA -> "DATA";
            case SctpChunk.SACK -> "SACK";
            default -> "chunk type " + type;
        };
    }
}
