package dev.podlab.cluster;

import dev.podlab.trace.TraceEvent;
import dev.podlab.trace.TraceSink;
import java.util.ArrayList;
import java.util.List;

/**
 * A trace sink that keeps events only while a probe records them, and optionally passes every
 * event on to another sink (a text or JSON-lines trace of the whole run).
 */
public final class RecordingSink implements TraceSink {
    private final TraceSink next;
    private List<TraceEvent> recording;

    public RecordingSink(TraceSink next) {
        this.next = next;
    }

    public RecordingSink() {
        this(null);
    }

    void start() {
        recording = new ArrayList<>();
    }

    List<TraceEvent> stop() {
        List<TraceEvent> r = recording == null ? List.of() : recording;
        recording = null;
        return r;
    }

    @Override
    public void accept(TraceEvent event) {
        if (recording != null) {
            recording.add(event);
        }
        if (next != null) {
            next.accept(event);
        }
    }

    @Override
    public void flush() {
        if (next != null) {
            next.flush();
        }
    }
}
