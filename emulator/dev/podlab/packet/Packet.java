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

    // skb-like metadata the node datapath carries with a packet (sk_buff fields of the same names).
    private int mark;
    private long id;
    private Object conntrack;
    private int ctinfo;
    private int fragMaxSize;
    private boolean csumUnnecessary;
    private boolean nfTrace;

    public Packet() {}

    public Packet(ByteBuf buf, int linkType) {
        wrap(buf, linkType);
    }

    /** Re-points this packet at another buffer (the packet object is reused; no allocation). */
    public Packet wrap(ByteBuf buf, int linkType) {
        this.buf = buf;
        this.linkType = linkType;
        this.originalLength = buf.readableBytes();
        this.mark = 0;
        this.conntrack = null;
        this.ctinfo = 0;
        this.fragMaxSize = 0;
        this.csumUnnecessary = false;
        this.nfTrace = false;
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

    /** Points the packet at a new buffer (a copy with more headroom), keeping its metadata. */
    public Packet wrapKeepingMetadata(ByteBuf buf) {
        this.buf = buf;
        return this;
    }

    /**
     * The kernel's {@code skb_csum_unnecessary()} for the TCP or UDP checksum: true for a segment
     * a local TCP or UDP socket sent ({@code CHECKSUM_PARTIAL}: the devices podlab emulates
     * offload the checksum; podlab writes it in full all the same, so captures verify) and for one
     * whose checksum was verified once on this host ({@code csum_valid}); false for what a NIC
     * receives off the wire, what a tunnel decapsulates and what is injected raw. Conntrack at
     * PREROUTING and the receiving socket verify only while it is false, as {@code nf_ip_checksum}
     * and {@code udp4_csum_init}/{@code tcp_v4_rcv} do.
     */
    public boolean csumUnnecessary() {
        return csumUnnecessary;
    }

    public Packet csumUnnecessary(boolean unnecessary) {
        this.csumUnnecessary = unnecessary;
        return this;
    }

    /** The skb mark ({@code skb->mark}): set by iptables MARK, matched by {@code -m mark}. */
    public int mark() {
        return mark;
    }

    public Packet mark(int mark) {
        this.mark = mark;
        return this;
    }

    /**
     * An identifier that follows the packet through every hop of an emulation (and into its
     * copies: an encapsulated packet keeps the id of the packet it carries), so a trace can be
     * read packet by packet.
     */
    public long id() {
        return id;
    }

    public Packet id(long id) {
        this.id = id;
        return this;
    }

    /** The conntrack entry attached by the connection tracker ({@code skb->_nfct}), or null. */
    public Object conntrack() {
        return conntrack;
    }

    /** The packet's conntrack state relative to its entry ({@code enum ip_conntrack_info}). */
    public int ctinfo() {
        return ctinfo;
    }

    public Packet conntrack(Object entry, int ctinfo) {
        this.conntrack = entry;
        this.ctinfo = ctinfo;
        return this;
    }

    /**
     * The largest fragment this packet was reassembled from ({@code IPCB(skb)->frag_max_size}),
     * or 0: a forwarding node refragments to at most this size and applies the DF check to it.
     */
    public int fragMaxSize() {
        return fragMaxSize;
    }

    public Packet fragMaxSize(int size) {
        this.fragMaxSize = size;
        return this;
    }

    /**
     * {@code skb->nf_trace}: set by {@code -j TRACE}, after which every table the packet crosses
     * in this namespace logs its rules ("TRACE: table:chain:type:rulenum"), until
     * {@code skb_scrub_packet} clears it (a veth or a tunnel) or the packet leaves on a wire.
     */
    public boolean nfTrace() {
        return nfTrace;
    }

    public Packet nfTrace(boolean on) {
        this.nfTrace = on;
        return this;
    }

    /**
     * {@code skb_scrub_packet}: what a packet sheds where it leaves one stack for another through
     * a veth or a tunnel. The conntrack reference and {@code nf_trace} always go; the mark only when
     * it crosses into another namespace ({@code xnet}).
     */
    public Packet scrub(boolean xnet) {
        this.conntrack = null;
        this.ctinfo = 0;
        this.nfTrace = false;
        if (xnet) {
            this.mark = 0;
        }
        return this;
    }

    /** Copies the metadata (not the bytes) of {@code other}: for clones made by flooding. */
    public Packet copyMetadata(Packet other) {
        this.linkType = other.linkType;
        this.timestampNs = other.timestampNs;
        this.originalLength = other.originalLength;
        this.mark = other.mark;
        this.id = other.id;
        this.conntrack = other.conntrack;
        this.ctinfo = other.ctinfo;
        this.fragMaxSize = other.fragMaxSize;
        this.nfTrace = other.nfTrace; // __nf_copy: clones and fragments stay traced
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
