package dev.podlab.netfilter.conntrack;

import dev.podlab.packet.IpProtocol;
import java.util.List;

/**
 * {@code conntrack -L} (conntrack-tools, printing through libnetfilter_conntrack's default
 * format, {@code __snprintf_conntrack_default}):
 *
 * <pre>
 * tcp      6 431999 ESTABLISHED src=... dst=... sport=... dport=... src=... dst=... sport=... dport=... [ASSURED] mark=0 use=1
 * </pre>
 *
 * Field order: protocol name left-aligned in 8 columns and its number ({@code "%-8s %u "}),
 * seconds left, the TCP/SCTP state, the original tuple ({@code packets= bytes=} after it with
 * {@code nf_conntrack_acct=1}), {@code [UNREPLIED]} before a reply has been seen, the reply
 * tuple, {@code [ASSURED]}, {@code mark=}, {@code use=}, and {@code id=} with {@code -o id}; the
 * trailing blank is removed. Entries come in table dump order ({@code ctnetlink_dump_table}:
 * bucket by bucket), which is deterministic since podlab's hash is fixed.
 */
public final class ConntrackListing {
    private ConntrackListing() {}

    /** The name libnetfilter_conntrack prints for a protocol ({@code proto2str}), else "unknown". */
    static String protocolName(int protocol) {
        return switch (protocol) {
            case IpProtocol.TCP -> "tcp";
            case IpProtocol.UDP -> "udp";
            case IpProtocol.ICMP -> "icmp";
            case IpProtocol.SCTP -> "sctp";
            case IpProtocol.GRE -> "gre";
            default -> "unknown";
        };
    }

    /** One line per live entry, each ending in a newline. */
    public static String list(Conntrack conntrack, long nowNs, boolean showId) {
        StringBuilder sb = new StringBuilder();
        List<ConntrackEntry> entries = conntrack.table.entries(nowNs);
        for (ConntrackEntry ct : entries) {
            appendLine(sb, ct, nowNs, conntrack.acctEnabled, showId).append('\n');
        }
        return sb.toString();
    }

    /** The summary conntrack prints on stderr after a listing. */
    public static String summary(int entries) {
        return "conntrack v1.4.6 (conntrack-tools): " + entries + " flow entries have been shown.";
    }

    /** The line of one entry, without newline. */
    public static String line(ConntrackEntry ct, long nowNs) {
        return appendLine(new StringBuilder(160), ct, nowNs, false, false).toString();
    }

    static StringBuilder appendLine(StringBuilder sb, ConntrackEntry ct, long nowNs, boolean acct, boolean showId) {
        int start = sb.length();
        String name = protocolName(ct.protocol());
        sb.append(name);
        for (int i = name.length(); i < 8; i++) {
            sb.append(' ');
        }
        sb.append(' ').append(ct.protocol()).append(' ');
        sb.append(ct.secondsLeft(nowNs)).append(' ');
        String state = ct.stateName();
        if (state != null) {
            sb.append(state).append(' ');
        }
        ct.original().appendTo(sb);
        if (acct) {
            sb.append("packets=").append(ct.origPackets).append(" bytes=").append(ct.origBytes).append(' ');
        }
        if (!ct.seenReply()) {
            sb.append("[UNREPLIED] ");
        }
        ct.reply().appendTo(sb);
        if (acct) {
            sb.append("packets=").append(ct.replyPackets).append(" bytes=").append(ct.replyBytes).append(' ');
        }
        if (ct.isAssured()) {
            sb.append("[ASSURED] ");
        }
        sb.append("mark=").append(Integer.toUnsignedString(ct.mark)).append(' ');
        sb.append("use=1 ");
        if (showId) {
            sb.append("id=").append(ct.id).append(' ');
        }
        if (sb.length() > start) {
            sb.setLength(sb.length() - 1); // delete the last blank
        }
        return sb;
    }
}
