package dev.podlab.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The frames' buffers read and write exactly as Netty's own heap buffer does, the oracle here:
 * the same bytes after the same writes, the same values from the same reads, big-endian and
 * little-endian, by index and by reader/writer index, and an {@link IndexOutOfBoundsException}
 * wherever Netty's bounds check would throw one.
 */
class HeapFramesTest {
    @Test
    void everyAccessorAgreesWithNettysHeapBuffer() {
        SplittableRandom rnd = new SplittableRandom(4);
        ByteBuf ours = HeapFrames.ALLOCATOR.heapBuffer(64, 64);
        ByteBuf netty = Unpooled.buffer(64, 64);
        ours.writerIndex(64);
        netty.writerIndex(64);
        for (int round = 0; round < 20_000; round++) {
            int width = switch (rnd.nextInt(4)) {
                case 0 -> 1;
                case 1 -> 2;
                case 2 -> 4;
                default -> 8;
            };
            int at = rnd.nextInt(64 - width + 1);
            long v = rnd.nextLong();
            switch (width) {
                case 1 -> {
                    ours.setByte(at, (int) v);
                    netty.setByte(at, (int) v);
                }
                case 2 -> {
                    if (rnd.nextBoolean()) {
                        ours.setShort(at, (int) v);
                        netty.setShort(at, (int) v);
                    } else {
                        ours.setShortLE(at, (int) v);
                        netty.setShortLE(at, (int) v);
                    }
                }
                case 4 -> {
                    ours.setInt(at, (int) v);
                    netty.setInt(at, (int) v);
                }
                default -> {
                    ours.setLong(at, v);
                    netty.setLong(at, v);
                }
            }
            int r = rnd.nextInt(64 - 8 + 1);
            assertThat(ours.getByte(r)).isEqualTo(netty.getByte(r));
            assertThat(ours.getUnsignedByte(r)).isEqualTo(netty.getUnsignedByte(r));
            assertThat(ours.getShort(r)).isEqualTo(netty.getShort(r));
            assertThat(ours.getUnsignedShort(r)).isEqualTo(netty.getUnsignedShort(r));
            assertThat(ours.getShortLE(r)).isEqualTo(netty.getShortLE(r));
            assertThat(ours.getUnsignedMedium(r)).isEqualTo(netty.getUnsignedMedium(r));
            assertThat(ours.getInt(r)).isEqualTo(netty.getInt(r));
            assertThat(ours.getUnsignedInt(r)).isEqualTo(netty.getUnsignedInt(r));
            assertThat(ours.getIntLE(r)).isEqualTo(netty.getIntLE(r));
            assertThat(ours.getLong(r)).isEqualTo(netty.getLong(r));
        }
        byte[] a = new byte[64];
        byte[] b = new byte[64];
        ours.getBytes(0, a);
        netty.getBytes(0, b);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void streamingReadsAndWritesAgreeToo() {
        ByteBuf ours = HeapFrames.ALLOCATOR.heapBuffer(4);
        ByteBuf netty = Unpooled.buffer(4);
        for (ByteBuf buf : new ByteBuf[] {ours, netty}) {
            // Past the initial capacity: the buffer grows (a new array) and keeps what it held.
            buf.writeByte(0x45).writeShort(0x1234).writeInt(0xdeadbeef).writeLong(0x0102030405060708L).writeMedium(0xabcdef);
        }
        assertThat(ours.capacity()).isGreaterThan(4);
        assertThat(ours.readableBytes()).isEqualTo(netty.readableBytes());
        assertThat(ours.readUnsignedByte()).isEqualTo(netty.readUnsignedByte());
        assertThat(ours.readUnsignedShort()).isEqualTo(netty.readUnsignedShort());
        assertThat(ours.readInt()).isEqualTo(netty.readInt());
        assertThat(ours.readLong()).isEqualTo(netty.readLong());
        assertThat(ours.readUnsignedMedium()).isEqualTo(netty.readUnsignedMedium());
    }

    @Test
    void outOfRangeAndReleasedBuffersThrowLikeNettys() {
        ByteBuf ours = HeapFrames.ALLOCATOR.heapBuffer(16, 16);
        assertThatThrownBy(() -> ours.getInt(13)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ours.getByte(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ours.setLong(9, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ours.getUnsignedShort(15)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(ours.getInt(12)).isZero();
        ours.release();
        assertThatThrownBy(() -> ours.getInt(0)).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> ours.setByte(0, 1)).isInstanceOf(RuntimeException.class);
    }
}
