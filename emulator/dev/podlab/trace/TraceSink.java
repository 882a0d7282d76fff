package dev.podlab.trace;

import java.util.List;

/**
 * Where trace events go. Sinks see events in the order the simulation produced them and must
 * write them in that order.
 */
public interface TraceSink {
    /** Consumes one event. */
    void accept(TraceEvent event);

    /** Pushes buffered output to its destination. */
    default void flush() {}

    /** A sink that passes every event to each of {@code sinks}, in the order given. */
    static TraceSink tee(TraceSink... sinks) {
        List<TraceSink> all = List.of(sinks);
        return new TraceSink() {
            @Override
            public void accept(TraceEvent event) {
                for (TraceSink s : all) {
                    s.accept(event);
                }
            }

            @Override
            public void flush() {
                for (TraceSink s : all) {
                    s.flush();
                }
            }
        };
    }
}
