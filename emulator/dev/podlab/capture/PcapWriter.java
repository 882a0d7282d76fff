package dev.podlab.capture;

import dev.podlab.packet.Packet;
import io.netty.buffer.ByteBuf;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a classic pcap file (little-endian, version 2.4), one link type per file. Timestamps
 * have nanosecond resolution by default (magic A1B23C4D, read by libpcap since 1.5 and by
 * Wireshark); microsecond resolution (A1B2C3D4) is there for older readers and truncates.
 *
 * <pre>
 * header  magic | 2 | 4 | thiszone 0 | sigfigs 0 | snaplen | link type
 * record  seconds | nanoseconds (or microseconds) | caplen | len | data (no padding)
 * </pre>
 *
 * Records reach the stream whole, as in {@link PcapngWriter}. Not thread-safe; writing a packet
 * allocates nothing.
 */
public final class PcapWriter implements Flushable, AutoCloseable {
    /** Sub-second resolution of the timestamps in the file. */
    public enum Precision {
        /** Magic A1B2C3D4. */
        MICROSECONDS,
        /** Magic A1B23C4D. */
        NANOSECONDS
    }

    private static final int MAGIC_US = 0xA1B2C3D4;
    private static final int MAGIC_NS = 0xA1B23C4D;
    private static final int RECORD_HEADER_LENGTH = 16;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long MAX_SECONDS = 0xFFFF_FFFFL;

    private final BlockOutput out;
    private final int linkType;
    private final int snapLength;
    private final Precision precision;
    private long packets;

    /** Nanosecond file with libpcap's maximum snaplen. */
    public PcapWriter(OutputStream out, int linkType) throws IOException {
        this(out, linkType, Precision.NANOSECONDS, PcapngWriter.DEFAULT_SNAP_LENGTH);
    }

    /** Writes the file header at once. */
    public PcapWriter(OutputStream out, int linkType, Precision precision, int snapLength) throws IOException {
        if (linkType < 0 || linkType > 0xFFFF) {
            throw new IllegalArgumentException("link type " + linkType + " does not fit in 16 bits");
        }
        if (snapLength <= 0) {
            throw new IllegalArgumentException("snaplen must be positive, got " + snapLength);
        }
        this.out = new BlockOutput(out);
        this.linkType = linkType;
        this.snapLength = snapLength;
        this.precision = precision;
        this.out.begin(24);
        this.out.u32(precision == Precision.NANOSECONDS ? MAGIC_NS : MAGIC_US);
        this.out.u16(2);
        this.out.u16(4);
        this.out.u32(0); // thiszone: timestamps are UTC
        this.out.u32(0); // sigfigs
        this.out.u32(snapLength);
        this.out.u32(linkType);
    }

    /** Creates (or replaces) a nanosecond pcap file. */
    public static PcapWriter create(Path path, int linkType) throws IOException {
        return create(path, linkType, Precision.NANOSECONDS);
    }

    /** Creates (or replaces) a pcap file with the given timestamp resolution. */
    public static PcapWriter create(Path path, int linkType, Precision precision) throws IOException {
        OutputStream stream = Files.newOutputStream(path);
        try {
            return new PcapWriter(stream, linkType, precision, PcapngWriter.DEFAULT_SNAP_LENGTH);
        } catch (IOException | RuntimeException e) {
            stream.close();
            throw e;
        }
    }

    /** The file's link type. */
    public int linkType() {
        return linkType;
    }

    /** Writes the packet's readable bytes; its link type must be the file's. */
    public void write(Packet packet) throws IOException {
        if (packet.linkType() != linkType) {
            throw new IllegalArgumentException("packet of link type " + packet.linkType()
                    + " in a pcap file of link type " + linkType);
        }
        ByteBuf buf = packet.buf();
        writePacket(packet.timestampNs(), buf, buf.readerIndex(), buf.readableBytes(),
                Math.max(packet.originalLength(), buf.readableBytes()));
    }

    /** Writes the readable bytes of {@code data}. */
    public void writePacket(long timestampNs, ByteBuf data, int originalLength) throws IOException {
        writePacket(timestampNs, data, data.readerIndex(), data.readableBytes(), originalLength);
    }

    /** Writes one record. */
    public void writePacket(long timestampNs, ByteBuf data, int index, int length, int originalLength)
            throws IOException {
        if (timestampNs < 0 || timestampNs / NANOS_PER_SECOND > MAX_SECONDS) {
            throw new IllegalArgumentException("timestamp " + timestampNs + " ns does not fit a pcap record");
        }
        if (length > snapLength) {
            throw new IllegalArgumentException("captured length " + length + " exceeds snaplen " + snapLength);
        }
        long seconds = timestampNs / NANOS_PER_SECOND;
        long fraction = timestampNs % NANOS_PER_SECOND;
        out.begin(RECORD_HEADER_LENGTH + length);
        out.u32((int) seconds);
        out.u32((int) (precision == Precision.NANOSECONDS ? fraction : fraction / 1000));
        out.u32(length);
        out.u32(originalLength);
        out.bytes(data, index, length);
        packets++;
    }

    /** Packets written so far. */
    public long packetCount() {
        return packets;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
