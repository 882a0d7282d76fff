package dev.podlab.trace;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Keeps events in memory, in order; for tests and for callers that inspect a run afterwards. */
public final class ListTraceSink implements TraceSink {
    private final List<TraceEvent> events = new ArrayList<>();

    @Override
    public void accept(TraceEvent event) {
        events.add(event);
    }

    /** The events so far (a read-only view). */
    public List<TraceEvent> events() {
        return Collections.unmodifiableList(events);
    }

    /** Forgets the events so far. */
    public void clear() {
        events.clear();
    }
}
