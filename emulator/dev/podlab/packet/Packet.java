package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * One packet: a Netty {@link ByteBuf} holding the frame bytes plus the metadata the emulator
 * carries with it. The frame occupies {@code buf.readerIndex() .. buf.writerIndex()}; the bytes
 * before the reader index are headroom, so an encapsulating device pushes its header by moving the
 * reader index back and a decapsulating one pulls it by moving it forward, without copying (the
 * layout of gVisor's PacketBuffer and of the kernel's sk_buff).
 *
 * <p>Header fields are read and written in place through flyweight views (see header views in this package and
 * friends); a Packet never holds a tree of header objects.
 */
public final class Packet {
    private ByteBuf buf;
    private int linkType = LinkType.ETHERNET;
    private long timestampNs;
    private int originalLength;

    public Packet() {}

    public Packet(ByteBuf buf, int linkType) {
        wrap(buf, linkType);
    }

    /** Re-points this packet at another buffer (the packet object is reused; no allocation). */
    public Packet wrap(ByteBuf buf, int linkType) {
        this.buf = buf;
        this.linkType = linkType;
        this.originalLength = buf.readableBytes();
        return this;
    }

    public ByteBuf buf() {
        return buf;
    }

    /** Offset in {@link #buf()} of the first byte of the frame. */
    public int start() {
        return buf.readerIndex();
    }

    /** Number of bytes of the frame held in the buffer. */
    public int length() {
        return buf.readableBytes();
    }

    public int linkType() {
        return linkType;
    }

    public Packet linkType(int linkType) {
        this.linkType = linkType;
        return this;
    }

    /** Virtual (or captured) time in nanoseconds. */
    public long timestampNs() {
        return timestampNs;
    }

    public Packet timestampNs(long timestampNs) {
        this.timestampNs = timestampNs;
        return this;
    }

    /** Length of the frame on the wire; larger than {@link #length()} for a snaplen-cut capture. */
    public int originalLength() {
        return originalLength;
    }

    public Packet originalLength(int originalLength) {
        this.originalLength = originalLength;
        return this;
    }

    /** Releases the buffer (reference counted). */
    public void release() {
        if (buf != null) {
            buf.release();
            buf = null;
        }
    }
}
