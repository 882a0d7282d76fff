package dev.podlab.bench;

import dev.podlab.net.Hook;

import dev.podlab.netfilter.conntrack.Conntrack;
import dev.podlab.netfilter.conntrack.ConntrackSysctls;
import dev.podlab.netfilter.conntrack.Nat;
import dev.podlab.netfilter.conntrack.PacketConntrack;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Frames;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.TcpSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.apache.commons.math3.random.Well19937c;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Per-packet cost of conntrack for a packet of an ESTABLISHED TCP connection in a table of
 * {@code entries} connections: {@code nf_conntrack_in} at PREROUTING (parse, lookup, TCP window
 * tracking, checksum verification, refresh) and confirm; and the same with the two NAT hooks
 * ({@code nf_nat_packet} at PREROUTING and POSTROUTING, null bindings). Each operation takes the
 * next of 4096 prebuilt ACKs of distinct connections, so lookups are not served from one hot entry.
 *
 * <p>Run: {@code mvn -q -Pbench test-compile exec:exec
 * -Dbench.args="ConntrackBench -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ConntrackBench {
    private static final int PACKETS = 4096;
    private static final long NOW = 1_000_000_000_000L;

    @Param({"1000", "100000"})
    int entries;

    private Conntrack conntrack;
    private Nat nat;
    private final ByteBuf[] acks = new ByteBuf[PACKETS];
    private final PacketConntrack skb = new PacketConntrack();
    private int next;

    @Setup
    public void setup() {
        conntrack = new Conntrack(new ConntrackSysctls(), new Well19937c(1));
        nat = conntrack.nat();
        Frames frames = new Frames(new UnpooledByteBufAllocator(false, true));
        Ipv4Spec c2s = new Ipv4Spec();
        Ipv4Spec s2c = new Ipv4Spec();
        TcpSpec spec = new TcpSpec();
        int server = 0x0a600001;
        int stride = Math.max(1, entries / PACKETS);
        int built = 0;
        for (int i = 0; i < entries; i++) {
            int client = 0x0af40000 + (i >>> 14);
            int port = 1024 + (i & 0x3fff);
            c2s.reset().addresses(client, server);
            s2c.reset().addresses(server, client);
            forward(frames.tcp(c2s, spec.reset().ports(port, 80).seq(1000).flags(Tcp.SYN).window(64240), null));
            forward(frames.tcp(s2c, spec.reset().ports(80, port).seq(5000).ack(1001).flags(Tcp.SYN | Tcp.ACK)
                    .window(64240), null));
            ByteBuf ack = frames.tcp(c2s, spec.reset().ports(port, 80).seq(1001).ack(5001).flags(Tcp.ACK)
                    .window(502), null);
            forward(ack.copy());
            if (i % stride == 0 && built < PACKETS) {
                acks[built++] = ack;
            }
        }
        for (int i = built; i < PACKETS; i++) {
            acks[i] = acks[i % built];
        }
        if (conntrack.table().count() != entries) {
            throw new IllegalStateException("table holds " + conntrack.table().count() + ", want " + entries);
        }
    }

    private void forward(ByteBuf frame) {
        int off = frame.readerIndex() + Ethernet.HEADER_LENGTH;
        PacketConntrack p = new PacketConntrack();
        conntrack.in(Hook.PREROUTING, frame, off, NOW, p);
        nat.manip(p, Hook.PREROUTING, frame, off, NOW);
        nat.manip(p, Hook.POSTROUTING, frame, off, NOW);
        conntrack.confirm(frame, off, NOW, p);
    }

    @Benchmark
    public int establishedHit() {
        ByteBuf f = acks[next++ & (PACKETS - 1)];
        int off = f.readerIndex() + Ethernet.HEADER_LENGTH;
        skb.reset();
        conntrack.in(Hook.PREROUTING, f, off, NOW, skb);
        conntrack.confirm(f, off, NOW, skb);
        return skb.ctinfo();
    }

    @Benchmark
    public int establishedHitWithNatHooks() {
        ByteBuf f = acks[next++ & (PACKETS - 1)];
        int off = f.readerIndex() + Ethernet.HEADER_LENGTH;
        skb.reset();
        conntrack.in(Hook.PREROUTING, f, off, NOW, skb);
        nat.manip(skb, Hook.PREROUTING, f, off, NOW);
        nat.manip(skb, Hook.POSTROUTING, f, off, NOW);
        conntrack.confirm(f, off, NOW, skb);
        return skb.ctinfo();
    }
}
