package dev.podlab.trace;

import java.io.Flushable;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes one readable line per event in fixed columns:
 *
 * <pre>
 *           TIME  NODE      NETNS         DEVICE        STEP           VERDICT   REASON               DETAIL
 *    0.000012000  node1     host          eth0          link-tx        TRANSMIT  -                    len=60
 * </pre>
 *
 * Time is virtual time in seconds with nine decimals, right-aligned; other columns are left-aligned
 * and padded to their width; a value longer than its column is printed whole followed by one space
 * (the rest of the line shifts, nothing is cut). Absent values print as {@code -}. Trailing spaces
 * are trimmed and lines end with {@code \n} on every platform, so output is byte-identical across
 * runs and machines.
 */
public final class TextTraceSink implements TraceSink {
    private static final int TIME_WIDTH = 15;
    private static final int[] WIDTHS = {10, 14, 14, 15, 10, 21}; // node netns device step verdict reason

    /** The column header line (with its newline), for callers that want one above the events. */
    public static final String HEADER;

    static {
        StringBuilder sb = new StringBuilder();
        pad(sb, "TIME", TIME_WIDTH, true);
        sb.append("  ");
        String[] names = {"NODE", "NETNS", "DEVICE", "STEP", "VERDICT", "REASON"};
        for (int i = 0; i < names.length; i++) {
            pad(sb, names[i], WIDTHS[i], false);
        }
        sb.append("DETAIL");
        HEADER = sb.append('\n').toString();
    }

    private final Appendable out;
    private final StringBuilder line = new StringBuilder(160);

    /** A sink appending lines to {@code out} (a {@link java.io.Writer}, a {@link StringBuilder}...). */
    public TextTraceSink(Appendable out) {
        this.out = out;
    }

    /** Formats one event as its line, without the newline. */
    public static String format(TraceEvent e) {
        StringBuilder sb = new StringBuilder(160);
        formatInto(sb, e);
        return sb.toString();
    }

    @Override
    public void accept(TraceEvent e) {
        line.setLength(0);
        formatInto(line, e);
        line.append('\n');
        try {
            out.append(line);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void flush() {
        if (out instanceof Flushable f) {
            try {
                f.flush();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }

    private static void formatInto(StringBuilder sb, TraceEvent e) {
        int start = sb.length();
        TraceEvent.appendSeconds(sb, e.timeNs());
        for (int fill = TIME_WIDTH - (sb.length() - start); fill > 0; fill--) {
            sb.insert(start, ' '); // right-align the time
        }
        sb.append("  ");
        pad(sb, orDash(e.node()), WIDTHS[0], false);
        pad(sb, orDash(e.netns()), WIDTHS[1], false);
        pad(sb, orDash(e.device()), WIDTHS[2], false);
        pad(sb, e.step().name(), WIDTHS[3], false);
        pad(sb, e.verdict().name(), WIDTHS[4], false);
        pad(sb, e.reason() == null ? "-" : e.reason().name(), WIDTHS[5], false);
        appendSingleLine(sb, e.detail());
        int end = sb.length();
        while (end > start && sb.charAt(end - 1) == ' ') {
            end--;
        }
        sb.setLength(end);
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    /** Detail text is free-form; a newline in it must not break the one-event-per-line rule. */
    private static void appendSingleLine(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c == '\n' || c == '\r' ? ' ' : c);
        }
    }

    private static void pad(StringBuilder sb, CharSequence s, int width, boolean right) {
        int fill = width - s.length();
        if (right) {
            for (int i = 0; i < fill; i++) {
                sb.append(' ');
            }
            sb.append(s);
        } else {
            sb.append(s);
            for (int i = 0; i < fill; i++) {
                sb.append(' ');
            }
        }
        // A value that filled or overflowed its column still needs a separator from the next.
        if (fill <= 0 && !right) {
            sb.append(' ');
        }
    }
}
