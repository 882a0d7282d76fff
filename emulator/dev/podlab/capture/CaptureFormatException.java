package dev.podlab.capture;

import java.io.IOException;

/**
 * A capture file is damaged, truncated or of a kind podlab refuses to read. The message is a
 * single line naming the file, the byte offset where the problem lies and what is wrong, in the
 * shape {@code vxlan.pcap: offset 114: record capture length 1409179648 exceeds the maximum 262144},
 * so that a command can print it as is.
 *
 * <p>For gzip-compressed input the offset counts bytes of the decompressed stream.
 */
public final class CaptureFormatException extends IOException {
    private final String fileName;
    private final long offset;
    private final String problem;

    public CaptureFormatException(String fileName, long offset, String problem) {
        super(fileName + ": offset " + offset + ": " + oneLine(problem));
        this.fileName = fileName;
        this.offset = offset;
        this.problem = oneLine(problem);
    }

    /** The name the reader was opened with (a path as given, or {@code stdin}). */
    public String fileName() {
        return fileName;
    }

    /** Byte offset of the header, record or block at fault, counted from the start of the file. */
    public long offset() {
        return offset;
    }

    /** What is wrong, without the file name and offset. */
    public String problem() {
        return problem;
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}
