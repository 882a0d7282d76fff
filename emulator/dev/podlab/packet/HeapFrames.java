package dev.podlab.packet;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The allocator of the emulated network's frames: unpooled heap buffers whose big-endian
 * accessors read and write the backing array through byte-array views, one bounds-checked load or
 * store per field.
 *
 * <p>Netty's heap buffer checks each access twice before touching the array: the reference count
 * ({@code ensureAccessible}) and the index against the capacity, then assembles a 32-bit field
 * from four byte loads. Here the array's own bounds check is the capacity check (the array is
 * exactly the buffer's capacity, as in {@link UnpooledHeapByteBuf}), so an index outside the
 * buffer still throws an {@link IndexOutOfBoundsException}; a released buffer has an empty array,
 * so reading it throws one too, where Netty would throw {@code IllegalReferenceCountException}.
 * Every other operation is Netty's own. Frames are read field by field at every hop, which made
 * these checks a tenth of a datagram's time (BENCHMARKS.md).
 */
public final class HeapFrames extends AbstractByteBufAllocator {
    /** The one instance: the allocator keeps no state. */
    public static final HeapFrames ALLOCATOR = new HeapFrames();

    private HeapFrames() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return new Frame(this, initialCapacity, maxCapacity);
    }

    /** Heap as well: frames are never handed to a native API. */
    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return new Frame(this, initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    private static final class Frame extends UnpooledHeapByteBuf {
        private static final byte[] RELEASED = new byte[0];
        private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
        private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
        private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

        /** The backing array, followed through capacity changes and release. */
        private byte[] bytes;

        Frame(HeapFrames alloc, int initialCapacity, int maxCapacity) {
            super(alloc, initialCapacity, maxCapacity);
        }

        @Override
        protected byte[] allocateArray(int initialCapacity) {
            // Called by the constructor and by capacity changes, before the new array is in use.
            byte[] a = super.allocateArray(initialCapacity);
            bytes = a;
            return a;
        }

        @Override
        protected void freeArray(byte[] array) {
            if (array == bytes) {
                bytes = RELEASED;
            }
            super.freeArray(array);
        }

        @Override
        public byte getByte(int index) {
            return _getByte(index);
        }

        @Override
        protected byte _getByte(int index) {
            return bytes[index];
        }

        @Override
        public short getShort(int index) {
            return _getShort(index);
        }

        @Override
        protected short _getShort(int index) {
            return (short) SHORT.get(bytes, index);
        }

        @Override
        public int getInt(int index) {
            return _getInt(index);
        }

        @Override
        protected int _getInt(int index) {
            return (int) INT.get(bytes, index);
        }

        @Override
        public long getLong(int index) {
            return _getLong(index);
        }

        @Override
        protected long _getLong(int index) {
            return (long) LONG.get(bytes, index);
        }

        @Override
        public ByteBuf setByte(int index, int value) {
            _setByte(index, value);
            return this;
        }

        @Override
        protected void _setByte(int index, int value) {
            bytes[index] = (byte) value;
        }

        @Override
        public ByteBuf setShort(int index, int value) {
            _setShort(index, value);
            return this;
        }

        @Override
        protected void _setShort(int index, int value) {
            SHORT.set(bytes, index, (short) value);
        }

        @Override
        public ByteBuf setInt(int index, int value) {
            _setInt(index, value);
            return this;
        }

        @Override
        protected void _setInt(int index, int value) {
            INT.set(bytes, index, value);
        }

        @Override
        public ByteBuf setLong(int index, long value) {
            _setLong(index, value);
            return this;
        }

        @Override
        protected void _setLong(int index, long value) {
            LONG.set(bytes, index, value);
        }
    }
}
