package dev.podlab.cluster.model;

/** Where an object or field was read from: a file and a 1-based line, for error messages. */
public record Source(String file, int line) {
    public static final Source NONE = new Source("<built-in>", 0);

    @Override
    public String toString() {
        return file + ":" + line;
    }
}
