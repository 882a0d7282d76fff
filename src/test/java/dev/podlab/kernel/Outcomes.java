package dev.podlab.kernel;

import dev.podlab.apps.Outcome;
import dev.podlab.apps.Ping;
import dev.podlab.packet.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The common form of both worlds' outputs, and the normalisations the comparison needs.
 *
 * <p>Probe outcomes are one line each:
 * <ul>
 *   <li>ping: {@code reply from 10.0.1.2 ttl=63}, {@code icmp 3/4 from 10.0.0.1 mtu=1000},
 *       {@code no reply};</li>
 *   <li>TCP and UDP: {@code CONNECTED}, {@code ANSWERED}, {@code TIMED_OUT}, or the errno name
 *       followed by the ICMP error that caused it, e.g. {@code ECONNREFUSED} (a RST) or
 *       {@code EHOSTUNREACH icmp 3/13 from 10.0.0.1}.</li>
 * </ul>
 */
final class Outcomes {
    private Outcomes() {}

    /** iputils' texts for the ICMP errors it prints (ping/ping4_common.c, pr_icmph). */
    private static final Map<String, String> PING_ERRORS = Map.ofEntries(
            Map.entry("Destination Net Unreachable", "3/0"),
            Map.entry("Destination Host Unreachable", "3/1"),
            Map.entry("Destination Protocol Unreachable", "3/2"),
            Map.entry("Destination Port Unreachable", "3/3"),
            Map.entry("Frag needed and DF set", "3/4"),
            Map.entry("Source Route Failed", "3/5"),
            Map.entry("Destination Net Prohibited", "3/9"),
            Map.entry("Destination Host Prohibited", "3/10"),
            Map.entry("Packet filtered", "3/13"),
            Map.entry("Time to live exceeded", "11/0"));

    /** podlab's ICMP names in outcome reasons (apps.SocketErrors.icmpName) as type/code. */
    private static final Map<String, String> PODLAB_ICMP = Map.of(
            "net unreachable", "3/0",
            "host unreachable", "3/1",
            "protocol unreachable", "3/2",
            "port unreachable", "3/3",
            "fragmentation needed", "3/4",
            "net administratively prohibited", "3/9",
            "host administratively prohibited", "3/10",
            "communication administratively prohibited", "3/13");

    private static final Pattern PING_REPLY = Pattern.compile("^\\d+ bytes from ([0-9.]+): icmp_seq=\\d+ ttl=(\\d+)");
    private static final Pattern PING_ERROR = Pattern.compile("^From ([0-9.]+) icmp_seq=\\d+ (.*)$");
    private static final Pattern PING_MTU = Pattern.compile("\\(mtu = (\\d+)\\)");
    private static final Pattern PODLAB_REASON = Pattern.compile("ICMP (.+?) from ([0-9.]+)");

    /** The outcome line of iputils {@code ping -c 1} output. */
    static String kernelPing(String stdout) {
        for (String line : stdout.split("\n")) {
            Matcher m = PING_REPLY.matcher(line.strip());
            if (m.find()) {
                return "reply from " + m.group(1) + " ttl=" + m.group(2);
            }
            m = PING_ERROR.matcher(line.strip());
            if (m.find()) {
                String text = m.group(2);
                for (Map.Entry<String, String> e : PING_ERRORS.entrySet()) {
                    if (text.startsWith(e.getKey())) {
                        Matcher mtu = PING_MTU.matcher(text);
                        return "icmp " + e.getValue() + " from " + m.group(1) + (mtu.find() ? " mtu=" + mtu.group(1) : "");
                    }
                }
                return "icmp '" + text + "' from " + m.group(1);
            }
        }
        return "no reply";
    }

    /** podlab's {@link Ping} results in the same form. */
    static String podlabPing(Ping ping) {
        if (ping.results().isEmpty()) {
            return "no reply";
        }
        Ping.Result r = ping.results().get(0);
        String from = Ipv4Address.toString(r.from());
        if (r.reply()) {
            return "reply from " + from + " ttl=" + r.ttl();
        }
        return "icmp " + r.icmpType() + "/" + r.icmpCode() + " from " + from + (r.info() != 0 ? " mtu=" + r.info() : "");
    }

    /** A podlab TCP or UDP client's {@link Outcome} in the form the python probe prints. */
    static String podlabSocket(Outcome o) {
        if (o == null) {
            return "NO_OUTCOME";
        }
        return switch (o.verdict()) {
            case CONNECTED, ANSWERED, TIMED_OUT -> o.verdict().name();
            default -> {
                StringBuilder sb = new StringBuilder(o.errno() == null ? o.verdict().name() : o.errno());
                Matcher m = PODLAB_REASON.matcher(o.reason());
                if (m.find()) {
                    String tc = PODLAB_ICMP.getOrDefault(m.group(1), "'" + m.group(1) + "'");
                    sb.append(" icmp ").append(tc).append(" from ").append(m.group(2));
                }
                yield sb.toString();
            }
        };
    }

    /** Lines with trailing blanks removed (iproute2 ends each attribute with a blank). */
    static String trimLines(String text) {
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\n")) {
            String t = line.stripTrailing();
            if (!t.isEmpty()) {
                sb.append(t).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * {@code ip neigh} as a sorted list: the kernel prints its hash buckets, whose order depends on
     * a per-boot random seed, so only the set of lines is comparable.
     */
    static List<String> sortedLines(String text) {
        List<String> lines = new ArrayList<>(List.of(trimLines(text).split("\n")));
        lines.removeIf(String::isEmpty);
        lines.sort(null);
        return lines;
    }

    /**
     * {@code conntrack -L} entries of TCP, UDP and ICMP, normalised and sorted: the remaining
     * timeout becomes {@code T} (it counts down in real time), each ephemeral port (a client's
     * source port and wherever it reappears) becomes {@code EPH}, each echo id becomes {@code ID}.
     * Everything else, the NAT reply tuple included, is kept. Sorted because the kernel dumps
     * hash buckets in seed order.
     */
    static List<String> conntrack(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 4 || !(f[0].equals("tcp") || f[0].equals("udp") || f[0].equals("icmp"))) {
                continue;
            }
            f[2] = "T";
            String sport = null;
            String id = null;
            for (String w : f) {
                if (sport == null && w.startsWith("sport=")) {
                    sport = w.substring(6);
                }
                if (id == null && w.startsWith("id=")) {
                    id = w.substring(3);
                }
            }
            StringBuilder sb = new StringBuilder();
            for (String w : f) {
                if (sport != null && (w.equals("sport=" + sport) || w.equals("dport=" + sport))) {
                    w = w.substring(0, w.indexOf('=') + 1) + "EPH";
                } else if (id != null && w.equals("id=" + id)) {
                    w = "id=ID";
                }
                sb.append(sb.isEmpty() ? "" : " ").append(w);
            }
            out.add(sb.toString());
        }
        out.sort(null);
        return out;
    }

    /** The remaining timeout (seconds) of each entry of {@link #conntrack}, keyed by its normalised line. */
    static Map<String, Long> conntrackTimeouts(String text) {
        Map<String, Long> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            List<String> normal = conntrack(line);
            if (normal.size() == 1) {
                out.put(normal.get(0), Long.parseLong(f[2]));
            }
        }
        return out;
    }

    /** The {@code conntrack -L} lines of other protocols (the kernel's IGMP reports, for one). */
    static List<String> conntrackOtherProtocols(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("tcp ") && !t.startsWith("udp ") && !t.startsWith("icmp ")
                    && !t.startsWith("conntrack v")) {
                out.add(t);
            }
        }
        return out;
    }

    /** {@code iptables-save -c} without its {@code #} comment lines (version and date). */
    static String iptablesSave(String text) {
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                sb.append(line.stripTrailing()).append('\n');
            }
        }
        return sb.toString();
    }

    /** The rule counters of an {@code iptables-save -c} text by table, chain and rule text. */
    static Map<String, String> ruleCounters(String saveText) {
        Map<String, String> out = new TreeMap<>();
        String table = "";
        for (String line : saveText.split("\n")) {
            if (line.startsWith("*")) {
                table = line.substring(1);
            } else if (line.startsWith("[")) {
                int close = line.indexOf(']');
                out.put(table + " " + line.substring(close + 2), line.substring(0, close + 1));
            }
        }
        return out;
    }
}
