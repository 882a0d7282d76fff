package dev.podlab.bench;

import dev.podlab.packet.Dissector;
import dev.podlab.packet.Frames;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.Layers;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.MacAddress;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.TcpSpec;
import dev.podlab.packet.UdpTunnel;
import dev.podlab.packet.Vxlan;
import dev.podlab.packet.VxlanSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Dissecting one flannel-style VXLAN packet: Ethernet / IPv4 / UDP 8472 / VXLAN / Ethernet /
 * IPv4 / TCP (with timestamps), pre-built in a pooled direct buffer as the emulator's wires carry
 * it. Goal: at most 50 ns per packet and no allocation.
 *
 * <pre>mvn -q -Pbench test-compile exec:exec -Dbench.args="DissectBench -prof gc -f 1 -wi 3 -i 5 -w 1s -r 1s"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DissectBench {
    /** Verify IPv4/TCP/UDP checksums too (a full pass over the payload). */
    @Param({"false", "true"})
    boolean verifyChecksums;

    private ByteBuf frame;
    private int offset;
    private int length;
    private Dissector dissector;
    private final Layers layers = new Layers();

    @Setup
    public void setUp() {
        Frames frames = new Frames(PooledByteBufAllocator.DEFAULT);
        int podA = Ipv4Address.parse("10.244.1.2");
        int podB = Ipv4Address.parse("10.244.2.3");
        TcpSpec tcp = new TcpSpec().ports(43512, 8080).seq(1000).ack(2000).flags(Tcp.ACK | Tcp.PSH).window(502)
                .timestamps(123456, 654321);
        ByteBuf payload = io.netty.buffer.Unpooled.wrappedBuffer(new byte[100]);
        frame = frames.tcp(new Ipv4Spec().macs(MacAddress.parse("02:42:0a:f4:01:02"), MacAddress.parse("0a:58:0a:f4:01:01"))
                .addresses(podA, podB).id(7), tcp, payload);
        int sport = UdpTunnel.sourcePort(UdpTunnel.flowHash(podA, podB, 6, 43512, 8080, 1), 0, 0);
        frames.vxlanEncap(frame, new VxlanSpec().macs(MacAddress.parse("52:54:00:00:00:01"),
                MacAddress.parse("52:54:00:00:00:02")).addresses(Ipv4Address.parse("192.168.56.11"),
                Ipv4Address.parse("192.168.56.12")).id(99).srcPort(sport).dstPort(Vxlan.PORT_LINUX).vni(1));
        offset = frame.readerIndex();
        length = frame.readableBytes();
        dissector = new Dissector(verifyChecksums, Vxlan.PORT_IANA, Vxlan.PORT_LINUX);
        dissector.dissect(frame, offset, length, LinkType.ETHERNET, layers);
        if (layers.levels() != 2 || layers.l4Kind(1) != Layers.L4_TCP || !layers.clean()) {
            throw new IllegalStateException("benchmark packet does not dissect as VXLAN/TCP");
        }
    }

    @TearDown
    public void tearDown() {
        frame.release();
    }

    @Benchmark
    public int dissectVxlanTcp() {
        dissector.dissect(frame, offset, length, LinkType.ETHERNET, layers);
        return layers.l4Offset(1);
    }
}
