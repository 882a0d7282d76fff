package dev.podlab.net;

/**
 * The errno values the tables return, with the {@code strerror} text glibc prints (iproute2 shows
 * it as {@code RTNETLINK answers: <text>} when the kernel attached no extended-ack message).
 */
public enum Errno {
    ESRCH(3, "No such process"),
    ENODEV(19, "No such device"),
    EEXIST(17, "File exists"),
    EINVAL(22, "Invalid argument"),
    EACCES(13, "Permission denied"),
    ENETDOWN(100, "Network is down"),
    ENETUNREACH(101, "Network is unreachable"),
    EHOSTUNREACH(113, "No route to host");

    public final int number;
    public final String text;

    Errno(int number, String text) {
        this.number = number;
        this.text = text;
    }
}
