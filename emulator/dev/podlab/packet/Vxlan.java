package dev.podlab.packet;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of a VXLAN header (RFC 7348 section 5; the kernel's {@code struct vxlanhdr}):
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|R|R|R|I|R|R|R|            Reserved                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                VXLAN Network Identifier (VNI) |   Reserved    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The inner Ethernet frame follows. Linux's {@code vxlan_rcv} drops a packet whose I flag is
 * clear; RFC 7348 says reserved bits are set to zero on transmit and ignored on receipt.
 */
public final class Vxlan {
    public static final int FLAGS_OFFSET = 0;
    public static final int RESERVED1_OFFSET = 1;
    public static final int VNI_OFFSET = 4;
    public static final int RESERVED2_OFFSET = 7;
    public static final int HEADER_LENGTH = 8;

    /** VXLAN_HF_VNI: the I flag, "VNI valid". */
    public static final int FLAG_I = 0x08;
    /**
     * VXLAN-GPE's P flag (draft-ietf-nvo3-vxlan-gpe, Linux VXLAN_F_GPE devices): the last byte of
     * the first word is a Next Protocol (1 IPv4, 2 IPv6, 3 Ethernet).
     */
    public static final int FLAG_P = 0x04;
    /** VXLAN-GPE next protocol: Ethernet. */
    public static final int GPE_NEXT_ETHERNET = 3;
    /** IANA-assigned VXLAN port (RFC 7348); Linux's IANA_VXLAN_UDP_PORT. */
    public static final int PORT_IANA = 4789;
    /** The port Linux used before IANA's assignment and flannel still uses by default. */
    public static final int PORT_LINUX = 8472;
    /**
     * Bytes VXLAN encapsulation adds in front of the inner frame over IPv4:
     * outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 ({@code VXLAN_HEADROOM}).
     */
    public static final int IPV4_OVERHEAD = 50;

    private ByteBuf buf;
    private int offset;

    public Vxlan wrap(ByteBuf buf, int offset) {
        this.buf = buf;
        this.offset = offset;
        return this;
    }

    public int offset() {
        return offset;
    }

    public int headerLength() {
        return HEADER_LENGTH;
    }

    public static boolean fits(int available) {
        return available >= HEADER_LENGTH;
    }

    public int flags() {
        return buf.getUnsignedByte(offset + FLAGS_OFFSET);
    }

    public Vxlan flags(int flags) {
        buf.setByte(offset + FLAGS_OFFSET, flags);
        return this;
    }

    public boolean iFlag() {
        return (flags() & FLAG_I) != 0;
    }

    /** The 24 reserved bits after the flags byte. */
    public int reserved1() {
        return buf.getUnsignedMedium(offset + RESERVED1_OFFSET);
    }

    public Vxlan reserved1(int value) {
        buf.setMedium(offset + RESERVED1_OFFSET, value);
        return this;
    }

    public int vni() {
        return buf.getUnsignedMedium(offset + VNI_OFFSET);
    }

    public Vxlan vni(int vni) {
        buf.setMedium(offset + VNI_OFFSET, vni);
        return this;
    }

    /** VXLAN-GPE next protocol (the low byte of {@link #reserved1()}); meaningful when P is set. */
    public int gpeNextProtocol() {
        return buf.getUnsignedByte(offset + 3);
    }

    /** The last reserved byte. */
    public int reserved2() {
        return buf.getUnsignedByte(offset + RESERVED2_OFFSET);
    }

    public Vxlan reserved2(int value) {
        buf.setByte(offset + RESERVED2_OFFSET, value);
        return this;
    }

    /** True when every bit RFC 7348 reserves is zero (flags other than I, both reserved fields). */
    public boolean reservedBitsClear() {
        return (flags() & ~FLAG_I) == 0 && reserved1() == 0 && reserved2() == 0;
    }

    /** Offset of the inner Ethernet frame. */
    public int innerOffset() {
        return offset + HEADER_LENGTH;
    }
}
