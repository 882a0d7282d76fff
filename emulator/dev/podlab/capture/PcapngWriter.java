package dev.podlab.capture;

import dev.podlab.packet.Packet;
import io.netty.buffer.ByteBuf;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a pcapng file (little-endian, one section) with one interface per captured device.
 *
 * <pre>
 * SHB   byte-order magic 1A2B3C4D, version 1.0, section length -1 (unknown),
 *       shb_userappl "podlab"
 * IDB   per device, in order of declaration or of first packet: link type, snaplen,
 *       if_name "node1/flannel.1", if_tsresol 9 (nanoseconds)
 * EPB   per packet: interface id, 64-bit nanosecond timestamp (high word first),
 *       captured length, original length, data padded to 32 bits, no options
 * </pre>
 *
 * Interface ids follow the order in which devices are first declared or seen, so the same run
 * gives the same file byte for byte. Blocks reach the stream whole (see {@link BlockOutput}), so a
 * file whose writer was never closed, because the program failed, is still valid up to its last
 * block; close the writer in a {@code finally} (try-with-resources) to keep every block.
 *
 * <p>Link types: Ethernet devices (veth, bridge, VXLAN, NIC) use {@code LinkType.ETHERNET}; a
 * device that carries bare IP packets, such as an IPIP tunnel ({@code tunl0}, ARPHRD_TUNNEL),
 * uses {@code LinkType.RAW}, which is what libpcap's map_arphrd_to_dlt gives tcpdump on Linux.
 *
 * <p>Not thread-safe. Writing a packet allocates nothing.
 */
public final class PcapngWriter implements Flushable, AutoCloseable {
    /** Written as the section's shb_userappl option. */
    public static final String USER_APPLICATION = "podlab";
    /** Default interface snaplen, libpcap's MAXIMUM_SNAPLEN, as tcpdump writes it. */
    public static final int DEFAULT_SNAP_LENGTH = CaptureReader.MAXIMUM_SNAPLEN;

    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int SHB_USERAPPL = 4;
    private static final int IF_NAME = 2;
    private static final int IF_TSRESOL = 9;
    private static final int TSRESOL_NANOSECONDS = 9;
    private static final int EPB_FIXED_LENGTH = 32;
    private static final int MAX_OPTION_LENGTH = 0xFFFF;

    private record Iface(int id, String name, int linkType, int snapLength) {}

    private final BlockOutput out;
    private final List<Iface> interfaces = new ArrayList<>();
    private final Map<String, Iface> byName = new HashMap<>();
    private long packets;

    /** Starts a pcapng stream on {@code out} (written at once: the section header). */
    public PcapngWriter(OutputStream out) throws IOException {
        this.out = new BlockOutput(out);
        writeSectionHeader();
    }

    /** Creates (or replaces) a pcapng file. */
    public static PcapngWriter create(Path path) throws IOException {
        OutputStream stream = Files.newOutputStream(path);
        try {
            return new PcapngWriter(stream);
        } catch (IOException | RuntimeException e) {
            stream.close();
            throw e;
        }
    }

    private void writeSectionHeader() throws IOException {
        byte[] application = BlockOutput.utf8(USER_APPLICATION);
        int length = 28 + 4 + application.length + BlockOutput.padding(application.length) + 4;
        out.begin(length);
        out.u32(PcapngBlockType.SHB);
        out.u32(length);
        out.u32(BYTE_ORDER_MAGIC);
        out.u16(1);
        out.u16(0);
        out.u64(-1L); // section length not known in advance
        out.u16(SHB_USERAPPL);
        out.u16(application.length);
        out.bytes(application);
        out.pad(application.length);
        out.u32(0); // opt_endofopt
        out.u32(length);
    }

    /** Declares a device with the default snaplen; see {@link #addInterface(String, int, int)}. */
    public int addInterface(String name, int linkType) throws IOException {
        return addInterface(name, linkType, DEFAULT_SNAP_LENGTH);
    }

    /**
     * Declares a device and writes its Interface Description Block, returning its interface id.
     * Declaring a known name again returns its id.
     *
     * @throws IllegalArgumentException if the name is known with another link type or snaplen
     */
    public int addInterface(String name, int linkType, int snapLength) throws IOException {
        Iface known = byName.get(name);
        if (known != null) {
            if (known.linkType != linkType || known.snapLength != snapLength) {
                throw new IllegalArgumentException("interface " + name + " already declared with link type "
                        + known.linkType + " and snaplen " + known.snapLength + ", not " + linkType + " and " + snapLength);
            }
            return known.id;
        }
        if (linkType < 0 || linkType > 0xFFFF) {
            throw new IllegalArgumentException("link type " + linkType + " does not fit in 16 bits");
        }
        if (snapLength < 0) {
            throw new IllegalArgumentException("negative snaplen " + snapLength);
        }
        byte[] ifName = BlockOutput.utf8(name);
        if (ifName.length > MAX_OPTION_LENGTH) {
            throw new IllegalArgumentException("interface name longer than 65535 bytes");
        }
        // if_name, if_tsresol (1 byte + 3 padding), opt_endofopt
        int length = 20 + (4 + ifName.length + BlockOutput.padding(ifName.length)) + 8 + 4;
        out.begin(length);
        out.u32(PcapngBlockType.IDB);
        out.u32(length);
        out.u16(linkType);
        out.u16(0);
        out.u32(snapLength);
        out.u16(IF_NAME);
        out.u16(ifName.length);
        out.bytes(ifName);
        out.pad(ifName.length);
        out.u16(IF_TSRESOL);
        out.u16(1);
        out.u8(TSRESOL_NANOSECONDS);
        out.pad(1);
        out.u32(0); // opt_endofopt
        out.u32(length);
        Iface iface = new Iface(interfaces.size(), name, linkType, snapLength);
        interfaces.add(iface);
        byName.put(name, iface);
        return iface.id;
    }

    /** The id of a declared device, or -1. */
    public int interfaceId(String name) {
        Iface iface = byName.get(name);
        return iface == null ? -1 : iface.id;
    }

    /** Number of interfaces declared so far. */
    public int interfaceCount() {
        return interfaces.size();
    }

    /**
     * Writes {@code packet} (its readable bytes) as seen on {@code device}, declaring the device
     * with the packet's link type on first use.
     */
    public void write(String device, Packet packet) throws IOException {
        Iface iface = byName.get(device);
        int id = iface == null ? addInterface(device, packet.linkType()) : iface.id;
        if (iface != null && iface.linkType != packet.linkType()) {
            throw new IllegalArgumentException("packet of link type " + packet.linkType() + " on " + device
                    + ", declared with link type " + iface.linkType);
        }
        ByteBuf buf = packet.buf();
        writePacket(id, packet.timestampNs(), buf, buf.readerIndex(), buf.readableBytes(),
                Math.max(packet.originalLength(), buf.readableBytes()));
    }

    /** Writes the readable bytes of {@code data}. */
    public void writePacket(int interfaceId, long timestampNs, ByteBuf data, int originalLength) throws IOException {
        writePacket(interfaceId, timestampNs, data, data.readerIndex(), data.readableBytes(), originalLength);
    }

    /**
     * Writes one Enhanced Packet Block.
     *
     * @param timestampNs    nanoseconds since the epoch (or since the start of a simulation)
     * @param index          first byte of the packet in {@code data}
     * @param length         bytes captured
     * @param originalLength bytes on the wire (at least {@code length} for a real capture)
     */
    public void writePacket(int interfaceId, long timestampNs, ByteBuf data, int index, int length,
            int originalLength) throws IOException {
        if (interfaceId < 0 || interfaceId >= interfaces.size()) {
            throw new IllegalArgumentException("unknown interface id " + interfaceId);
        }
        if (timestampNs < 0) {
            throw new IllegalArgumentException("negative timestamp " + timestampNs);
        }
        int snapLength = interfaces.get(interfaceId).snapLength;
        if (snapLength != 0 && length > snapLength) {
            throw new IllegalArgumentException("captured length " + length + " exceeds snaplen " + snapLength);
        }
        int blockLength = EPB_FIXED_LENGTH + length + BlockOutput.padding(length);
        out.begin(blockLength);
        out.u32(PcapngBlockType.EPB);
        out.u32(blockLength);
        out.u32(interfaceId);
        out.u32((int) (timestampNs >>> 32));
        out.u32((int) timestampNs);
        out.u32(length);
        out.u32(originalLength);
        out.bytes(data, index, length);
        out.pad(length);
        out.u32(blockLength);
        packets++;
    }

    /** Packets written so far. */
    public long packetCount() {
        return packets;
    }

    /** Bytes written so far, including those still buffered. */
    public long size() {
        return out.position();
    }

    /** Hands every complete block to the stream and flushes it. */
    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Writes what is buffered and closes the stream. */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
