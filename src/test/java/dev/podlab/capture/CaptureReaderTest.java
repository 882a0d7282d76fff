package dev.podlab.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.LinkType;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Input paths (gzip, standard input), damage in hand-made files, timestamp options, allocation. */
class CaptureReaderTest {

    // ---- gzip and standard input -------------------------------------------------------------

    private static byte[] gzip(byte[] plain) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gzipCases")
    void gzipIsRecognisedByItsMagicNotByTheFileName(String corpusFile, int packets, @TempDir Path dir) throws Exception {
        byte[] plain = Files.readAllBytes(Corpus.file(corpusFile));
        Path compressed = dir.resolve("capture.bin");              // no .gz in the name
        Files.write(compressed, gzip(plain));
        Path misnamed = dir.resolve("plain.pcap.gz");              // .gz name, not compressed
        Files.write(misnamed, plain);

        ReadResult fromGzip = ReadResult.read(compressed);
        ReadResult fromMisnamed = ReadResult.read(misnamed);
        assertThat(fromGzip.rows).as("packets from gzip: got %d, want %d (corpus README)", fromGzip.rows.size(), packets)
                .hasSize(packets);
        assertThat(fromMisnamed.rows).hasSize(packets);
        for (int i = 0; i < packets; i++) {
            assertThat(fromGzip.rows.get(i).data()).isEqualTo(fromMisnamed.rows.get(i).data());
            assertThat(fromGzip.rows.get(i).timestampNs()).isEqualTo(fromMisnamed.rows.get(i).timestampNs());
        }
    }

    static Stream<Arguments> gzipCases() {
        // Packet counts from the corpus README.
        return Stream.of(Arguments.of("dns_tcp.pcap", 11), Arguments.of("pcapng-multi-interface.pcapng", 6));
    }

    @Test
    void dashReadsStandardInputCompressedOrNot() throws Exception {
        byte[] plain = Files.readAllBytes(Corpus.file("vxlan.pcap"));
        InputStream saved = System.in;
        try {
            for (byte[] input : new byte[][] {plain, gzip(plain)}) {
                System.setIn(new ByteArrayInputStream(input));
                int n = 0;
                try (CaptureReader reader = CaptureReader.open("-")) {
                    assertThat(reader.name()).isEqualTo("stdin");
                    CaptureRecord rec = new CaptureRecord();
                    while (reader.next(rec)) {
                        n++;
                    }
                }
                assertThat(n).as("packets from stdin: got %d, want 10 (corpus README)", n).isEqualTo(10);
            }
        } finally {
            System.setIn(saved);
        }
    }

    // ---- damage in hand-made classic pcap ----------------------------------------------------

    /** Three 74-byte Ethernet frames in a nanosecond pcap: records at 24, 114 and 204. */
    private static byte[] threeRecordPcap() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out, LinkType.ETHERNET)) {
            for (int i = 0; i < 3; i++) {
                writer.writePacket(1_000_000_000L * i, Unpooled.wrappedBuffer(Frames.ethernetIpv4Udp(74, i)), 74);
            }
        }
        return out.toByteArray();
    }

    static Stream<Arguments> truncations() {
        // Layout: 24-byte header, then records of 16 + 74 = 90 bytes at offsets 24, 114, 204.
        return Stream.of(
                Arguments.of("cut inside the second record's data", 24 + 90 + 16 + 40, 1,
                        "offset 114: truncated record: 40 of 74 bytes"),
                Arguments.of("cut inside the third record's header", 24 + 90 + 90 + 10, 2,
                        "offset 204: truncated record header: 10 of 16 bytes"),
                Arguments.of("cut at a record boundary", 24 + 90 + 90, 2, null),
                Arguments.of("header only", 24, 0, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("truncations")
    void truncatedPcapDeliversEveryWholeRecordThenOneLineError(String what, int cut, int packets, String error)
            throws Exception {
        byte[] file = Arrays.copyOf(threeRecordPcap(), cut);
        ReadResult result = ReadResult.read(new ByteArrayInputStream(file), "cut.pcap");
        assertThat(result.rows).as("%s: packets got %d, want %d", what, result.rows.size(), packets).hasSize(packets);
        if (error == null) {
            assertThat(result.readError).isNull();
        } else {
            assertThat(result.readError).isNotNull();
            assertThat(result.readError.getMessage()).isEqualTo("cut.pcap: " + error);
        }
    }

    @Test
    void truncatedPcapngBlockIsReportedWithItsOffset() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapngWriter writer = new PcapngWriter(out)) {
            int id = writer.addInterface("node1/eth0", LinkType.ETHERNET);
            writer.writePacket(id, 1, Unpooled.wrappedBuffer(Frames.ethernetIpv4Udp(74, 1)), 74);
            writer.writePacket(id, 2, Unpooled.wrappedBuffer(Frames.ethernetIpv4Udp(74, 2)), 74);
        }
        byte[] whole = out.toByteArray();
        // The second EPB is the last 32 + 76 (74 padded) = 108 bytes; keep 50 of them.
        int secondEpb = whole.length - 108;
        ReadResult result = ReadResult.read(new ByteArrayInputStream(Arrays.copyOf(whole, secondEpb + 50)), "cut.pcapng");
        assertThat(result.rows).hasSize(1);
        assertThat(result.readError.getMessage()).isEqualTo("cut.pcapng: offset " + secondEpb + ": truncated EPB block: 50 of 108 bytes");
    }

    static Stream<Arguments> notCaptures() {
        return Stream.of(
                Arguments.of("empty", new byte[0], "x: offset 0: empty file: no capture file header"),
                Arguments.of("text", "hello world\n".getBytes(StandardCharsets.US_ASCII),
                        "x: offset 0: not a pcap or pcapng file (magic 0x68656c6c)"),
                Arguments.of("pcap header cut", Arrays.copyOf(new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 2, 0, 4, 0}, 8),
                        "x: offset 0: truncated file header: 8 of 24 bytes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notCaptures")
    void fileThatIsNoCaptureIsRefusedAtOpen(String what, byte[] bytes, String error) throws Exception {
        ReadResult result = ReadResult.read(new ByteArrayInputStream(bytes), "x");
        assertThat(result.openError).as(what).isNotNull();
        assertThat(result.openError.getMessage()).isEqualTo(error);
    }

    // ---- hand-made pcapng: timestamp options, byte order, bad options ------------------------

    /** Builds pcapng blocks by hand, in either byte order, exactly as the specification lays them out. */
    private static final class Blocks {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteOrder order;

        Blocks(ByteOrder order) {
            this.order = order;
        }

        private ByteBuffer body(int size) {
            return ByteBuffer.allocate(size).order(order);
        }

        private void block(int type, ByteBuffer body) {
            int total = 12 + body.capacity();
            ByteBuffer b = ByteBuffer.allocate(total).order(order);
            b.putInt(type).putInt(total).put(body.array()).putInt(total);
            out.writeBytes(b.array());
        }

        Blocks shb() {
            ByteBuffer b = body(16).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1);
            block(PcapngBlockType.SHB, b);
            return this;
        }

        /** IDB with an if_tsresol and an if_tsoffset option. */
        Blocks idb(int linkType, int tsresol, long tsoffset) {
            ByteBuffer b = body(8 + 8 + 12 + 4);
            b.putShort((short) linkType).putShort((short) 0).putInt(0);
            b.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
            b.putShort((short) 14).putShort((short) 8).putLong(tsoffset);
            b.putShort((short) 0).putShort((short) 0);
            block(PcapngBlockType.IDB, b);
            return this;
        }

        /** IDB whose if_name option claims more bytes than the block holds. */
        Blocks idbWithOverlongName() {
            ByteBuffer b = body(8 + 4 + 8);
            b.putShort((short) 1).putShort((short) 0).putInt(0);
            b.putShort((short) 2).putShort((short) 200).put("node1/e0".getBytes(StandardCharsets.US_ASCII));
            block(PcapngBlockType.IDB, b);
            return this;
        }

        Blocks epb(int interfaceId, long ticks, byte[] data) {
            int padded = (data.length + 3) & ~3;
            ByteBuffer b = body(20 + padded);
            b.putInt(interfaceId).putInt((int) (ticks >>> 32)).putInt((int) ticks).putInt(data.length).putInt(data.length);
            b.put(data);
            block(PcapngBlockType.EPB, b);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    static Stream<Arguments> timestampResolutions() {
        // Expected values worked out from the pcapng specification (if_tsresol: bit 7 clear =
        // 10^-n s, set = 2^-n s; if_tsoffset: seconds added), not from the reader.
        return Stream.of(
                Arguments.of("milliseconds", 3, 0L, 1234L, 1_234_000_000L),
                Arguments.of("microseconds + offset 100 s", 6, 100L, 1_500_000L, 101_500_000_000L),
                Arguments.of("nanoseconds", 9, 0L, 1_700_000_000_123_456_789L, 1_700_000_000_123_456_789L),
                Arguments.of("picoseconds", 12, 0L, 1_500_000_000_123L, 1_500_000_000L),
                Arguments.of("2^-20 s + offset 100 s", 0x80 | 20, 100L, (5L << 20) + (1L << 19), 105_500_000_000L),
                Arguments.of("2^-40 s", 0x80 | 40, 0L, (7L << 40) + (1L << 38), 7_250_000_000L),
                Arguments.of("2^-10 s, 3/1024", 0x80 | 10, 0L, 3L, 2_929_687L));  // 3e9/1024 = 2929687.5, truncated
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("timestampResolutions")
    void ifTsresolAndIfTsoffsetGiveNanosecondsInBothByteOrders(String what, int tsresol, long offset, long ticks,
            long wantNs) throws Exception {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            byte[] file = new Blocks(order).shb().idb(LinkType.RAW, tsresol, offset)
                    .epb(0, ticks, Frames.ipv4Udp(28, 0)).bytes();
            ReadResult result = ReadResult.read(new ByteArrayInputStream(file), "hand.pcapng");
            assertThat(result.readError).isNull();
            long got = result.rows.get(0).timestampNs();
            assertThat(got).as("%s (%s): got %d ns, want %d ns", what, order, got, wantNs).isEqualTo(wantNs);
        }
    }

    @Test
    void optionLongerThanItsBlockIsAnError() throws Exception {
        byte[] file = new Blocks(ByteOrder.LITTLE_ENDIAN).shb().idbWithOverlongName().bytes();
        ReadResult result = ReadResult.read(new ByteArrayInputStream(file), "bad.pcapng");
        // SHB is 28 bytes; the IDB's option starts 16 bytes into the IDB.
        assertThat(result.readError).isNotNull();
        assertThat(result.readError.getMessage())
                .isEqualTo("bad.pcapng: offset 44: IDB option 2 of length 200 overruns the block (8 bytes left)");
    }

    @Test
    void packetOnAnUndeclaredInterfaceIsAnError() throws Exception {
        byte[] file = new Blocks(ByteOrder.LITTLE_ENDIAN).shb().idb(1, 6, 0)
                .epb(0, 1, Frames.ethernetIpv4Udp(60, 0)).epb(1, 2, Frames.ethernetIpv4Udp(60, 0)).bytes();
        ReadResult result = ReadResult.read(new ByteArrayInputStream(file), "ids.pcapng");
        assertThat(result.rows).hasSize(1);
        assertThat(result.readError.getMessage()).contains("refers to interface 1").contains("has 1 interface");
    }

    // ---- allocation ---------------------------------------------------------------------------

    @Test
    void readingPacketsAllocatesNothingInSteadyState() throws Exception {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM cannot count allocated bytes per thread: skipping");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "per-thread allocation counting disabled: skipping");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int packets = 20_000;
        try (PcapngWriter writer = new PcapngWriter(out)) {
            int a = writer.addInterface("node1/eth0", LinkType.ETHERNET);
            int b = writer.addInterface("node2/eth0", LinkType.ETHERNET);
            for (int i = 0; i < packets; i++) {
                writer.writePacket(i % 2 == 0 ? a : b, 1_000L * i, Unpooled.wrappedBuffer(Frames.ethernetIpv4Udp(64 + i % 200, i)), 64 + i % 200);
            }
        }
        byte[] file = out.toByteArray();
        long measured;
        try (CaptureReader reader = CaptureReader.open(new ByteArrayInputStream(file), "alloc.pcapng")) {
            CaptureRecord rec = new CaptureRecord();
            for (int i = 0; i < 1_000; i++) {       // warm up: buffers reach their size
                reader.next(rec);
            }
            long thread = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(thread);
            long sum = 0;
            while (reader.next(rec)) {
                sum += rec.capturedLength();
            }
            measured = threads.getThreadAllocatedBytes(thread) - before;
            assertThat(sum).isPositive();
        }
        // 19 000 packets: even 8 bytes per packet would be 152 000 bytes.
        assertThat(measured).as("bytes allocated while reading 19000 packets: got %d, want (nearly) 0", measured)
                .isLessThan(16_384);
    }
}
