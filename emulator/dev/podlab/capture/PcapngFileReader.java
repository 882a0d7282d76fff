package dev.podlab.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * pcapng (draft-ietf-opsawg-pcapng). Every block has the same frame:
 *
 * <pre>
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 * 0 |                          Block Type                           |
 *   +---------------------------------------------------------------+
 * 4 |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 * 8 /                    Block Body (padded to 32 bits)             /
 *   +---------------------------------------------------------------+
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 * </pre>
 *
 * The reader loads each block whole into the input window, checks the trailer against the header,
 * then decodes it. Bodies of the blocks it interprets (offsets from the block start):
 *
 * <pre>
 * SHB  8 byte-order magic 1A2B3C4D | 12 major | 14 minor | 16 section length (64) | 24 options
 * IDB  8 link type (16) | 10 reserved | 12 snaplen | 16 options
 * EPB  8 interface id | 12 timestamp high | 16 timestamp low | 20 caplen | 24 len | 28 data, options
 * SPB  8 len | 12 data (caplen = min(len, snaplen of interface 0, what the block holds))
 * PB   8 interface id (16) | 10 drops (16) | 12 ts high | 16 ts low | 20 caplen | 24 len | 28 data
 * options: code (16) | length (16) | value padded to 32 bits; code 0 ends the list
 * </pre>
 *
 * Each section has its own byte order (set by its SHB's byte-order magic) and its own interface
 * ids, starting at 0. NRB, ISB, DSB, custom and unknown blocks are checked for framing and skipped.
 */
final class PcapngFileReader extends CaptureReader {
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int BLOCK_MIN_LENGTH = 12;
    private static final int SHB_MIN_LENGTH = 28;
    private static final int IDB_MIN_LENGTH = 20;
    private static final int EPB_MIN_LENGTH = 32;
    private static final int SPB_MIN_LENGTH = 16;
    private static final int PB_MIN_LENGTH = 32;
    /** libpcap's BT_SHB_INSANE_MAX: a section header this large is garbage. */
    private static final int SHB_MAX_LENGTH = 1024 * 1024;
    /** libpcap's INITIAL_MAX_BLOCKSIZE: larger blocks are refused before any memory is committed. */
    static final int MAX_BLOCK_LENGTH = 16 * 1024 * 1024;

    private static final int OPT_ENDOFOPT = 0;
    private static final int SHB_USERAPPL = 4;
    private static final int IF_NAME = 2;
    private static final int IF_DESCRIPTION = 3;
    private static final int IF_TSRESOL = 9;
    private static final int IF_TSOFFSET = 14;
    private static final int DEFAULT_TSRESOL = 6;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** An interface of the current section, with its timestamp conversion precomputed. */
    private static final class Iface {
        final CaptureInterface info;
        final int maxCaptureLength;
        final int snapLength;
        final boolean binary;
        /** Ticks per second for a decimal resolution (unsigned for 10^19). */
        final long units;
        /** 10^(9-n) when n <= 9, else 0. */
        final long scaleUp;
        /** 10^(n-9) when n > 9, else 0. */
        final long scaleDown;
        /** n for a binary resolution 2^-n. */
        final int shift;
        final long offsetSeconds;
        final long offsetNs;
        /** Largest tick count whose nanosecond value cannot overflow in the fast path. */
        final long fastMax;

        Iface(CaptureInterface info, int tsresol, long offsetSeconds) {
            this.info = info;
            this.snapLength = info.snapLength();
            this.maxCaptureLength = maxCaptureLength(info.linkType());
            this.binary = (tsresol & 0x80) != 0;
            int n = tsresol & 0x7F;
            this.shift = binary ? n : 0;
            long u = 1;
            if (!binary) {
                for (int i = 0; i < n; i++) {
                    u *= 10; // wraps to the right unsigned value for 10^19
                }
            }
            this.units = u;
            this.scaleUp = !binary && n <= 9 ? pow10(9 - n) : 0;
            this.scaleDown = !binary && n > 9 ? pow10(n - 9) : 0;
            this.offsetSeconds = offsetSeconds;
            this.offsetNs = offsetSeconds * NANOS_PER_SECOND;
            this.fastMax = scaleUp != 0 ? Long.MAX_VALUE / scaleUp / 2 : -1;
        }

        /** Timestamp ticks (unsigned 64-bit) to nanoseconds since the epoch. */
        long toNanos(long ticks) {
            if (ticks >= 0 && ticks <= fastMax) {
                return ticks * scaleUp + offsetNs;
            }
            long seconds;
            long fractionNs;
            if (binary) {
                seconds = shift == 0 ? ticks : ticks >>> shift;
                long fraction = shift == 0 ? 0 : ticks & ((1L << shift) - 1);
                // fraction * 10^9 / 2^shift in 128-bit arithmetic: the product exceeds 64 bits
                // for shifts above 33.
                long lo = fraction * NANOS_PER_SECOND;
                long hi = Math.multiplyHigh(fraction, NANOS_PER_SECOND);
                fractionNs = shift == 0 ? 0 : (hi << (64 - shift)) | (lo >>> shift);
            } else {
                seconds = Long.divideUnsigned(ticks, units);
                long fraction = Long.remainderUnsigned(ticks, units);
                fractionNs = scaleUp != 0 ? fraction * scaleUp : Long.divideUnsigned(fraction, scaleDown);
            }
            return (seconds + offsetSeconds) * NANOS_PER_SECOND + fractionNs;
        }

        private static long pow10(int n) {
            long v = 1;
            for (int i = 0; i < n; i++) {
                v *= 10;
            }
            return v;
        }
    }

    private final PcapngBlockListener listener;
    private final List<Iface> sectionInterfaces = new ArrayList<>();
    private boolean bigEndian;
    private int section = -1;
    private long blocks;
    private String sectionApplication;

    PcapngFileReader(String name, CaptureInput input, PcapngBlockListener listener) throws IOException {
        super(name, input);
        this.listener = listener;
        // The first block must be a valid section header; anything wrong with it refuses the file.
        int length = readSectionHeader();
        input.consume(length);
    }

    @Override
    public CaptureFormat format() {
        return CaptureFormat.PCAPNG;
    }

    @Override
    public long blockCount() {
        return blocks;
    }

    @Override
    public int sectionCount() {
        return section + 1;
    }

    @Override
    public String sectionApplication() {
        return sectionApplication;
    }

    @Override
    boolean readNext(CaptureRecord rec) throws IOException {
        while (true) {
            if (!input.fill(8)) {
                if (input.available() == 0) {
                    return false;
                }
                throw error(input.offset(), "truncated block header: " + input.available() + " of 8 bytes");
            }
            int type = input.i32(0, bigEndian);
            if (type == PcapngBlockType.SHB) {
                input.consume(readSectionHeader());
                continue;
            }
            int length = loadBlock(type);
            boolean packet = switch (type) {
                case PcapngBlockType.EPB -> readEnhancedPacket(rec, length);
                case PcapngBlockType.SPB -> readSimplePacket(rec, length);
                case PcapngBlockType.PB -> readObsoletePacket(rec, length);
                case PcapngBlockType.IDB -> readInterface(length);
                default -> false;
            };
            input.consume(length);
            if (packet) {
                return true;
            }
        }
    }

    /**
     * Reads a whole non-SHB block into the window, checks its framing and reports it to the
     * listener. Returns its total length.
     */
    private int loadBlock(int type) throws IOException {
        long offset = input.offset();
        long length = input.u32(4, bigEndian);
        checkLength(offset, type, length, MAX_BLOCK_LENGTH);
        int total = (int) length;
        if (!input.fill(total)) {
            throw error(offset, "truncated " + PcapngBlockType.name(type) + " block: " + input.available()
                    + " of " + total + " bytes");
        }
        checkTrailer(offset, total);
        blocks++;
        if (listener != null) {
            listener.onBlock(type, offset, total);
        }
        return total;
    }

    private void checkLength(long offset, int type, long length, int max) throws CaptureFormatException {
        if (length < BLOCK_MIN_LENGTH) {
            throw error(offset, PcapngBlockType.name(type) + " block total length " + length + " is below the minimum 12");
        }
        if (length % 4 != 0) {
            throw error(offset, PcapngBlockType.name(type) + " block total length " + length + " is not a multiple of 4");
        }
        if (length > max) {
            throw error(offset, PcapngBlockType.name(type) + " block total length " + length + " exceeds the maximum " + max);
        }
    }

    private void checkTrailer(long offset, int total) throws CaptureFormatException {
        long trailer = input.u32(total - 4, bigEndian);
        if (trailer != total) {
            throw error(offset, "block total length in header " + total + " and trailer " + trailer + " don't match");
        }
    }

    /**
     * Reads the section header at the current position (the block type is known), switching byte
     * order and starting a new interface list. Returns the block's total length.
     */
    private int readSectionHeader() throws IOException {
        long offset = input.offset();
        if (!input.fill(12)) {
            throw error(offset, "truncated SHB block: " + input.available() + " of at least " + SHB_MIN_LENGTH + " bytes");
        }
        int magic = input.i32(8, false);
        if (magic == BYTE_ORDER_MAGIC) {
            bigEndian = false;
        } else if (Integer.reverseBytes(magic) == BYTE_ORDER_MAGIC) {
            bigEndian = true;
        } else {
            throw error(offset, String.format("SHB byte-order magic 0x%08x is neither 1a2b3c4d nor 4d3c2b1a", magic));
        }
        long length = input.u32(4, bigEndian);
        checkLength(offset, PcapngBlockType.SHB, length, SHB_MAX_LENGTH);
        if (length < SHB_MIN_LENGTH) {
            throw error(offset, "SHB block total length " + length + " is below the minimum " + SHB_MIN_LENGTH);
        }
        int total = (int) length;
        if (!input.fill(total)) {
            throw error(offset, "truncated SHB block: " + input.available() + " of " + total + " bytes");
        }
        checkTrailer(offset, total);
        int major = input.u16(12, bigEndian);
        int minor = input.u16(14, bigEndian);
        // libpcap reads 1.0 and treats 1.2 (written by some tools) as 1.0; 1.1 and others are refused.
        if (major != 1 || (minor != 0 && minor != 2)) {
            throw error(offset + 12, "unsupported pcapng savefile version " + major + "." + minor);
        }
        String application = null;
        int p = 24;
        int end = total - 4;
        while (p < end) {
            int code = optionCode(offset, p, end, "SHB");
            int len = input.u16(p + 2, bigEndian);
            checkOption(offset, p, end, code, len, "SHB");
            if (code == OPT_ENDOFOPT) {
                break;
            }
            if (code == SHB_USERAPPL) {
                application = string(p + 4, len);
            }
            p += 4 + pad4(len);
        }
        section++;
        sectionApplication = application;
        sectionInterfaces.clear();
        blocks++;
        if (listener != null) {
            listener.onBlock(PcapngBlockType.SHB, offset, total);
        }
        return total;
    }

    private boolean readInterface(int total) throws CaptureFormatException {
        long offset = input.offset();
        if (total < IDB_MIN_LENGTH) {
            throw error(offset, "IDB block total length " + total + " is below the minimum " + IDB_MIN_LENGTH);
        }
        int linkType = input.u16(8, bigEndian);
        int snapLength = saturate(input.u32(12, bigEndian));
        String ifName = null;
        String ifDescription = null;
        int tsresol = DEFAULT_TSRESOL;
        boolean sawTsresol = false;
        long tsoffset = 0;
        boolean sawTsoffset = false;
        int p = 16;
        int end = total - 4;
        while (p < end) {
            int code = optionCode(offset, p, end, "IDB");
            int len = input.u16(p + 2, bigEndian);
            checkOption(offset, p, end, code, len, "IDB");
            if (code == OPT_ENDOFOPT) {
                break;
            }
            switch (code) {
                case IF_NAME -> ifName = string(p + 4, len);
                case IF_DESCRIPTION -> ifDescription = string(p + 4, len);
                case IF_TSRESOL -> {
                    if (len != 1) {
                        throw error(offset + p, "IDB if_tsresol option has length " + len + ", not 1");
                    }
                    if (sawTsresol) {
                        throw error(offset + p, "IDB has more than one if_tsresol option");
                    }
                    sawTsresol = true;
                    tsresol = input.u8(p + 4);
                    int n = tsresol & 0x7F;
                    if ((tsresol & 0x80) != 0 ? n > 63 : n > 19) {
                        throw error(offset + p, "IDB if_tsresol " + ((tsresol & 0x80) != 0 ? "2^-" : "10^-") + n
                                + " is too fine for 64-bit timestamps");
                    }
                }
                case IF_TSOFFSET -> {
                    if (len != 8) {
                        throw error(offset + p, "IDB if_tsoffset option has length " + len + ", not 8");
                    }
                    if (sawTsoffset) {
                        throw error(offset + p, "IDB has more than one if_tsoffset option");
                    }
                    sawTsoffset = true;
                    tsoffset = input.i64(p + 4, bigEndian);
                }
                default -> {
                    // Other interface options (addresses, speed, filter, os, ...) are not needed.
                }
            }
            p += 4 + pad4(len);
        }
        CaptureInterface info = new CaptureInterface(interfaces.size(), section, sectionInterfaces.size(),
                linkType, snapLength, ifName, ifDescription, tsresol, tsoffset);
        interfaces.add(info);
        sectionInterfaces.add(new Iface(info, tsresol, tsoffset));
        return false;
    }

    private boolean readEnhancedPacket(CaptureRecord rec, int total) throws CaptureFormatException {
        long offset = input.offset();
        if (total < EPB_MIN_LENGTH) {
            throw error(offset, "EPB block total length " + total + " is below the minimum " + EPB_MIN_LENGTH);
        }
        Iface iface = iface(offset, input.u32(8, bigEndian));
        long ticks = (input.u32(12, bigEndian) << 32) | input.u32(16, bigEndian);
        long caplen = input.u32(20, bigEndian);
        long len = input.u32(24, bigEndian);
        int room = total - EPB_MIN_LENGTH;
        checkCaptureLength(offset, "EPB", caplen, room, iface);
        int captured = (int) caplen;
        checkOptions(offset, 28 + pad4(captured), total - 4, "EPB");
        rec.set(iface.info, iface.toNanos(ticks), true, captured, saturate(len), copyData(28, captured));
        return true;
    }

    private boolean readObsoletePacket(CaptureRecord rec, int total) throws CaptureFormatException {
        long offset = input.offset();
        if (total < PB_MIN_LENGTH) {
            throw error(offset, "PB block total length " + total + " is below the minimum " + PB_MIN_LENGTH);
        }
        Iface iface = iface(offset, input.u16(8, bigEndian));
        long ticks = (input.u32(12, bigEndian) << 32) | input.u32(16, bigEndian);
        long caplen = input.u32(20, bigEndian);
        long len = input.u32(24, bigEndian);
        checkCaptureLength(offset, "PB", caplen, total - PB_MIN_LENGTH, iface);
        int captured = (int) caplen;
        checkOptions(offset, 28 + pad4(captured), total - 4, "PB");
        rec.set(iface.info, iface.toNanos(ticks), true, captured, saturate(len), copyData(28, captured));
        return true;
    }

    private boolean readSimplePacket(CaptureRecord rec, int total) throws CaptureFormatException {
        long offset = input.offset();
        if (total < SPB_MIN_LENGTH) {
            throw error(offset, "SPB block total length " + total + " is below the minimum " + SPB_MIN_LENGTH);
        }
        // The spec ties an SPB to the section's first interface; its snaplen bounds the data.
        Iface iface = iface(offset, 0);
        long len = input.u32(8, bigEndian);
        long caplen = Math.min(len, total - SPB_MIN_LENGTH);
        if (iface.snapLength != 0) {
            caplen = Math.min(caplen, iface.snapLength);
        }
        checkCaptureLength(offset, "SPB", caplen, total - SPB_MIN_LENGTH, iface);
        int captured = (int) caplen;
        rec.set(iface.info, 0, true, captured, saturate(len), copyData(12, captured));
        return true;
    }

    private Iface iface(long offset, long id) throws CaptureFormatException {
        if (id >= sectionInterfaces.size()) {
            throw error(offset, "packet block refers to interface " + id + " but section " + section
                    + " has " + sectionInterfaces.size() + " interface description blocks");
        }
        return sectionInterfaces.get((int) id);
    }

    private void checkCaptureLength(long offset, String block, long caplen, int room, Iface iface)
            throws CaptureFormatException {
        if (caplen > iface.maxCaptureLength) {
            throw error(offset, block + " capture length " + caplen + " exceeds the maximum " + iface.maxCaptureLength);
        }
        if (caplen > room) {
            throw error(offset, block + " capture length " + caplen + " overruns the block (" + room + " bytes of data)");
        }
    }

    /** Walks an option list only to check that every option lies inside the block. */
    private void checkOptions(long offset, int p, int end, String block) throws CaptureFormatException {
        while (p < end) {
            int code = optionCode(offset, p, end, block);
            int len = input.u16(p + 2, bigEndian);
            checkOption(offset, p, end, code, len, block);
            if (code == OPT_ENDOFOPT) {
                return;
            }
            p += 4 + pad4(len);
        }
    }

    private int optionCode(long offset, int p, int end, String block) throws CaptureFormatException {
        if (end - p < 4) {
            throw error(offset + p, block + " option header cut short: " + (end - p) + " of 4 bytes left in the block");
        }
        return input.u16(p, bigEndian);
    }

    private void checkOption(long offset, int p, int end, int code, int len, String block)
            throws CaptureFormatException {
        if (4 + pad4(len) > end - p) {
            throw error(offset + p, block + " option " + code + " of length " + len + " overruns the block ("
                    + (end - p - 4) + " bytes left)");
        }
    }

    /** A UTF-8 option value; C writers often count a terminating NUL, which is dropped. */
    private String string(int rel, int len) {
        int n = len;
        while (n > 0 && input.array()[input.position() + rel + n - 1] == 0) {
            n--;
        }
        return new String(input.array(), input.position() + rel, n, StandardCharsets.UTF_8);
    }

    private static int pad4(int n) {
        return (n + 3) & ~3;
    }
}
