package dev.podlab.net;

/**
 * A route request the kernel refuses, carrying the errno and, when the kernel sets one, the
 * extended-ack text. {@link #getMessage()} is the line iproute2 prints on stderr: {@code Error:
 * <extack>.} when there is an extended ack (lib/libnetlink.c adds the final period), otherwise
 * {@code RTNETLINK answers: <strerror>}.
 */
public final class RouteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String extack;

    RouteException(Errno errno, String extack) {
        super(format(errno, extack), null, false, false);
        this.errno = errno;
        this.extack = extack;
    }

    RouteException(Errno errno) {
        this(errno, null);
    }

    private static String format(Errno errno, String extack) {
        if (extack == null) {
            return "RTNETLINK answers: " + errno.text;
        }
        return "Error: " + extack + (extack.endsWith(".") ? "" : ".");
    }

    public Errno errno() {
        return errno;
    }

    /** The kernel's extended-ack message, or null. */
    public String extack() {
        return extack;
    }
}
