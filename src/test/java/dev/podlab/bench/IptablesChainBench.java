package dev.podlab.bench;

import dev.podlab.net.Hook;

import dev.podlab.netfilter.Iptables;
import dev.podlab.netfilter.NfVerdict;
import dev.podlab.netfilter.PacketContext;
import dev.podlab.netfilter.TableId;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Frames;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.TcpSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One TCP SYN through filter FORWARD ({@code Iptables.run}, the {@code ipt_do_table} walk):
 * <ul>
 *   <li>{@code linear}: {@code rules} non-matching rules {@code -s <distinct /32> -p tcp --dport 80
 *       -j ACCEPT}, then the matching one;</li>
 *   <li>{@code ipset}: the same sources in one hash:ip set of {@code rules} addresses, one rule
 *       {@code -p tcp -m set --match-set S src -m tcp --dport 80 -j ACCEPT}.</li>
 * </ul>
 * The context is reused, so the walk should allocate nothing ({@code -prof gc}).
 *
 * <p>Run: {@code mvn -q -Pbench test-compile exec:exec -Dbench.args="IptablesChainBench -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IptablesChainBench {
    @Param({"10", "1000", "10000"})
    int rules;

    private Iptables linear;
    private Iptables ipset;
    private PacketContext ctx;

    /** The i-th distinct source: 10.1.0.0 + i. */
    private static String source(int i) {
        return Ipv4Address.toString(Ipv4Address.of(10, 1, 0, 0) + i);
    }

    @Setup(Level.Trial)
    public void setUp() {
        StringBuilder lin = new StringBuilder("*filter\n:FORWARD DROP [0:0]\n");
        StringBuilder set = new StringBuilder("create S hash:ip family inet hashsize 16384 maxelem 65536\n");
        for (int i = 0; i < rules; i++) {
            lin.append("-A FORWARD -s ").append(source(i)).append("/32 -p tcp -m tcp --dport 80 -j ACCEPT\n");
            set.append("add S ").append(source(i)).append('\n');
        }
        String matching = "10.200.0.1";
        lin.append("-A FORWARD -s ").append(matching).append("/32 -p tcp -m tcp --dport 80 -j ACCEPT\nCOMMIT\n");
        set.append("add S ").append(matching).append('\n');
        linear = new Iptables();
        linear.restore(lin.toString());
        ipset = new Iptables();
        ipset.ipsets().restore(set.toString());
        ipset.restore("*filter\n:FORWARD DROP [0:0]\n-A FORWARD -p tcp -m set --match-set S src -m tcp --dport 80 -j ACCEPT\nCOMMIT\n");

        Frames frames = new Frames(UnpooledByteBufAllocator.DEFAULT);
        ByteBuf syn = frames.tcp(new Ipv4Spec().addresses(Ipv4Address.parse(matching), Ipv4Address.parse("10.244.1.5")),
                new TcpSpec().ports(40000, 80).flags(Tcp.SYN).window(64240), null);
        ctx = new PacketContext().packet(syn, syn.readerIndex() + Ethernet.HEADER_LENGTH)
                .interfaces("eth0", 2, "cni0", 3);
        if (linear.run(TableId.FILTER, Hook.FORWARD, ctx) != NfVerdict.ACCEPT
                || ipset.run(TableId.FILTER, Hook.FORWARD, ctx) != NfVerdict.ACCEPT) {
            throw new IllegalStateException("benchmark packet must be accepted by the last rule");
        }
    }

    @Benchmark
    public NfVerdict linear() {
        return linear.run(TableId.FILTER, Hook.FORWARD, ctx);
    }

    @Benchmark
    public NfVerdict ipset() {
        return ipset.run(TableId.FILTER, Hook.FORWARD, ctx);
    }
}
