package dev.podlab.capture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Streaming reader for classic pcap and pcapng files, optionally gzip-compressed, recognised by
 * their magic numbers (never by the file name).
 *
 * <pre>{@code
 * try (CaptureReader reader = CaptureReader.open(Path.of("trace.pcapng"))) {
 *     CaptureRecord rec = new CaptureRecord();
 *     while (reader.next(rec)) {
 *         handle(rec.interfaceName(), rec.timestampNs(), rec.data());
 *     }
 * }
 * }</pre>
 *
 * <p>The file is read through one growable window and the packet bytes are copied into one
 * reusable buffer, so in steady state {@link #next(CaptureRecord)} allocates nothing; memory use
 * is bounded by the largest record, never by the file.
 *
 * <p>Errors: a file the reader refuses outright (unknown magic, unsupported version, reserved
 * link-type bits, a damaged first section header) makes {@code open} throw. Damage found later
 * makes {@code next} throw one {@link CaptureFormatException} after every packet before the damage
 * has been delivered; further calls throw the same exception again. A file that holds only a
 * header yields no packets and no error.
 *
 * <p>Choices where libpcap and Wireshark differ, or where podlab is deliberately more permissive:
 * <ul>
 *   <li>pcap versions: 2.0 to 2.4 are read (2.0 to 2.2 have caplen and len swapped, as in libpcap);
 *       other versions, including the 2.5 that Wireshark accepts, are refused as libpcap refuses
 *       them: a version number exists to announce an incompatible layout, and guessing it is not.</li>
 *   <li>A record longer than the file's snaplen is delivered whole, as Wireshark does (libpcap
 *       keeps only snaplen bytes): podlab replays what the file holds. Only a capture length above
 *       libpcap's per-link-type maximum (262144 for most types) is treated as damage.</li>
 *   <li>pcapng sections may change byte order (libpcap refuses this; the specification allows it)
 *       and interfaces may have different link types and snaplens (libpcap refuses this too).</li>
 *   <li>pcapng section versions 1.0 and 1.2 are read (1.2 is treated as 1.0, as libpcap does);
 *       any other version is refused.</li>
 * </ul>
 */
public abstract sealed class CaptureReader implements AutoCloseable
        permits PcapFileReader, PcapngFileReader {

    static final int PCAPNG_MAGIC = PcapngBlockType.SHB;
    static final int PCAP_MAGIC_US = 0xA1B2C3D4;
    static final int PCAP_MAGIC_NS = 0xA1B23C4D;
    /** Alexey Kuznetzov's patched libpcap: 8 more bytes per record header. */
    static final int PCAP_MAGIC_KUZNETZOV = 0xA1B2CD34;
    private static final int GZIP_MAGIC_0 = 0x1F;
    private static final int GZIP_MAGIC_1 = 0x8B;

    /** libpcap's MAXIMUM_SNAPLEN (pcap-int.h): the largest sane capture length for most link types. */
    static final int MAXIMUM_SNAPLEN = 262144;
    private static final int LINKTYPE_DBUS = 231;
    private static final int LINKTYPE_USBPCAP = 249;
    private static final int LINKTYPE_EBHSCR = 279;

    final String name;
    final CaptureInput input;
    /** The one record buffer; grown, never replaced per packet. */
    final ByteBuf data = Unpooled.buffer(2048);
    final List<CaptureInterface> interfaces = new ArrayList<>();
    private final List<CaptureInterface> interfacesView = Collections.unmodifiableList(interfaces);
    private long packetCount;
    private CaptureFormatException failure;
    private boolean closed;

    CaptureReader(String name, CaptureInput input) {
        this.name = name;
        this.input = input;
    }

    /** Opens a capture file (pcap or pcapng, plain or gzip-compressed). */
    public static CaptureReader open(Path path) throws IOException {
        return open(path, null);
    }

    /** Opens a capture file and reports every pcapng block to {@code listener} (ignored for pcap). */
    public static CaptureReader open(Path path, PcapngBlockListener listener) throws IOException {
        return open(Files.newInputStream(path), path.toString(), listener);
    }

    /** Opens a path, or standard input when {@code pathOrDash} is {@code "-"} (as tcpdump -r -). */
    public static CaptureReader open(String pathOrDash) throws IOException {
        if ("-".equals(pathOrDash)) {
            return open(new FilterInputStream(System.in) {
                @Override
                public void close() {
                    // Standard input belongs to the process, not to the reader.
                }
            }, "stdin", null);
        }
        return open(Path.of(pathOrDash));
    }

    /**
     * Reads a capture from a stream, which the reader then owns and closes. {@code name} is used
     * in error messages only.
     */
    public static CaptureReader open(InputStream in, String name) throws IOException {
        return open(in, name, null);
    }

    /** As {@link #open(InputStream, String)}, reporting every pcapng block to {@code listener}. */
    public static CaptureReader open(InputStream in, String name, PcapngBlockListener listener)
            throws IOException {
        try {
            InputStream source = gunzipIfCompressed(in);
            CaptureInput input = new CaptureInput(source, name);
            if (!input.fill(4)) {
                throw new CaptureFormatException(name, 0, input.available() == 0
                        ? "empty file: no capture file header"
                        : "file too short: " + input.available() + " of 4 magic bytes");
            }
            int le = input.i32(0, false);
            int be = input.i32(0, true);
            if (le == PCAPNG_MAGIC) {
                return new PcapngFileReader(name, input, listener);
            }
            if (isPcapMagic(le)) {
                return new PcapFileReader(name, input, le, false);
            }
            if (isPcapMagic(be)) {
                return new PcapFileReader(name, input, be, true);
            }
            throw new CaptureFormatException(name, 0,
                    String.format("not a pcap or pcapng file (magic 0x%08x)", be));
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static boolean isPcapMagic(int magic) {
        return magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS || magic == PCAP_MAGIC_KUZNETZOV;
    }

    private static InputStream gunzipIfCompressed(InputStream in) throws IOException {
        PushbackInputStream peek = new PushbackInputStream(in, 2);
        byte[] magic = new byte[2];
        int n = peek.readNBytes(magic, 0, 2);
        peek.unread(magic, 0, n);
        if (n == 2 && (magic[0] & 0xFF) == GZIP_MAGIC_0 && (magic[1] & 0xFF) == GZIP_MAGIC_1) {
            return new GZIPInputStream(peek, CaptureInput.INITIAL_WINDOW);
        }
        return peek;
    }

    /**
     * Reads the next packet into {@code rec}. Returns false at the end of the file.
     *
     * @throws CaptureFormatException when the file is damaged at this point; every packet before
     *                                the damage has been returned by earlier calls
     */
    public final boolean next(CaptureRecord rec) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new IllegalStateException(name + ": reader is closed");
        }
        try {
            if (readNext(rec)) {
                packetCount++;
                return true;
            }
            return false;
        } catch (CaptureFormatException e) {
            failure = e;
            throw e;
        }
    }

    abstract boolean readNext(CaptureRecord rec) throws IOException;

    /** Which format the file is in. */
    public abstract CaptureFormat format();

    /** Name used in error messages: the path as given, or {@code stdin}. */
    public String name() {
        return name;
    }

    /**
     * Interfaces seen so far, in file order (pcapng interfaces are learned as their blocks are
     * read; classic pcap has exactly one). {@link CaptureRecord#interfaceIndex()} indexes this list.
     */
    public List<CaptureInterface> interfaces() {
        return interfacesView;
    }

    /** Packets delivered so far. */
    public long packetCount() {
        return packetCount;
    }

    /** Byte offset of the next unread byte (of the decompressed stream for gzip input). */
    public long offset() {
        return input.offset();
    }

    /** pcapng: blocks read so far, packet or not; classic pcap: records read so far. */
    public abstract long blockCount();

    /** pcapng: sections begun so far; classic pcap: 1. */
    public abstract int sectionCount();

    /** Classic pcap records whose sub-second field was out of range (see {@link CaptureRecord#timestampValid()}). */
    public long invalidTimestampCount() {
        return 0;
    }

    /**
     * pcapng: the {@code shb_userappl} option of the current section (the program that wrote it),
     * or null; classic pcap: null.
     */
    public String sectionApplication() {
        return null;
    }

    CaptureFormatException error(long offset, String problem) {
        return new CaptureFormatException(name, offset, problem);
    }

    /** Copies {@code length} bytes at window offset {@code rel} into the record buffer. */
    final ByteBuf copyData(int rel, int length) {
        data.clear();
        data.writeBytes(input.array(), input.position() + rel, length);
        return data;
    }

    /**
     * The largest capture length libpcap accepts for a link type (max_snaplen_for_dlt in
     * pcap-common.c): larger ones mark a damaged or fuzzed file.
     */
    static int maxCaptureLength(int linkType) {
        return switch (linkType) {
            case LINKTYPE_DBUS -> 128 * 1024 * 1024;
            case LINKTYPE_EBHSCR -> 8 * 1024 * 1024;
            case LINKTYPE_USBPCAP -> 1024 * 1024;
            default -> MAXIMUM_SNAPLEN;
        };
    }

    /** Unsigned 32-bit length as int, saturating: damaged files can hold any value. */
    static int saturate(long unsigned32) {
        return unsigned32 > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) unsigned32;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            data.release();
            input.close();
        }
    }
}
