package dev.podlab.capture;

import java.io.IOException;

/**
 * Classic pcap. File header and record header (all fields in the writer's byte order):
 *
 * <pre>
 *  file header (24 bytes)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   magic: A1B2C3D4 (us), A1B23C4D (ns), A1B2CD34 (Kuznetzov)   |
 *  +-------------------------------+-------------------------------+
 *  |         major version         |         minor version         |
 *  +-------------------------------+-------------------------------+
 *  |                 thiszone (ignored, as everywhere)             |
 *  |                 sigfigs (ignored)                             |
 *  |                 snaplen                                       |
 *  +-------+-+-+-------------------+-------------------------------+
 *  |FCS len|R|P|  reserved (0)     |        link-layer type        |
 *  +-------+-+-+-------------------+-------------------------------+
 *
 *  record header (16 bytes; 24 for the Kuznetzov magic)
 *  |  timestamp seconds  |  sub-second (us or ns)  |  caplen  |  len  |
 * </pre>
 *
 * Mirrors libpcap's sf-pcap.c checks: reserved bits 16-25 of the link-type field refuse the file;
 * a capture length above {@link CaptureReader#maxCaptureLength(int)} stops reading.
 */
final class PcapFileReader extends CaptureReader {
    private static final int FILE_HEADER_LENGTH = 24;
    private static final int RECORD_HEADER_LENGTH = 16;
    private static final int KUZNETZOV_RECORD_HEADER_LENGTH = 24;
    private static final int LINKTYPE_RESERVED_MASK = 0x03FF_0000;
    private static final int LINKTYPE_MASK = 0xFFFF;
    private static final int SUPPORTED_MAJOR = 2;
    private static final int SUPPORTED_MINOR_MAX = 4;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** How caplen and len are ordered in record headers (libpcap's lengths_swapped). */
    private enum LengthOrder { NORMAL, SWAPPED, MAYBE_SWAPPED }

    private final boolean bigEndian;
    private final boolean nanosecond;
    private final int recordHeaderLength;
    private final LengthOrder lengthOrder;
    private final CaptureInterface iface;
    private final int maxCaptureLength;
    private long records;
    private long invalidTimestamps;

    PcapFileReader(String name, CaptureInput input, int magic, boolean bigEndian) throws IOException {
        super(name, input);
        this.bigEndian = bigEndian;
        this.nanosecond = magic == PCAP_MAGIC_NS;
        this.recordHeaderLength = magic == PCAP_MAGIC_KUZNETZOV ? KUZNETZOV_RECORD_HEADER_LENGTH : RECORD_HEADER_LENGTH;
        if (!input.fill(FILE_HEADER_LENGTH)) {
            throw error(0, "truncated file header: " + input.available() + " of " + FILE_HEADER_LENGTH + " bytes");
        }
        int major = input.u16(4, bigEndian);
        int minor = input.u16(6, bigEndian);
        if (major != SUPPORTED_MAJOR || minor > SUPPORTED_MINOR_MAX) {
            throw error(4, "unsupported pcap savefile version " + major + "." + minor);
        }
        lengthOrder = minor < 3 ? LengthOrder.SWAPPED : minor == 3 ? LengthOrder.MAYBE_SWAPPED : LengthOrder.NORMAL;
        int snaplen = saturate(input.u32(16, bigEndian));
        int network = input.i32(20, bigEndian);
        if ((network & LINKTYPE_RESERVED_MASK) != 0) {
            throw error(20, String.format("linktype reserved field not zero (0x%08x)",
                    network & LINKTYPE_RESERVED_MASK));
        }
        int linkType = network & LINKTYPE_MASK;
        maxCaptureLength = maxCaptureLength(linkType);
        iface = new CaptureInterface(0, 0, 0, linkType, snaplen, null, null, nanosecond ? 9 : 6, 0);
        interfaces.add(iface);
        input.consume(FILE_HEADER_LENGTH);
    }

    @Override
    boolean readNext(CaptureRecord rec) throws IOException {
        if (!input.fill(recordHeaderLength)) {
            if (input.available() == 0) {
                return false;
            }
            throw error(input.offset(), "truncated record header: " + input.available() + " of "
                    + recordHeaderLength + " bytes");
        }
        long offset = input.offset();
        long seconds = input.u32(0, bigEndian);
        long fraction = input.u32(4, bigEndian);
        long caplen = input.u32(8, bigEndian);
        long len = input.u32(12, bigEndian);
        if (lengthOrder == LengthOrder.SWAPPED || (lengthOrder == LengthOrder.MAYBE_SWAPPED && caplen > len)) {
            long t = caplen;
            caplen = len;
            len = t;
        }
        if (caplen > maxCaptureLength) {
            throw error(offset, "record capture length " + caplen + " exceeds the maximum " + maxCaptureLength);
        }
        int captured = (int) caplen;
        if (!input.fill(recordHeaderLength + captured)) {
            throw error(offset, "truncated record: " + (input.available() - recordHeaderLength) + " of "
                    + captured + " bytes");
        }
        boolean valid = fraction < (nanosecond ? NANOS_PER_SECOND : 1_000_000L);
        if (!valid) {
            invalidTimestamps++;
        }
        long ns = seconds * NANOS_PER_SECOND + (nanosecond ? fraction : fraction * 1000L);
        rec.set(iface, ns, valid, captured, saturate(len), copyData(recordHeaderLength, captured));
        input.consume(recordHeaderLength + captured);
        records++;
        return true;
    }

    @Override
    public CaptureFormat format() {
        return CaptureFormat.PCAP;
    }

    @Override
    public long blockCount() {
        return records;
    }

    @Override
    public int sectionCount() {
        return 1;
    }

    @Override
    public long invalidTimestampCount() {
        return invalidTimestamps;
    }
}
