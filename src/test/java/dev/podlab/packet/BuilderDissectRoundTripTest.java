package dev.podlab.packet;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Builder output re-dissected (with checksum verification) gives back the layers and fields
 * that were built, and no problem flags.
 */
class BuilderDissectRoundTripTest {
    static final long MAC_A = MacAddress.parse("02:42:0a:f4:01:02");
    static final long MAC_B = MacAddress.parse("02:42:0a:f4:02:03");
    static final int IP_A = Ipv4Address.parse("10.244.1.2");
    static final int IP_B = Ipv4Address.parse("10.244.2.3");
    static final Frames FRAMES = TestFrames.heap();

    static Ipv4Spec ip() {
        return new Ipv4Spec().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).id(99);
    }

    static Stream<Arguments> frames() {
        return Stream.of(
            Arguments.of("ARP request", (Function<Frames, ByteBuf>) f -> f.arpRequest(MAC_A, IP_A, IP_B), "ETH/ARP/-", 0),
            Arguments.of("gratuitous ARP", (Function<Frames, ByteBuf>) f -> f.gratuitousArp(MAC_A, IP_A), "ETH/ARP/-", 0),
            Arguments.of("TCP SYN", (Function<Frames, ByteBuf>) f -> f.tcp(ip(),
                    new TcpSpec().linuxSyn(40000, 80, 1, 1460, 7, 64240, 7), null), "ETH/IPv4/TCP", 0),
            Arguments.of("TCP data", (Function<Frames, ByteBuf>) f -> f.tcp(ip(),
                    new TcpSpec().ports(40000, 80).seq(2).ack(3).flags(Tcp.ACK | Tcp.PSH).window(500).timestamps(8, 9),
                    Unpooled.wrappedBuffer(new byte[333])), "ETH/IPv4/TCP", 333),
            Arguments.of("UDP", (Function<Frames, ByteBuf>) f -> f.udp(ip(), 1, 53, Unpooled.wrappedBuffer(new byte[41])),
                    "ETH/IPv4/UDP", 41),
            Arguments.of("ping", (Function<Frames, ByteBuf>) f -> f.ping(ip(), 5, 6, 123_000_000_000L), "ETH/IPv4/ICMP", 56),
            Arguments.of("ICMP port unreachable", (Function<Frames, ByteBuf>) f -> {
                ByteBuf off = f.udp(ip(), 1, 2, Unpooled.wrappedBuffer(new byte[10]));
                return f.icmpError(MAC_B, MAC_A, IP_B, 1, Icmp4.DEST_UNREACH, Icmp4.PORT_UNREACH, 0, off,
                        off.readerIndex() + 14, 38, 1500);
            }, "ETH/IPv4/ICMP", 38),
            Arguments.of("SCTP INIT", (Function<Frames, ByteBuf>) f -> f.sctpInit(ip(), 1, 2, 3, 4, 5, 6, 7, null),
                    "ETH/IPv4/SCTP", 20),
            Arguments.of("SCTP ABORT", (Function<Frames, ByteBuf>) f -> f.sctpAbort(ip(), 1, 2, 3, true), "ETH/IPv4/SCTP", 4),
            Arguments.of("VXLAN(TCP)", (Function<Frames, ByteBuf>) f -> f.vxlanEncap(
                    f.tcp(ip(), new TcpSpec().ports(1, 2).flags(Tcp.ACK), Unpooled.wrappedBuffer(new byte[7])),
                    new VxlanSpec().addresses(0x0a000001, 0x0a000002).srcPort(40000).vni(42)),
                    "ETH/IPv4/UDP vxlan:42 | ETH/IPv4/TCP", 7),
            Arguments.of("VXLAN without UDP checksum", (Function<Frames, ByteBuf>) f -> f.vxlanEncap(
                    f.arpRequest(MAC_A, IP_A, IP_B),
                    new VxlanSpec().addresses(1, 2).dstPort(Vxlan.PORT_IANA).vni(7).udpChecksum(false)),
                    "ETH/IPv4/UDP vxlan:7 | ETH/ARP/-", 0),
            Arguments.of("IPIP(UDP)", (Function<Frames, ByteBuf>) f -> {
                ByteBuf in = f.udp(ip(), 1, 2, Unpooled.wrappedBuffer(new byte[5]));
                in.skipBytes(14);
                return f.ipipEncap(in, new IpipSpec().addresses(0x0a000001, 0x0a000002));
            }, "ETH/IPv4/OTHER ipip | -/IPv4/UDP", 5));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void builtFrameDissectsCleanly(String name, Function<Frames, ByteBuf> build, String want, int payload) {
        ByteBuf f = build.apply(FRAMES);
        Layers l = new Dissector(true, Vxlan.PORT_IANA, Vxlan.PORT_LINUX)
                .dissect(f, f.readerIndex(), f.readableBytes(), LinkType.ETHERNET, new Layers());
        assertThat(DissectorTest.summary(l)).as("layers (%s)", DissectorTest.problems(l)).isEqualTo(want);
        assertThat(l.payloadLength(l.innermost())).as("payload bytes").isEqualTo(payload);
        assertThat(l.l2Offset(0)).isEqualTo(f.readerIndex());
        if (l.l3Kind(l.innermost()) == Layers.L3_IPV4) {
            Ipv4 ipv4 = new Ipv4().wrap(f, l.l3Offset(l.innermost()));
            assertThat(ipv4.totalLength()).isEqualTo(l.l3End(l.innermost()) - l.l3Offset(l.innermost()));
        }
    }
}
