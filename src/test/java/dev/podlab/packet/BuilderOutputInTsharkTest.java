package dev.podlab.packet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.capture.PcapngWriter;
import dev.podlab.testing.Tshark;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of frame podlab builds, written to a pcapng by podlab, opened by tshark with IP, TCP
 * and UDP checksum validation on: no malformed packet, no expert error, and tshark's dissection
 * names the protocols podlab meant.
 */
class BuilderOutputInTsharkTest {
    private static final long MAC_A = MacAddress.parse("0a:58:0a:f4:01:02");
    private static final long MAC_B = MacAddress.parse("0a:58:0a:f4:01:01");
    private static final int IP_A = Ipv4Address.of(10, 244, 1, 2);
    private static final int IP_B = Ipv4Address.of(10, 244, 2, 3);

    @TempDir
    Path dir;

    @Test
    void everyBuilderOutputIsCleanInTsharkWithChecksumValidation() throws Exception {
        Path file = dir.resolve("builders.pcapng");
        List<String> expectedProtocols = new ArrayList<>();
        Frames frames = TestFrames.heap();
        Ipv4Spec ip = new Ipv4Spec();
        TcpSpec tcp = new TcpSpec();
        try (PcapngWriter w = PcapngWriter.create(file)) {
            int eth = w.addInterface("node1/eth0", LinkType.ETHERNET);
            int tun = w.addInterface("node1/tunl0", LinkType.RAW);
            long t = 1_000;
            write(w, eth, t++, frames.arpRequest(MAC_A, IP_A, IP_B), expectedProtocols, "eth:ethertype:arp");
            write(w, eth, t++, frames.arpReply(MAC_B, IP_B, MAC_A, IP_A), expectedProtocols, "eth:ethertype:arp");
            write(w, eth, t++, frames.gratuitousArp(MAC_A, IP_A), expectedProtocols, "eth:ethertype:arp");

            ip.reset().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).id(0x1234);
            tcp.reset().ports(43512, 80).seq(1000).flags(Tcp.SYN).window(64240).mss(1460).sackPermitted(true)
                    .timestamps(11111, 0).windowScale(7);
            ByteBuf syn = frames.tcp(ip, tcp, null);
            write(w, eth, t++, syn, expectedProtocols, "eth:ethertype:ip:tcp");
            ip.reset().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).id(0x1235);
            tcp.reset().ports(43512, 80).seq(1001).ack(5001).flags(Tcp.PSH | Tcp.ACK).window(502)
                    .timestamps(11112, 22222);
            write(w, eth, t++, frames.tcp(ip, tcp, Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n",
                    StandardCharsets.US_ASCII)), expectedProtocols, "eth:ethertype:ip:tcp:http");
            write(w, eth, t++, frames.tcpResetFor(syn, syn.readerIndex() + Ethernet.HEADER_LENGTH, MAC_B, MAC_A),
                    expectedProtocols, "eth:ethertype:ip:tcp");

            ip.reset().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).df(false).id(0x2222);
            ByteBuf udp = frames.udp(ip, 40000, 9999, Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
            write(w, eth, t++, udp, expectedProtocols, "eth:ethertype:ip:udp:data");
            ByteBuf unreachable = frames.icmpError(MAC_B, MAC_A, IP_B, 0x3333, Icmp4.DEST_UNREACH,
                    Icmp4.PORT_UNREACH, 0, udp, udp.readerIndex() + Ethernet.HEADER_LENGTH,
                    udp.readableBytes() - Ethernet.HEADER_LENGTH, 1500);
            write(w, eth, t++, unreachable, expectedProtocols, "eth:ethertype:ip:icmp:ip:udp:data");
            ByteBuf fragNeeded = frames.icmpError(MAC_B, MAC_A, IP_B, 0x3334, Icmp4.DEST_UNREACH,
                    Icmp4.FRAG_NEEDED, 1450, syn, syn.readerIndex() + Ethernet.HEADER_LENGTH,
                    syn.readableBytes() - Ethernet.HEADER_LENGTH, 1500);
            write(w, eth, t++, fragNeeded, expectedProtocols, "eth:ethertype:ip:icmp:ip:tcp");

            ip.reset().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).id(0x4444);
            ByteBuf ping = frames.ping(ip, 77, 1, 5_000_000_000L);
            write(w, eth, t++, ping, expectedProtocols, "eth:ethertype:ip:icmp:data");
            write(w, eth, t++, frames.icmpEchoReplyTo(ping, ping.readerIndex() + Ethernet.HEADER_LENGTH, MAC_B,
                    MAC_A, 0x5555), expectedProtocols, "eth:ethertype:ip:icmp:data");

            ip.reset().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).id(0);
            write(w, eth, t++, frames.sctpInit(ip, 5000, 38412, 0x01020304, 106496, 10, 65535, 0x0a0b0c0d, null),
                    expectedProtocols, "eth:ethertype:ip:sctp");
            ip.reset().macs(MAC_B, MAC_A).addresses(IP_B, IP_A).id(0);
            write(w, eth, t++, frames.sctpInitAck(ip, 38412, 5000, 0x01020304, 0x05060708, 106496, 10, 10,
                            0x11121314, Unpooled.copiedBuffer(new byte[24]), null),
                    expectedProtocols, "eth:ethertype:ip:sctp");
            write(w, eth, t++, frames.sctpAbort(ip, 38412, 5000, 0x01020304, false),
                    expectedProtocols, "eth:ethertype:ip:sctp");

            // VXLAN on flannel's 8472 and on IANA's 4789, and IPIP (Calico) on a tunnel device.
            for (int port : new int[] {Vxlan.PORT_LINUX, Vxlan.PORT_IANA}) {
                ip.reset().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).id(0x6666);
                tcp.reset().ports(43512, 80).seq(1000).flags(Tcp.SYN).window(64240).mss(1410);
                ByteBuf inner = frames.tcp(ip, tcp, null);
                VxlanSpec vx = new VxlanSpec().macs(MacAddress.parse("52:54:00:12:34:11"),
                                MacAddress.parse("52:54:00:12:34:12"))
                        .addresses(Ipv4Address.of(192, 168, 1, 11), Ipv4Address.of(192, 168, 1, 12))
                        .vni(1).srcPort(51234).dstPort(port).id(0x7777);
                write(w, eth, t++, frames.vxlanEncap(inner, vx), expectedProtocols,
                        "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp");
            }
            ip.reset().macs(MAC_A, MAC_B).addresses(IP_A, IP_B).id(0x8888);
            ByteBuf inner = frames.udp(ip, 40000, 53, Unpooled.copiedBuffer(new byte[12]));
            inner.readerIndex(inner.readerIndex() + Ethernet.HEADER_LENGTH);
            ByteBuf ipip = frames.ipipEncap(inner, new IpipSpec().macs(MAC_A, MAC_B)
                    .addresses(Ipv4Address.of(192, 168, 1, 11), Ipv4Address.of(192, 168, 1, 12)).id(0x9999));
            // On the tunnel device the capture starts at the outer IPv4 header (LINKTYPE_RAW).
            ipip.readerIndex(ipip.readerIndex() + Ethernet.HEADER_LENGTH);
            write(w, tun, t++, ipip, expectedProtocols, "raw:ip:ip:udp:dns");
        }

        List<String> errors = Tshark.expertErrors(file, "-o", "ip.check_checksum:TRUE",
                "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                "-o", "sctp.checksum:CRC-32C", "-d", "udp.port==8472,vxlan");
        assertThat(errors).as("tshark expert errors").isEmpty();

        List<String> got = Tshark.run(file, "-d", "udp.port==8472,vxlan", "-T", "fields", "-e", "frame.protocols");
        // tshark 4.0 names the tunnel link type "raw"; the rest are Ethernet.
        assertThat(got).as("protocols tshark found, frame by frame").hasSameSizeAs(expectedProtocols);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i)).as("frame %d", i + 1).isEqualTo(expectedProtocols.get(i));
        }
    }

    private static void write(PcapngWriter w, int itf, long t, ByteBuf frame, List<String> expected,
                              String protocols) throws IOException {
        w.writePacket(itf, t, frame, frame.readerIndex(), frame.readableBytes(), frame.readableBytes());
        expected.add(protocols);
    }
}
