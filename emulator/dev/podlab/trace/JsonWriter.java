package dev.podlab.trace;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A minimal streaming JSON writer: no dependencies, no reflection, compact output (no spaces),
 * keys written in the order the caller writes them, so output is byte-stable. Strings are escaped
 * per RFC 8259: {@code "} and {@code \}, control characters (as {@code \n}, {@code \t} ... or
 * {@code \}{@code u00XX}), and additionally U+2028, U+2029 and unpaired surrogates as
 * {@code \}{@code uXXXX}, so the output is valid UTF-8 and safe to embed in JavaScript.
 *
 * <pre>{@code
 * JsonWriter w = new JsonWriter(out);
 * w.beginObject().name("node").value("node1").name("pkts").value(3).endObject();
 * // {"node":"node1","pkts":3}
 * }</pre>
 *
 * <p>Misuse (a value where a name is due, unbalanced ends) throws {@link IllegalStateException}.
 * I/O errors of the underlying {@link Appendable} are rethrown as {@link UncheckedIOException}.
 */
public final class JsonWriter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    // Per nesting level: whether it is an object, and whether it has an element yet.
    private boolean[] isObject = new boolean[8];
    private boolean[] nonEmpty = new boolean[8];
    private int depth;
    private boolean nameWritten;
    private boolean topLevelDone;
    private Appendable out;

    /** A writer appending to {@code out}. */
    public JsonWriter(Appendable out) {
        this.out = out;
    }

    /** Starts a new top-level value on {@code out}, forgetting any state: for writing JSON lines. */
    public JsonWriter reset(Appendable out) {
        this.out = out;
        depth = 0;
        nameWritten = false;
        topLevelDone = false;
        return this;
    }

    public JsonWriter beginObject() {
        beforeValue();
        push(true);
        return put('{');
    }

    public JsonWriter endObject() {
        pop(true);
        return put('}');
    }

    public JsonWriter beginArray() {
        beforeValue();
        push(false);
        return put('[');
    }

    public JsonWriter endArray() {
        pop(false);
        return put(']');
    }

    /** Writes an object member's name; the next call must write its value. */
    public JsonWriter name(String name) {
        if (depth == 0 || !isObject[depth - 1] || nameWritten) {
            throw new IllegalStateException("a name is only allowed inside an object, before a value");
        }
        if (nonEmpty[depth - 1]) {
            put(',');
        }
        nonEmpty[depth - 1] = true;
        string(name);
        put(':');
        nameWritten = true;
        return this;
    }

    /** Writes a string value, or {@code null} if {@code value} is null. */
    public JsonWriter value(CharSequence value) {
        if (value == null) {
            return nullValue();
        }
        beforeValue();
        string(value);
        return this;
    }

    public JsonWriter value(long value) {
        beforeValue();
        try {
            out.append(Long.toString(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Writes a number; NaN and infinities have no JSON form and are rejected. */
    public JsonWriter value(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("JSON has no representation for " + value);
        }
        beforeValue();
        try {
            out.append(Double.toString(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public JsonWriter value(boolean value) {
        beforeValue();
        try {
            out.append(value ? "true" : "false");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public JsonWriter nullValue() {
        beforeValue();
        try {
            out.append("null");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Whether a complete top-level value has been written. */
    public boolean isComplete() {
        return topLevelDone && depth == 0;
    }

    /** Appends {@code s} as a quoted, escaped JSON string to {@code sb}. */
    public static void quote(StringBuilder sb, CharSequence s) {
        new JsonWriter(sb).string(s);
    }

    /** {@code s} as a quoted, escaped JSON string. */
    public static String quote(CharSequence s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        quote(sb, s);
        return sb.toString();
    }

    private void beforeValue() {
        if (depth == 0) {
            if (topLevelDone) {
                throw new IllegalStateException("a JSON text holds one top-level value; call reset() for the next");
            }
            topLevelDone = true; // set now for a scalar; an object or array is complete at its end
            return;
        }
        if (isObject[depth - 1]) {
            if (!nameWritten) {
                throw new IllegalStateException("an object member needs a name before its value");
            }
            nameWritten = false;
        } else {
            if (nonEmpty[depth - 1]) {
                put(',');
            }
            nonEmpty[depth - 1] = true;
        }
    }

    private void push(boolean object) {
        if (depth == isObject.length) {
            isObject = java.util.Arrays.copyOf(isObject, depth * 2);
            nonEmpty = java.util.Arrays.copyOf(nonEmpty, depth * 2);
        }
        isObject[depth] = object;
        nonEmpty[depth] = false;
        depth++;
    }

    private void pop(boolean object) {
        if (depth == 0 || isObject[depth - 1] != object || nameWritten) {
            throw new IllegalStateException("unbalanced end" + (object ? "Object" : "Array"));
        }
        depth--;
        if (depth == 0) {
            topLevelDone = true;
        }
    }

    private JsonWriter put(char c) {
        try {
            out.append(c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    private void string(CharSequence s) {
        try {
            Appendable o = out;
            o.append('"');
            int n = s.length();
            int run = 0; // start of the current run of characters needing no escape
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                String esc = null;
                boolean hex = false;
                if (c == '"') {
                    esc = "\\\"";
                } else if (c == '\\') {
                    esc = "\\\\";
                } else if (c < 0x20) {
                    switch (c) {
                        case '\n' -> esc = "\\n";
                        case '\r' -> esc = "\\r";
                        case '\t' -> esc = "\\t";
                        case '\b' -> esc = "\\b";
                        case '\f' -> esc = "\\f";
                        default -> hex = true;
                    }
                } else if (c == '\u2028' || c == '\u2029') {
                    hex = true;
                } else if (Character.isSurrogate(c)) {
                    boolean paired = Character.isHighSurrogate(c)
                            ? i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))
                            : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
                    hex = !paired;
                }
                if (esc == null && !hex) {
                    continue;
                }
                o.append(s, run, i);
                if (esc != null) {
                    o.append(esc);
                } else {
                    o.append('\\').append('u').append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                            .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                }
                run = i + 1;
            }
            o.append(s, run, n);
            o.append('"');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
