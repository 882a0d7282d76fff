package dev.podlab.netfilter.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.net.Hook;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Frames;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.TcpSpec;
import dev.podlab.packet.TestFrames;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.function.Function;
import org.apache.commons.math3.random.Well19937c;

/**
 * An embedded harness: a Linux router's netfilter path around one {@link Conntrack}, driven by a
 * manual virtual clock. {@link #forward} runs a frame through PREROUTING (conntrack in, nat DNAT)
 * and POSTROUTING (nat SNAT, confirm) as a forwarding node does; the nat "rules" are functions
 * returning a {@link NatRange} (or null when no rule matches).
 */
final class ConntrackHarness {
    static final long SECOND = 1_000_000_000L;
    static final int WINDOW = 64240;

    final Frames frames = TestFrames.heap();
    final Conntrack conntrack;
    long now = 1_000 * SECOND;
    Function<ConntrackEntry, NatRange> dnat = ct -> null;
    Function<ConntrackEntry, NatRange> snat = ct -> null;
    /** When set, SNAT rules are MASQUERADE to this address (the out interface's primary address). */
    int masqueradeAddress;
    Verdict lastVerdict;

    ConntrackHarness() {
        this(new ConntrackSysctls());
    }

    ConntrackHarness(ConntrackSysctls sysctls) {
        this.conntrack = new Conntrack(sysctls, new Well19937c(42));
    }

    static int ip(String dotted) {
        return Ipv4Address.parse(dotted);
    }

    void advance(double seconds) {
        now += Math.round(seconds * SECOND);
    }

    static int ipOffset(ByteBuf frame) {
        return frame.readerIndex() + Ethernet.HEADER_LENGTH;
    }

    /** PREROUTING -> FORWARD -> POSTROUTING on a router. Returns the packet's conntrack. */
    PacketConntrack forward(ByteBuf frame) {
        return forward(frame, false);
    }

    /** As {@link #forward(ByteBuf)}, the packet's checksum state given ({@code skb_csum_unnecessary}). */
    PacketConntrack forward(ByteBuf frame, boolean csumUnnecessary) {
        PacketConntrack skb = new PacketConntrack().csumUnnecessary(csumUnnecessary);
        int off = ipOffset(frame);
        lastVerdict = conntrack.in(Hook.PREROUTING, frame, off, now, skb);
        if (lastVerdict == Verdict.DROP) {
            return skb;
        }
        lastVerdict = natHook(Hook.PREROUTING, frame, skb);
        if (lastVerdict == Verdict.DROP) {
            return skb;
        }
        lastVerdict = natHook(Hook.POSTROUTING, frame, skb);
        if (lastVerdict == Verdict.DROP) {
            return skb;
        }
        lastVerdict = conntrack.confirm(frame, off, now, skb);
        return skb;
    }

    /** A locally generated packet: OUTPUT (conntrack, DNAT) then POSTROUTING (SNAT, confirm). */
    PacketConntrack output(ByteBuf frame) {
        PacketConntrack skb = new PacketConntrack();
        int off = ipOffset(frame);
        lastVerdict = conntrack.in(Hook.OUTPUT, frame, off, now, skb);
        if (lastVerdict == Verdict.PASS) {
            lastVerdict = natHook(Hook.OUTPUT, frame, skb);
        }
        if (lastVerdict == Verdict.PASS) {
            lastVerdict = natHook(Hook.POSTROUTING, frame, skb);
        }
        if (lastVerdict == Verdict.PASS) {
            lastVerdict = conntrack.confirm(frame, off, now, skb);
        }
        return skb;
    }

    private Verdict natHook(Hook hook, ByteBuf frame, PacketConntrack skb) {
        Nat nat = conntrack.nat();
        if (nat.needsBinding(skb, hook)) {
            ConntrackEntry ct = skb.entry();
            NatRange r = (NatType.forHook(hook) == NatType.DNAT ? dnat : snat).apply(ct);
            if (r != null) {
                Verdict v = NatType.forHook(hook) == NatType.SNAT && masqueradeAddress != 0
                        ? nat.masquerade(ct, r, masqueradeAddress, 2, now)
                        : nat.setupNat(ct, NatType.forHook(hook), r, now);
                if (v == Verdict.DROP) {
                    return v;
                }
            }
        }
        return nat.manip(skb, hook, frame, ipOffset(frame), now);
    }

    // ------------------------------------------------------------------ packets

    ByteBuf tcp(String src, int sport, String dst, int dport, int flags, long seq, long ack) {
        return tcp(src, sport, dst, dport, flags, seq, ack, 0);
    }

    ByteBuf tcp(String src, int sport, String dst, int dport, int flags, long seq, long ack, int payload) {
        Ipv4Spec ipSpec = new Ipv4Spec().macs(0x020000000001L, 0x020000000002L).addresses(ip(src), ip(dst));
        TcpSpec spec = new TcpSpec().ports(sport, dport).seq(seq).ack(ack).flags(flags).window(WINDOW);
        if ((flags & Tcp.SYN) != 0) {
            spec.mss(1460).sackPermitted(true).windowScale(7);
        }
        ByteBuf data = payload == 0 ? null : Unpooled.wrappedBuffer(new byte[payload]);
        return frames.tcp(ipSpec, spec, data);
    }

    ByteBuf udp(String src, int sport, String dst, int dport, int payload) {
        Ipv4Spec ipSpec = new Ipv4Spec().macs(0x020000000001L, 0x020000000002L).addresses(ip(src), ip(dst));
        return frames.udp(ipSpec, sport, dport, Unpooled.wrappedBuffer(new byte[payload]));
    }

    ByteBuf echo(String src, String dst, int type, int id, int seq) {
        Ipv4Spec ipSpec = new Ipv4Spec().macs(0x020000000001L, 0x020000000002L).addresses(ip(src), ip(dst));
        return frames.icmpEcho(ipSpec, type, id, seq, Unpooled.wrappedBuffer(new byte[56]));
    }

    /** An ICMP error from {@code from} quoting the packet in {@code offending}. */
    ByteBuf icmpError(String from, int type, int code, ByteBuf offending) {
        int off = ipOffset(offending);
        int len = offending.writerIndex() - off;
        return frames.icmpError(0x020000000003L, 0x020000000004L, ip(from), 0, type, code, 0, offending, off, len,
                1500);
    }

    // ------------------------------------------------------------------ TCP conversation

    /** A client/server pair with running sequence numbers. */
    final class TcpConversation {
        final String client;
        final int cport;
        final String server;
        final int sport;
        long cseq = 1_000_000;
        long sseq = 5_000_000;

        TcpConversation(String client, int cport, String server, int sport) {
            this.client = client;
            this.cport = cport;
            this.server = server;
            this.sport = sport;
        }

        /** A client segment (to the address the client uses) with {@code payload} data bytes. */
        PacketConntrack fromClient(int flags, int payload) {
            ByteBuf f = tcp(client, cport, server, sport, flags, cseq, (flags & Tcp.ACK) != 0 ? sseq : 0, payload);
            cseq += payload + ((flags & (Tcp.SYN | Tcp.FIN)) != 0 ? 1 : 0);
            return forward(f);
        }

        /**
         * A server segment, addressed to {@code replyDst}:{@code replyDport} from
         * {@code replySrc}:{@code replySport} (what the server sees after NAT).
         */
        PacketConntrack fromServer(String replySrc, int replySport, String replyDst, int replyDport, int flags,
                                   int payload) {
            ByteBuf f = tcp(replySrc, replySport, replyDst, replyDport, flags, sseq, (flags & Tcp.ACK) != 0 ? cseq : 0,
                    payload);
            sseq += payload + ((flags & (Tcp.SYN | Tcp.FIN)) != 0 ? 1 : 0);
            return forward(f);
        }

        PacketConntrack fromServer(int flags, int payload) {
            return fromServer(server, sport, client, cport, flags, payload);
        }

        void handshake() {
            assertThat(fromClient(Tcp.SYN, 0).stateName()).isEqualTo("NEW");
            assertThat(fromServer(Tcp.SYN | Tcp.ACK, 0).stateName()).isEqualTo("ESTABLISHED");
            assertThat(fromClient(Tcp.ACK, 0).stateName()).isEqualTo("ESTABLISHED");
        }
    }

    TcpConversation conversation(String client, int cport, String server, int sport) {
        return new TcpConversation(client, cport, server, sport);
    }

    ConntrackEntry lookup(int protocol, String src, int sport, String dst, int dport) {
        return conntrack.table().lookup(Tuple.of(protocol, ip(src), ip(dst), sport, dport), now);
    }

    ConntrackEntry lookupTcp(String src, int sport, String dst, int dport) {
        return lookup(IpProtocol.TCP, src, sport, dst, dport);
    }

    String line(ConntrackEntry ct) {
        return ConntrackListing.line(ct, now);
    }

    // ------------------------------------------------------------------ independent checksum checks

    /** RFC 1071 sum over bytes, written out here so as not to test Checksums with itself. */
    static int onesComplementSum(ByteBuf b, int off, int len, int initial) {
        long sum = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += ((b.getByte(off + i) & 0xff) << 8) | (b.getByte(off + i + 1) & 0xff);
        }
        if ((len & 1) != 0) {
            sum += (b.getByte(off + len - 1) & 0xff) << 8;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) sum;
    }

    /** True when the IPv4 header at {@code off} sums to 0xffff. */
    static boolean ipChecksumOk(ByteBuf b, int off) {
        int hl = (b.getByte(off) & 0x0f) * 4;
        return onesComplementSum(b, off, hl, 0) == 0xffff;
    }

    /** True when the TCP or UDP segment of the IPv4 datagram at {@code off} verifies (UDP 0 = none). */
    static boolean l4ChecksumOk(ByteBuf b, int off, int datagramLength) {
        int hl = (b.getByte(off) & 0x0f) * 4;
        int proto = b.getByte(off + 9) & 0xff;
        int l4 = off + hl;
        int l4len = datagramLength - hl;
        if (proto == IpProtocol.UDP && b.getUnsignedShort(l4 + 6) == 0) {
            return true;
        }
        int pseudo = 0;
        for (int i = 12; i < 20; i += 2) {
            pseudo += b.getUnsignedShort(off + i);
        }
        pseudo += proto + l4len;
        return onesComplementSum(b, l4, l4len, pseudo) == 0xffff;
    }

    /** True when the whole ICMP message of the datagram at {@code off} verifies. */
    static boolean icmpChecksumOk(ByteBuf b, int off) {
        int hl = (b.getByte(off) & 0x0f) * 4;
        int total = b.getUnsignedShort(off + 2);
        return onesComplementSum(b, off + hl, total - hl, 0) == 0xffff;
    }

    static int src(ByteBuf frame) {
        return frame.getInt(ipOffset(frame) + Ipv4.SRC_OFFSET);
    }

    static int dst(ByteBuf frame) {
        return frame.getInt(ipOffset(frame) + Ipv4.DST_OFFSET);
    }

    static int l4(ByteBuf frame) {
        return ipOffset(frame) + Ipv4.MIN_HEADER_LENGTH;
    }

    static int sport(ByteBuf frame) {
        return frame.getUnsignedShort(l4(frame));
    }

    static int dport(ByteBuf frame) {
        return frame.getUnsignedShort(l4(frame) + 2);
    }

    /** Offset of the IPv4 header quoted in the ICMP error in {@code frame}. */
    static int quotedIp(ByteBuf frame) {
        return l4(frame) + Icmp4.HEADER_LENGTH;
    }
}
