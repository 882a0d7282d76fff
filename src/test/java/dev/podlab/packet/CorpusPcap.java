package dev.podlab.packet;

import dev.podlab.testing.Shared;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only reader for classic pcap files of the shared corpus (24-byte file header, then 16-byte
 * record headers), just enough to get packet bytes out: the real capture reader lives in
 * dev.podlab.capture and is deliberately not used here.
 */
final class CorpusPcap {
    /** One record: captured bytes and the original length. */
    record Record(byte[] data, int originalLength) {}

    /** A file: its link type (low 16 bits of the header field) and records. */
    record File(int linkType, List<Record> records) {
        byte[] packet(int index) {
            return records.get(index).data();
        }
    }

    private CorpusPcap() {}

    /** The corpus folder, or a skipped test (with a message) when /work/shared is absent. */
    static Path corpusDir() {
        return Shared.corpus();
    }

    static File read(String name) {
        Path path = corpusDir().resolve(name);
        assumeTrue(Files.isRegularFile(path), "corpus file " + path + " missing; skipping");
        try {
            return parse(Files.readAllBytes(path));
        } catch (IOException e) {
            throw new AssertionError("cannot read " + path, e);
        }
    }

    static File parse(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
            b.order(ByteOrder.BIG_ENDIAN);
        } else if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            throw new AssertionError("not a classic pcap file: magic " + Integer.toHexString(magic));
        }
        int linkType = b.getInt(20) & 0xffff;
        List<Record> records = new ArrayList<>();
        int p = 24;
        while (p + 16 <= bytes.length) {
            int caplen = b.getInt(p + 8);
            int len = b.getInt(p + 12);
            if (caplen < 0 || p + 16 + caplen > bytes.length) {
                break;
            }
            byte[] data = new byte[caplen];
            System.arraycopy(bytes, p + 16, data, 0, caplen);
            records.add(new Record(data, len));
            p += 16 + caplen;
        }
        return new File(linkType, records);
    }
}
