package dev.podlab.capture;

import dev.podlab.packet.Packet;
import io.netty.buffer.ByteBuf;

/**
 * One packet read from a capture file. A record is created once by the caller and filled again
 * by every {@link CaptureReader#next(CaptureRecord)} call, so reading allocates nothing per packet.
 *
 * <p>{@link #data()} is the reader's own buffer: it holds the captured bytes from index 0 to
 * {@link #capturedLength()} and stays valid only until the next call to {@code next} or
 * {@code close}. Copy it ({@code data().copy()}) to keep a packet; never release it.
 */
public final class CaptureRecord {
    private CaptureInterface captureInterface;
    private long timestampNs;
    private boolean timestampValid = true;
    private int capturedLength;
    private int originalLength;
    private ByteBuf data;

    /** The interface the packet was captured on. */
    public CaptureInterface captureInterface() {
        return captureInterface;
    }

    /** Index of the interface in {@link CaptureReader#interfaces()}, unique over the whole file. */
    public int interfaceIndex() {
        return captureInterface.index();
    }

    /** The interface's {@code if_name}, or null (always null for classic pcap). */
    public String interfaceName() {
        return captureInterface.name();
    }

    /** LINKTYPE_ value of the interface. */
    public int linkType() {
        return captureInterface.linkType();
    }

    /**
     * Capture time in nanoseconds since the Unix epoch. A Simple Packet Block carries no
     * timestamp; it reads as 0, as in libpcap and Wireshark.
     */
    public long timestampNs() {
        return timestampNs;
    }

    /**
     * False when a classic pcap record's sub-second field is out of range (at least 10^6 for a
     * microsecond file, 10^9 for a nanosecond one). tcpdump prints such a time as
     * {@code 17:16:10.1000000 (invalid us)}; here {@link #timestampNs()} is then the plain sum
     * seconds * 10^9 + fraction * unit, so the excess carries into the seconds.
     */
    public boolean timestampValid() {
        return timestampValid;
    }

    /** Bytes of the packet present in the file (the record's caplen). */
    public int capturedLength() {
        return capturedLength;
    }

    /** Length of the packet on the wire (the record's len); may be below capturedLength in damaged files. */
    public int originalLength() {
        return originalLength;
    }

    /** The captured bytes, readable from index 0 to capturedLength(); valid until the next read. */
    public ByteBuf data() {
        return data;
    }

    /**
     * Points {@code packet} at this record's bytes and metadata, without copying. The packet then
     * shares the reader's buffer and is valid only until the next read.
     */
    public Packet fill(Packet packet) {
        return packet.wrap(data, captureInterface.linkType())
                .timestampNs(timestampNs)
                .originalLength(originalLength);
    }

    void set(CaptureInterface iface, long timestampNs, boolean timestampValid, int capturedLength,
            int originalLength, ByteBuf data) {
        this.captureInterface = iface;
        this.timestampNs = timestampNs;
        this.timestampValid = timestampValid;
        this.capturedLength = capturedLength;
        this.originalLength = originalLength;
        this.data = data;
    }

    @Override
    public String toString() {
        return "CaptureRecord[if=" + captureInterface.index() + " t=" + timestampNs
                + " caplen=" + capturedLength + " len=" + originalLength + "]";
    }
}
