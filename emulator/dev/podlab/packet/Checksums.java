package dev.podlab.packet;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624), over {@link ByteBuf}
 * ranges, without copying.
 *
 * <p>The arithmetic is the one of the kernel's {@code csum_partial} / {@code csum_fold} /
 * {@code csum_tcpudp_nofold}: bytes are summed as big-endian 16-bit words into a wide accumulator
 * ({@link #sum}), the accumulator is folded to 16 bits with end-around carry and complemented
 * ({@link #fold}). Partial sums compose by plain addition, so a pseudo-header sum and a payload sum
 * can be computed separately and added.
 *
 * <p>All methods are static, allocation-free and never read outside the given range.
 */
public final class Checksums {
    private Checksums() {}

    /**
     * Adds the bytes {@code buf[offset .. offset+length)} as big-endian 16-bit words to
     * {@code initial}; an odd trailing byte is padded with a zero byte on the right (RFC 1071
     * section 4.1). The result is an unfolded partial sum; pass it to {@link #fold}.
     */
    public static long sum(ByteBuf buf, int offset, int length, long initial) {
        if (offset < 0 || length < 0 || offset + length > buf.capacity()) {
            throw new IndexOutOfBoundsException("checksum range " + offset + "+" + length
                    + " outside buffer capacity " + buf.capacity());
        }
        long acc = initial;
        int i = offset;
        int end = offset + length;
        // 8 bytes at a time, added as two 32-bit halves: the 64-bit accumulator cannot overflow
        // for any length a ByteBuf can hold. The backing array or memory is read directly, the
        // range having been checked above.
        if (buf.hasArray()) {
            byte[] a = buf.array();
            int base = buf.arrayOffset();
            while (end - i >= 8) {
                long v = (long) LONG_BE.get(a, base + i);
                acc += (v >>> 32) + (v & 0xffffffffL);
                i += 8;
            }
        } else if (buf.hasMemoryAddress() && PlatformDependent.hasUnsafe()) {
            long address = buf.memoryAddress();
            while (end - i >= 8) {
                long v = PlatformDependent.getLong(address + i);
                if (!PlatformDependent.BIG_ENDIAN_NATIVE_ORDER) {
                    v = Long.reverseBytes(v);
                }
                acc += (v >>> 32) + (v & 0xffffffffL);
                i += 8;
            }
        }
        while (end - i >= 4) {
            acc += buf.getUnsignedInt(i);
            i += 4;
        }
        if (end - i >= 2) {
            acc += buf.getUnsignedShort(i);
            i += 2;
        }
        if (i < end) {
            acc += (buf.getUnsignedByte(i) << 8);
        }
        return acc;
    }

    private static final VarHandle LONG_BE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** {@link #sum(ByteBuf, int, int, long)} starting from zero. */
    public static long sum(ByteBuf buf, int offset, int length) {
        return sum(buf, offset, length, 0);
    }

    /**
     * Folds a partial sum to 16 bits with end-around carry and returns its one's complement: the
     * value to store in a checksum field ({@code csum_fold}).
     */
    public static int fold(long sum) {
        long s = sum;
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) (~s & 0xffff);
    }

    /** The Internet checksum of a byte range: {@code fold(sum(buf, offset, length))}. */
    public static int internetChecksum(ByteBuf buf, int offset, int length) {
        return fold(sum(buf, offset, length, 0));
    }

    /**
     * The partial sum of the IPv4 pseudo-header used by TCP, UDP and ICMP-less transports
     * (RFC 793 section 3.1, RFC 768):
     *
     * <pre>
     *  0      7 8     15 16    23 24    31
     * +--------+--------+--------+--------+
     * |          source address           |
     * +--------+--------+--------+--------+
     * |        destination address        |
     * +--------+--------+--------+--------+
     * |  zero  |protocol|   L4 length     |
     * +--------+--------+--------+--------+
     * </pre>
     *
     * Mirrors {@code csum_tcpudp_nofold}.
     */
    public static long pseudoHeaderSum(int srcAddr, int dstAddr, int protocol, int l4Length) {
        return ((srcAddr >>> 16) & 0xffff) + (srcAddr & 0xffff)
                + ((dstAddr >>> 16) & 0xffff) + (dstAddr & 0xffff)
                + (protocol & 0xff) + (l4Length & 0xffff);
    }

    /**
     * Incrementally updates a stored checksum when one 16-bit word of the covered data changes
     * from {@code oldWord} to {@code newWord}: RFC 1624 equation 3, {@code HC' = ~(~HC + ~m + m')}
     * (the kernel's {@code csum_replace2}). Unlike the RFC 1141 form this never yields 0x0000 for
     * a non-zero sum.
     */
    public static int update16(int checksum, int oldWord, int newWord) {
        long s = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return fold(s);
    }

    /**
     * Incrementally updates a checksum when a 32-bit field (an IPv4 address, a TCP sequence
     * number) changes: two applications of {@link #update16} done in one fold
     * ({@code csum_replace4}). Used for NAT rewrites, where the address also appears in the
     * TCP/UDP pseudo-header.
     */
    public static int update32(int checksum, int oldValue, int newValue) {
        long s = (~checksum & 0xffff)
                + (~oldValue >>> 16 & 0xffff) + (~oldValue & 0xffff)
                + (newValue >>> 16 & 0xffff) + (newValue & 0xffff);
        return fold(s);
    }
}
