package dev.podlab.netfilter;

import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Frames;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.TcpSpec;
import dev.podlab.packet.TestFrames;
import io.netty.buffer.ByteBuf;

/** Test frames built with {@link Frames}, wrapped in a {@link PacketContext}. */
final class TestPackets {
    private static final Frames FRAMES = TestFrames.heap();

    private TestPackets() {}

    static Ipv4Spec ip(String src, String dst) {
        return new Ipv4Spec().addresses(Ipv4Address.parse(src), Ipv4Address.parse(dst));
    }

    static ByteBuf tcp(String src, int sport, String dst, int dport, int flags) {
        return FRAMES.tcp(ip(src, dst), new TcpSpec().ports(sport, dport).flags(flags).window(64240), null);
    }

    static ByteBuf syn(String src, int sport, String dst, int dport) {
        return tcp(src, sport, dst, dport, Tcp.SYN);
    }

    static ByteBuf udp(String src, int sport, String dst, int dport) {
        return FRAMES.udp(ip(src, dst), sport, dport, null);
    }

    static ByteBuf ping(String src, String dst) {
        return FRAMES.icmpEcho(ip(src, dst), Icmp4.ECHO, 1, 1, null);
    }

    /** A context over {@code frame}'s IPv4 header (after the 14-byte Ethernet header). */
    static PacketContext ctx(ByteBuf frame) {
        return new PacketContext().packet(frame, frame.readerIndex() + Ethernet.HEADER_LENGTH);
    }

    static PacketContext ctx(ByteBuf frame, String in, String out) {
        return ctx(frame).interfaces(in, 2, out, 3);
    }
}
