package dev.podlab.capture;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Everything a test wants from reading one file to its end (or its first error). */
final class ReadResult {
    /** One packet as the reader delivered it. */
    record Row(long timestampNs, boolean timestampValid, int capturedLength, int originalLength,
            int interfaceIndex, String interfaceName, int linkType, byte[] data) {}

    final List<Row> rows = new ArrayList<>();
    final List<String> blocks = new ArrayList<>();
    List<CaptureInterface> interfaces = List.of();
    CaptureFormat format;
    String application;
    /** Thrown by open (file refused). */
    CaptureFormatException openError;
    /** Thrown by next (damage after some packets). */
    CaptureFormatException readError;

    static ReadResult read(Path path) throws IOException {
        ReadResult r = new ReadResult();
        try (CaptureReader reader = CaptureReader.open(path, (type, offset, length) -> r.blocks.add(PcapngBlockType.name(type)))) {
            r.drain(reader);
        } catch (CaptureFormatException e) {
            r.openError = e;
        }
        return r;
    }

    static ReadResult read(InputStream in, String name) throws IOException {
        ReadResult r = new ReadResult();
        try (CaptureReader reader = CaptureReader.open(in, name, (type, offset, length) -> r.blocks.add(PcapngBlockType.name(type)))) {
            r.drain(reader);
        } catch (CaptureFormatException e) {
            r.openError = e;
        }
        return r;
    }

    private void drain(CaptureReader reader) throws IOException {
        format = reader.format();
        CaptureRecord rec = new CaptureRecord();
        try {
            while (reader.next(rec)) {
                byte[] bytes = new byte[rec.capturedLength()];
                rec.data().getBytes(0, bytes);
                rows.add(new Row(rec.timestampNs(), rec.timestampValid(), rec.capturedLength(), rec.originalLength(),
                        rec.interfaceIndex(), rec.interfaceName(), rec.linkType(), bytes));
            }
        } catch (CaptureFormatException e) {
            readError = e;
        }
        interfaces = List.copyOf(reader.interfaces());
        application = reader.sectionApplication();
    }

    /** Nanoseconds since the epoch as tshark prints frame.time_epoch: seconds, a dot, 9 digits. */
    static String epoch(long ns) {
        return Math.floorDiv(ns, 1_000_000_000L) + "." + String.format("%09d", Math.floorMod(ns, 1_000_000_000L));
    }
}
