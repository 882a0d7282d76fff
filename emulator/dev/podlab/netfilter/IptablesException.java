package dev.podlab.netfilter;

/**
 * A rule, command or restore input iptables would refuse. The message is one line: for
 * {@code iptables-restore} input it names the line, e.g.
 * {@code iptables-restore: line 12 failed: unsupported match "-m recent"}.
 */
public final class IptablesException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int line;

    public IptablesException(String message) {
        this(message, 0);
    }

    IptablesException(String message, int line) {
        super(message);
        this.line = line;
    }

    /** The 1-based input line the error is about, 0 when not from restore input. */
    public int line() {
        return line;
    }
}
