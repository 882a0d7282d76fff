package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of an ARP packet (RFC 826). The fixed part is generic; the address fields are
 * read at the offsets of Ethernet/IPv4 ARP (hardware length 6, protocol length 4), the only kind
 * Linux's {@code arp_create} builds for Ethernet devices. {@link #isEthernetIpv4()} tells whether
 * those offsets apply.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    hardware type (1)          |    protocol type (0x0800)     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  hlen (6)     |   plen (4)    |          operation            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              sender hardware address (sha, 6)                 |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               | sender protocol address (spa) |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      spa (cont.)              |  target hardware address (tha)|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              target protocol address (tpa, 4)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Arp {
    public static final int HTYPE_OFFSET = 0;
    public static final int PTYPE_OFFSET = 2;
    public static final int HLEN_OFFSET = 4;
    public static final int PLEN_OFFSET = 5;
    public static final int OP_OFFSET = 6;
    public static final int SHA_OFFSET = 8;
    public static final int SPA_OFFSET = 14;
    public static final int THA_OFFSET = 18;
    public static final int TPA_OFFSET = 24;
    /** Fixed part before the addresses. */
    public static final int FIXED_LENGTH = 8;
    /** Length of an Ethernet/IPv4 ARP packet ({@code arp_hdr_len} for Ethernet). */
    public static final int ETHERNET_IPV4_LENGTH = 28;

    /** ARPHRD_ETHER */
    public static final int HTYPE_ETHERNET = 1;
    /** ARPOP_REQUEST */
    public static final int OP_REQUEST = 1;
    /** ARPOP_REPLY */
    public static final int OP_REPLY = 2;

    private ByteBuf buf;
    private int offset;

    public Arp wrap(ByteBuf buf, int offset) {
        this.buf = buf;
        this.offset = offset;
        return this;
    }

    public int offset() {
        return offset;
    }

    /** Length implied by the hardware and protocol lengths: 8 + 2*hlen + 2*plen. */
    public int headerLength() {
        return FIXED_LENGTH + 2 * hardwareLength() + 2 * protocolLength();
    }

    /** True when the fixed part is available (so the lengths can be read). */
    public static boolean fixedFits(int available) {
        return available >= FIXED_LENGTH;
    }

    /** True when the whole packet, as its length fields describe it, is available. */
    public boolean fits(int available) {
        return available >= FIXED_LENGTH && available >= headerLength();
    }

    /** True for the Ethernet/IPv4 flavour: htype 1, ptype 0x0800, hlen 6, plen 4. */
    public boolean isEthernetIpv4() {
        return hardwareType() == HTYPE_ETHERNET && protocolType() == EtherType.IPV4
                && hardwareLength() == 6 && protocolLength() == 4;
    }

    public int hardwareType() {
        return buf.getUnsignedShort(offset + HTYPE_OFFSET);
    }

    public Arp hardwareType(int v) {
        buf.setShort(offset + HTYPE_OFFSET, v);
        return this;
    }

    public int protocolType() {
        return buf.getUnsignedShort(offset + PTYPE_OFFSET);
    }

    public Arp protocolType(int v) {
        buf.setShort(offset + PTYPE_OFFSET, v);
        return this;
    }

    public int hardwareLength() {
        return buf.getUnsignedByte(offset + HLEN_OFFSET);
    }

    public Arp hardwareLength(int v) {
        buf.setByte(offset + HLEN_OFFSET, v);
        return this;
    }

    public int protocolLength() {
        return buf.getUnsignedByte(offset + PLEN_OFFSET);
    }

    public Arp protocolLength(int v) {
        buf.setByte(offset + PLEN_OFFSET, v);
        return this;
    }

    public int op() {
        return buf.getUnsignedShort(offset + OP_OFFSET);
    }

    public Arp op(int v) {
        buf.setShort(offset + OP_OFFSET, v);
        return this;
    }

    public long sha() {
        return MacAddress.get(buf, offset + SHA_OFFSET);
    }

    public Arp sha(long mac) {
        MacAddress.set(buf, offset + SHA_OFFSET, mac);
        return this;
    }

    public int spa() {
        return buf.getInt(offset + SPA_OFFSET);
    }

    public Arp spa(int addr) {
        buf.setInt(offset + SPA_OFFSET, addr);
        return this;
    }

    public long tha() {
        return MacAddress.get(buf, offset + THA_OFFSET);
    }

    public Arp tha(long mac) {
        MacAddress.set(buf, offset + THA_OFFSET, mac);
        return this;
    }

    public int tpa() {
        return buf.getInt(offset + TPA_OFFSET);
    }

    public Arp tpa(int addr) {
        buf.setInt(offset + TPA_OFFSET, addr);
        return this;
    }

    /**
     * A gratuitous ARP announces the sender's own binding: sender and target protocol addresses
     * are equal (RFC 5227 section 3; Linux's {@code arp_process} treats both request and reply
     * forms this way).
     */
    public boolean isGratuitous() {
        return spa() == tpa();
    }
}
