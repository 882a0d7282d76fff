package dev.podlab.capture;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.zip.ZipException;

/**
 * The byte source under both readers: one growable window over a stream, refilled in large
 * reads. A reader asks for the next {@code n} bytes ({@link #fill(int)}), decodes fields at
 * positions relative to {@link #position()}, then {@link #consume(int)}s them. A whole record or
 * block is thus always contiguous in {@link #array()}, which keeps parsing simple and bounds-checked
 * by construction; the window grows only when a record is larger than any seen before.
 *
 * <p>Tracks the absolute file offset of the window so that errors can say where they happened.
 */
final class CaptureInput implements AutoCloseable {
    static final int INITIAL_WINDOW = 64 * 1024;

    private static final VarHandle LE_INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE_INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LE_SHORT =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE_SHORT =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LE_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final InputStream in;
    private final String name;
    private byte[] buf = new byte[INITIAL_WINDOW];
    private int pos;
    private int limit;
    /** File offset of buf[0]. */
    private long base;
    private boolean eof;

    CaptureInput(InputStream in, String name) {
        this.in = in;
        this.name = name;
    }

    /**
     * Makes at least {@code n} bytes available from {@link #position()}, reading and growing the
     * window as needed. Returns false when the stream ends first; {@link #available()} then says
     * how many bytes there were.
     */
    boolean fill(int n) throws IOException {
        if (limit - pos >= n) {
            return true;
        }
        if (n > buf.length - pos) {
            int kept = limit - pos;
            byte[] target = n > buf.length ? new byte[Math.max(n, Math.min(2 * buf.length, Integer.MAX_VALUE - 8))] : buf;
            System.arraycopy(buf, pos, target, 0, kept);
            buf = target;
            base += pos;
            pos = 0;
            limit = kept;
        }
        while (limit - pos < n && !eof) {
            int r = read(buf, limit, buf.length - limit);
            if (r < 0) {
                eof = true;
            } else {
                limit += r;
            }
        }
        return limit - pos >= n;
    }

    private int read(byte[] b, int off, int len) throws IOException {
        try {
            return in.read(b, off, len);
        } catch (ZipException e) {
            throw new CaptureFormatException(name, offset() + available(), "gzip data damaged: " + e.getMessage());
        } catch (EOFException e) {
            // GZIPInputStream reports a cut gzip stream this way; the record reader then reports
            // the truncated record or block with its own offset.
            return -1;
        }
    }

    /** Bytes available in the window from the current position. */
    int available() {
        return limit - pos;
    }

    /** Absolute file offset of the current position. */
    long offset() {
        return base + pos;
    }

    /** The window; valid positions are {@code position() .. position() + available()}. */
    byte[] array() {
        return buf;
    }

    int position() {
        return pos;
    }

    void consume(int n) {
        pos += n;
    }

    int u8(int rel) {
        return buf[pos + rel] & 0xFF;
    }

    int u16(int rel, boolean bigEndian) {
        short v = bigEndian ? (short) BE_SHORT.get(buf, pos + rel) : (short) LE_SHORT.get(buf, pos + rel);
        return v & 0xFFFF;
    }

    int i32(int rel, boolean bigEndian) {
        return bigEndian ? (int) BE_INT.get(buf, pos + rel) : (int) LE_INT.get(buf, pos + rel);
    }

    long u32(int rel, boolean bigEndian) {
        return i32(rel, bigEndian) & 0xFFFF_FFFFL;
    }

    long i64(int rel, boolean bigEndian) {
        return bigEndian ? (long) BE_LONG.get(buf, pos + rel) : (long) LE_LONG.get(buf, pos + rel);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
