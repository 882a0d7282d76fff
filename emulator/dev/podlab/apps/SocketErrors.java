package dev.podlab.apps;

import dev.podlab.packet.Icmp4;

/**
 * The errno values the emulated sockets report and how ICMP errors map onto them: the kernel's
 * {@code icmp_err_convert} table (net/ipv4/icmp.c), one entry per destination-unreachable code
 * with the errno and whether the error is "fatal" (a hard error that {@code udp_err} reports on
 * a connected socket; TCP's {@code tcp_v4_err} ignores the flag and fails a connect in
 * SYN_SENT on any of them, see {@link TcpSocket}).
 */
final class SocketErrors {
    static final String ECONNREFUSED = "ECONNREFUSED";
    static final String ECONNRESET = "ECONNRESET";
    static final String ETIMEDOUT = "ETIMEDOUT";
    static final String EHOSTUNREACH = "EHOSTUNREACH";
    static final String ENETUNREACH = "ENETUNREACH";
    static final String ENOPROTOOPT = "ENOPROTOOPT";
    static final String EMSGSIZE = "EMSGSIZE";
    static final String EOPNOTSUPP = "EOPNOTSUPP";
    static final String EHOSTDOWN = "EHOSTDOWN";
    static final String ENONET = "ENONET";
    static final String EPROTO = "EPROTO";
    static final String EPIPE = "EPIPE";

    /** icmp_err_convert[code].errno for codes 0..15 (NR_ICMP_UNREACH = 15). */
    private static final String[] UNREACH_ERRNO = {
        ENETUNREACH,  // 0 net unreachable
        EHOSTUNREACH, // 1 host unreachable
        ENOPROTOOPT,  // 2 protocol unreachable
        ECONNREFUSED, // 3 port unreachable
        EMSGSIZE,     // 4 fragmentation needed
        EOPNOTSUPP,   // 5 source route failed
        ENETUNREACH,  // 6 net unknown
        EHOSTDOWN,    // 7 host unknown
        ENONET,       // 8 host isolated
        ENETUNREACH,  // 9 net administratively prohibited
        EHOSTUNREACH, // 10 host administratively prohibited
        ENETUNREACH,  // 11 net unreachable for TOS
        EHOSTUNREACH, // 12 host unreachable for TOS
        EHOSTUNREACH, // 13 communication administratively prohibited
        EHOSTUNREACH, // 14 host precedence violation
        EHOSTUNREACH, // 15 precedence cut-off
    };

    /** icmp_err_convert[code].fatal. */
    private static final boolean[] UNREACH_FATAL = {
        false, false, true, true, false, false, true, true, true, true, true, false, false, true, true, true,
    };

    /** NR_ICMP_UNREACH: the highest destination-unreachable code the kernel converts. */
    static final int NR_ICMP_UNREACH = 15;

    private SocketErrors() {}

    /** The errno of a destination-unreachable code (code at most {@link #NR_ICMP_UNREACH}). */
    static String unreachErrno(int code) {
        return UNREACH_ERRNO[code];
    }

    /** Whether {@code udp_err} treats the code as a hard error. */
    static boolean unreachFatal(int code) {
        return UNREACH_FATAL[code];
    }

    /** glibc's {@code strerror} text. */
    static String strerror(String errno) {
        return switch (errno) {
            case ECONNREFUSED -> "Connection refused";
            case ECONNRESET -> "Connection reset by peer";
            case ETIMEDOUT -> "Connection timed out";
            case EHOSTUNREACH -> "No route to host";
            case ENETUNREACH -> "Network is unreachable";
            case ENOPROTOOPT -> "Protocol not available";
            case EMSGSIZE -> "Message too long";
            case EOPNOTSUPP -> "Operation not supported";
            case EHOSTDOWN -> "Host is down";
            case ENONET -> "Machine is not on the network";
            case EPROTO -> "Protocol error";
            case EPIPE -> "Broken pipe";
            default -> errno;
        };
    }

    /**
     * The verdict of a connection that failed with an ICMP destination unreachable of
     * {@code code}: prohibited for the administrative codes, refused for port and protocol
     * unreachable, else unreachable.
     */
    static Outcome.Verdict unreachVerdict(int code) {
        return switch (code) {
            case Icmp4.PORT_UNREACH, Icmp4.PROT_UNREACH -> Outcome.Verdict.REFUSED;
            case Icmp4.NET_ANO, Icmp4.HOST_ANO, Icmp4.PKT_FILTERED -> Outcome.Verdict.PROHIBITED;
            default -> Outcome.Verdict.UNREACHABLE;
        };
    }

    /** The ICMP message as tcpdump names it. */
    static String icmpName(int type, int code) {
        if (type == Icmp4.TIME_EXCEEDED) {
            return code == Icmp4.EXC_FRAGTIME ? "ip reassembly time exceeded" : "time exceeded in-transit";
        }
        if (type != Icmp4.DEST_UNREACH) {
            return "ICMP type " + type + " code " + code;
        }
        return switch (code) {
            case Icmp4.NET_UNREACH -> "net unreachable";
            case Icmp4.HOST_UNREACH -> "host unreachable";
            case Icmp4.PROT_UNREACH -> "protocol unreachable";
            case Icmp4.PORT_UNREACH -> "port unreachable";
            case Icmp4.FRAG_NEEDED -> "fragmentation needed";
            case Icmp4.NET_ANO -> "net administratively prohibited";
            case Icmp4.HOST_ANO -> "host administratively prohibited";
            case Icmp4.PKT_FILTERED -> "communication administratively prohibited";
            default -> "unreachable code " + code;
        };
    }

    /** {@code 1.234 ms}, {@code 3.000 s}: durations in trace and outcome lines. */
    static String formatDuration(long ns) {
        if (ns < 1_000_000_000L) {
            return String.format(java.util.Locale.ROOT, "%.3f ms", ns / 1e6);
        }
        return String.format(java.util.Locale.ROOT, "%.3f s", ns / 1e9);
    }
}
