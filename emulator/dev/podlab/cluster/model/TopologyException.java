package dev.podlab.cluster.model;

/**
 * A topology that cannot be loaded or built: the message is one line naming the file, the line
 * and what is wrong, e.g. {@code lab.yaml:12: Pod default/web: spec.containers[0].ports[0].containerPort: Required value}.
 */
public final class TopologyException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Source source;

    public TopologyException(Source source, String message) {
        super(source == null || source == Source.NONE ? message : source + ": " + message);
        this.source = source;
    }

    public Source source() {
        return source;
    }
}
