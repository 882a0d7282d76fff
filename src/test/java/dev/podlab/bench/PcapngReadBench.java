package dev.podlab.bench;

import dev.podlab.capture.CaptureReader;
import dev.podlab.capture.CaptureRecord;
import dev.podlab.capture.PcapngWriter;
import dev.podlab.packet.Dissector;
import dev.podlab.packet.Layers;
import dev.podlab.packet.LinkType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Reading speed of the pcapng reader: a file of 1,000,000 small packets (64-byte
 * Ethernet/IPv4/UDP frames on two interfaces, as podlab's writer produces them) is read from
 * disk (page cache) record by record. The score is packets per second (one operation = one
 * packet). Goal: at least 5 million packets/s, with no allocation per packet ({@code -prof gc}).
 *
 * <pre>mvn -q -Pbench test-compile exec:exec -Dbench.args="PcapngReadBench -f 1 -wi 2 -i 3 -prof gc"</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
public class PcapngReadBench {
    static final int PACKETS = 1_000_000;
    static final int FRAME_LENGTH = 64;

    private Path file;

    @Setup(Level.Trial)
    public void writeCapture() throws IOException {
        file = Files.createTempFile("podlab-bench-", ".pcapng");
        ByteBuf frame = Unpooled.wrappedBuffer(frame());
        try (PcapngWriter writer = PcapngWriter.create(file)) {
            int a = writer.addInterface("node1/eth0", LinkType.ETHERNET);
            int b = writer.addInterface("node1/flannel.1", LinkType.ETHERNET);
            long t = 1_700_000_000_000_000_000L;
            for (int i = 0; i < PACKETS; i++) {
                writer.writePacket((i & 1) == 0 ? a : b, t + 1_000L * i, frame, FRAME_LENGTH);
            }
        }
    }

    /** Ethernet II / IPv4 / UDP, 64 bytes: 10.244.1.2:40000 to 10.244.2.3:5001, 22 bytes of payload. */
    private static byte[] frame() {
        byte[] f = new byte[FRAME_LENGTH];
        byte[] macs = {0x0a, 0x58, 0x0a, (byte) 0xf4, 0x02, 0x03, 0x0a, 0x58, 0x0a, (byte) 0xf4, 0x01, 0x02};
        System.arraycopy(macs, 0, f, 0, 12);
        f[12] = 0x08;
        f[14] = 0x45;
        f[17] = (byte) (FRAME_LENGTH - 14);
        f[22] = 64;
        f[23] = 17;
        byte[] addrs = {10, (byte) 244, 1, 2, 10, (byte) 244, 2, 3};
        System.arraycopy(addrs, 0, f, 26, 8);
        f[34] = (byte) (40000 >> 8);
        f[35] = (byte) 40000;
        f[36] = (byte) (5001 >> 8);
        f[37] = (byte) 5001;
        f[39] = (byte) (FRAME_LENGTH - 34);
        return f;
    }

    @TearDown(Level.Trial)
    public void deleteCapture() throws IOException {
        Files.deleteIfExists(file);
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long readAllPackets(Blackhole bh) throws IOException {
        long count = 0;
        try (CaptureReader reader = CaptureReader.open(file)) {
            CaptureRecord rec = new CaptureRecord();
            while (reader.next(rec)) {
                bh.consume(rec.timestampNs());
                bh.consume(rec.interfaceIndex());
                bh.consume(rec.data().getByte(23));
                count++;
            }
        }
        if (count != PACKETS) {
            throw new IllegalStateException("read " + count + " packets, want " + PACKETS);
        }
        return count;
    }

    /**
     * Read and decode: every record also goes through the {@link Dissector} (Ethernet, IPv4, UDP
     * with checksum verification off), as replay does before handing a packet to the datapath.
     */
    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long readAndDissectAllPackets(Blackhole bh) throws IOException {
        long count = 0;
        Dissector dissector = new Dissector();
        Layers layers = new Layers();
        try (CaptureReader reader = CaptureReader.open(file)) {
            CaptureRecord rec = new CaptureRecord();
            while (reader.next(rec)) {
                dissector.dissect(rec.data(), 0, rec.capturedLength(), rec.linkType(), layers);
                bh.consume(layers.l4Offset(0));
                bh.consume(rec.timestampNs());
                count++;
            }
        }
        if (count != PACKETS) {
            throw new IllegalStateException("read " + count + " packets, want " + PACKETS);
        }
        return count;
    }
}
