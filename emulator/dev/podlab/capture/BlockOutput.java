package dev.podlab.capture;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Buffered little-endian output for the writers. A block (or pcap record) is always assembled
 * whole in the buffer: if it does not fit, the buffer is written out first. The underlying stream
 * therefore only ever receives whole blocks, so whatever reached it is a valid file up to its last
 * block even if the program dies before {@link #close()}.
 */
final class BlockOutput implements AutoCloseable {
    private static final int BUFFER_SIZE = 64 * 1024;
    private static final VarHandle LE_INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE_SHORT =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final OutputStream out;
    private byte[] buf = new byte[BUFFER_SIZE];
    private int pos;
    private long written;
    private boolean closed;

    BlockOutput(OutputStream out) {
        this.out = out;
    }

    /** Reserves room for a block of {@code length} bytes, flushing earlier blocks if needed. */
    void begin(int length) throws IOException {
        if (closed) {
            throw new IOException("capture writer is closed");
        }
        if (length > buf.length - pos) {
            drain();
            if (length > buf.length) {
                buf = new byte[length];
            }
        }
    }

    void u8(int v) {
        buf[pos++] = (byte) v;
    }

    void u16(int v) {
        LE_SHORT.set(buf, pos, (short) v);
        pos += 2;
    }

    void u32(int v) {
        LE_INT.set(buf, pos, v);
        pos += 4;
    }

    void u64(long v) {
        LE_LONG.set(buf, pos, v);
        pos += 8;
    }

    void bytes(ByteBuf src, int index, int length) {
        src.getBytes(index, buf, pos, length);
        pos += length;
    }

    void bytes(byte[] src) {
        System.arraycopy(src, 0, buf, pos, src.length);
        pos += src.length;
    }

    /** Zero bytes up to the next multiple of 4 of {@code length}. */
    void pad(int length) {
        int n = padding(length);
        for (int i = 0; i < n; i++) {
            buf[pos++] = 0;
        }
    }

    static int padding(int length) {
        return -length & 3;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Bytes handed to the stream or waiting in the buffer. */
    long position() {
        return written + pos;
    }

    private void drain() throws IOException {
        if (pos > 0) {
            out.write(buf, 0, pos);
            written += pos;
            pos = 0;
        }
    }

    void flush() throws IOException {
        drain();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            drain();
        } finally {
            out.close();
        }
    }
}
