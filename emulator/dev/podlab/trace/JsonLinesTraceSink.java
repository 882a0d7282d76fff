package dev.podlab.trace;

import java.io.Flushable;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes one JSON object per event per line (JSON Lines), keys always present and always in this
 * order:
 *
 * <pre>
 * {"time_ns":12000,"node":"node1","netns":"host","device":"eth0","step":"link-tx","verdict":"TRANSMIT","reason":null,"detail":"len=60"}
 * </pre>
 *
 * Absent values are {@code null}; {@code reason} is the kernel-style drop reason name. Lines end with
 * {@code \n}.
 */
public final class JsonLinesTraceSink implements TraceSink {
    private final Appendable out;
    private final StringBuilder line = new StringBuilder(200);
    private final JsonWriter json = new JsonWriter(line);

    /** A sink appending lines to {@code out}. */
    public JsonLinesTraceSink(Appendable out) {
        this.out = out;
    }

    /** One event as its JSON object, without the newline. */
    public static String format(TraceEvent e) {
        StringBuilder sb = new StringBuilder(200);
        write(new JsonWriter(sb), e);
        return sb.toString();
    }

    @Override
    public void accept(TraceEvent e) {
        line.setLength(0);
        write(json.reset(line), e);
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

    private static void write(JsonWriter w, TraceEvent e) {
        w.beginObject()
                .name("time_ns").value(e.timeNs())
                .name("node").value(e.node())
                .name("netns").value(e.netns())
                .name("device").value(e.device())
                .name("step").value(e.step().name())
                .name("verdict").value(e.verdict().name())
                .name("reason").value(e.reason() == null ? null : e.reason().name())
                .name("detail").value(e.detail())
                .endObject();
    }
}
