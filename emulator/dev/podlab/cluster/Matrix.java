package dev.podlab.cluster;

import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.TopologyException;
import dev.podlab.trace.JsonWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The connectivity truth table of a set of pods on one port: for every client pod (row) and every
 * server pod (column), whether a real connection attempt ({@link Probe#run}) from the client to the
 * server pod's IP connected. Because every cell is a probe through the emulated datapath, the
 * table shows whatever the datapath enforces (NetworkPolicy included, once a CNI enforces it).
 *
 * <p>Printed as the Kubernetes network policy e2e suite prints its truth tables
 * ({@code test/e2e/network/netpol/truthtable.go}, {@code TruthTable.PrettyPrint}): a header row
 * {@code -} then the server pods, then one row per client pod, its name then one mark per server,
 * all tab separated; {@code .} connected, {@code X} not, {@code ?} unknown:
 * <pre>
 * -	x/a	x/b
 * x/a	.	X
 * x/b	.	.
 * </pre>
 * {@link #parse} reads that form back (any run of spaces or tabs separates, blank lines and
 * {@code #} comments are skipped, rows may come in any order) and also the JSON form
 * {@link #toJson} writes: {@code {"port":"TCP/80","pods":["x/a",...],"allowed":[[true,false],...]}}.
 *
 * <p>Rows are clients, columns servers, both in {@code pods}' order; null cells are unknown
 * ({@code ?}: not compared).
 */
public final class Matrix {
    /** The default port: the one the e2e suite probes first. */
    public static final Port DEFAULT_PORT = new Port("TCP", 80);

    private final Port port;
    private final List<String> pods;
    private final Boolean[][] allowed;

    /** A table from its cells (copied); {@code port} may be null when unknown (a parsed grid). */
    public Matrix(Port port, List<String> pods, Boolean[][] allowed) {
        this.port = port;
        this.pods = List.copyOf(pods);
        this.allowed = new Boolean[pods.size()][];
        for (int i = 0; i < pods.size(); i++) {
            if (allowed[i].length != pods.size()) {
                throw new IllegalArgumentException("row " + i + " has " + allowed[i].length + " cells");
            }
            this.allowed[i] = allowed[i].clone();
        }
    }

    /** The port probed, or null for a parsed printed table. */
    public Port port() {
        return port;
    }

    /** The pods, rows (clients) and columns (servers) alike. */
    public List<String> pods() {
        return pods;
    }

    /** The cell: true connected, false not, null unknown. */
    public Boolean cell(int from, int to) {
        return allowed[from][to];
    }

    /** A protocol and port as written on the command line and in labs: {@code TCP/80}, {@code udp/81}. */
    public record Port(String protocol, int port) {
        /** {@code PROTO/N} with PROTO one of TCP, UDP, SCTP (any case); a bare number is TCP. */
        public static Port parse(String text) {
            String s = text == null ? "" : text.trim();
            String proto = "TCP";
            String number = s;
            int slash = s.indexOf('/');
            if (slash >= 0) {
                proto = s.substring(0, slash).toUpperCase(Locale.ROOT);
                number = s.substring(slash + 1);
                if (!List.of("TCP", "UDP", "SCTP").contains(proto)) {
                    throw new IllegalArgumentException("Unsupported value: \"" + text
                            + "\": the protocol must be TCP, UDP or SCTP, as in TCP/80");
                }
            }
            int port;
            try {
                port = number.chars().allMatch(Character::isDigit) && !number.isEmpty() && number.length() <= 5
                        ? Integer.parseInt(number) : -1;
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("Invalid value: \"" + text
                        + "\": write PROTOCOL/PORT with a port between 1 and 65535, as in TCP/80");
            }
            return new Port(proto, port);
        }

        @Override
        public String toString() {
            return protocol + "/" + port;
        }
    }

    /** One cell where an expected table and an observed one disagree. */
    public record Difference(String from, String to, boolean expected, boolean observed) {
        @Override
        public String toString() {
            return from + " -> " + to + ": expected " + mark(expected) + ", got " + mark(observed);
        }
    }

    /** Every pod of the cluster, in name order ({@code namespace/name}), as the e2e suite lists them. */
    public static List<String> allPods(Cluster cluster) {
        List<String> names = new ArrayList<>();
        for (ClusterPod p : cluster.pods()) {
            names.add(p.name());
        }
        names.sort(null);
        return names;
    }

    /**
     * Probes every ordered pair of {@code pods} (all pods in name order when null or empty), the
     * pod itself included, on {@code port}. A pod not listening on the port is probed all the same
     * (refused: {@code X}).
     *
     * @throws TopologyException naming the first pod that does not exist
     */
    public static Matrix run(Cluster cluster, List<String> pods, Port port, long timeoutNs) {
        List<String> names = pods == null || pods.isEmpty() ? allPods(cluster) : List.copyOf(pods);
        checkPods(cluster, names, "matrix: pods");
        Boolean[][] allowed = new Boolean[names.size()][names.size()];
        String proto = port.protocol().toLowerCase(Locale.ROOT);
        for (int i = 0; i < names.size(); i++) {
            for (int j = 0; j < names.size(); j++) {
                Probe.Result r = Probe.run(cluster, new Probe.Request(names.get(i), names.get(j), port.port(), proto,
                        timeoutNs), null);
                allowed[i][j] = r.success();
            }
        }
        return new Matrix(port, names, allowed);
    }

    /** Fails with one line naming the first pod that is not in the cluster (and a few that are). */
    public static void checkPods(Cluster cluster, List<String> names, String what) {
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (cluster.pod(name) == null) {
                List<String> known = allPods(cluster);
                throw new TopologyException(null, what + ": pod \"" + name + "\" not found (write NAMESPACE/POD; pods: "
                        + String.join(", ", known.subList(0, Math.min(9, known.size())))
                        + (known.size() > 9 ? ", ..." : "") + ")");
            }
            if (!seen.add(name)) {
                throw new TopologyException(null, what + ": pod \"" + name + "\" is listed twice");
            }
        }
    }

    /** Whether the cell is known and connected. */
    public boolean get(int from, int to) {
        return Boolean.TRUE.equals(allowed[from][to]);
    }

    /** The table as {@code TruthTable.PrettyPrint("")} prints it, without a final newline. */
    public String format() {
        return format("");
    }

    /** The table with every line prefixed by {@code indent}, without a final newline. */
    public String format(String indent) {
        StringBuilder sb = new StringBuilder(indent).append('-');
        for (String p : pods) {
            sb.append('\t').append(p);
        }
        for (int i = 0; i < pods.size(); i++) {
            sb.append('\n').append(indent).append(pods.get(i));
            for (int j = 0; j < pods.size(); j++) {
                sb.append('\t').append(allowed[i][j] == null ? "?" : mark(allowed[i][j]));
            }
        }
        return sb.toString();
    }

    /** {@code {"port":"TCP/80","pods":[...],"allowed":[[...],...]}}; unknown cells are null. */
    public String toJson() {
        StringBuilder sb = new StringBuilder();
        JsonWriter w = new JsonWriter(sb).beginObject().name("port").value(port.toString()).name("pods").beginArray();
        for (String p : pods) {
            w.value(p);
        }
        w.endArray().name("allowed").beginArray();
        for (Boolean[] row : allowed) {
            w.beginArray();
            for (Boolean cell : row) {
                if (cell == null) {
                    w.nullValue();
                } else {
                    w.value(cell);
                }
            }
            w.endArray();
        }
        w.endArray().endObject();
        return sb.toString();
    }

    /**
     * The cells where {@code observed} differs from this (expected) table, row by row; unknown
     * expected cells are not compared.
     *
     * @throws IllegalArgumentException when the two tables do not name the same pods in the same order
     */
    public List<Difference> differences(Matrix observed) {
        if (!pods.equals(observed.pods)) {
            throw new IllegalArgumentException("the expected table names the pods " + pods
                    + " but the observed one " + observed.pods);
        }
        List<Difference> out = new ArrayList<>();
        for (int i = 0; i < pods.size(); i++) {
            for (int j = 0; j < pods.size(); j++) {
                Boolean want = allowed[i][j];
                if (want != null && want != observed.get(i, j)) {
                    out.add(new Difference(pods.get(i), pods.get(j), want, observed.get(i, j)));
                }
            }
        }
        return out;
    }

    private static String mark(boolean allowed) {
        return allowed ? "." : "X";
    }

    /**
     * Reads a table in the printed form or the JSON form; {@code name} (a file name, or a lab
     * step's source) names the input in errors, which are one line with the line number.
     * In the printed form the port is unknown and {@code port} is null.
     */
    public static Matrix parse(String text, String name) {
        return parse(text, name, 1);
    }

    /** As {@link #parse(String, String)}, for text that starts on line {@code firstLine} of {@code name}. */
    public static Matrix parse(String text, String name, int firstLine) {
        String trimmed = text.strip();
        if (trimmed.startsWith("{")) {
            return parseJson(text, name, firstLine);
        }
        String[] lines = text.split("\r?\n", -1);
        List<String> header = null;
        Map<String, Boolean[]> rows = new HashMap<>();
        int headerLine = 0;
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Source at = new Source(name, n + firstLine);
            List<String> tokens = List.of(line.split("[ \t]+"));
            if (header == null) {
                if (!tokens.get(0).equals("-")) {
                    throw new TopologyException(at, "a truth table starts with a header row: \"-\" then the pods,"
                            + " tab separated (found \"" + tokens.get(0) + "\")");
                }
                header = tokens.subList(1, tokens.size());
                headerLine = n + firstLine;
                if (header.isEmpty()) {
                    throw new TopologyException(at, "the header row names no pod");
                }
                Set<String> seen = new HashSet<>();
                for (String p : header) {
                    if (!seen.add(p)) {
                        throw new TopologyException(at, "pod \"" + p + "\" is named twice in the header row");
                    }
                }
                continue;
            }
            String from = tokens.get(0);
            if (!header.contains(from)) {
                throw new TopologyException(at, "row \"" + from + "\" is not a pod of the header row " + header);
            }
            if (rows.containsKey(from)) {
                throw new TopologyException(at, "row \"" + from + "\" appears twice");
            }
            if (tokens.size() - 1 != header.size()) {
                throw new TopologyException(at, "row \"" + from + "\" has " + (tokens.size() - 1) + " cells, the header "
                        + header.size() + " pods");
            }
            Boolean[] row = new Boolean[header.size()];
            for (int j = 0; j < row.length; j++) {
                String cell = tokens.get(j + 1);
                row[j] = switch (cell) {
                    case "." -> Boolean.TRUE;
                    case "X" -> Boolean.FALSE;
                    case "?" -> null;
                    default -> throw new TopologyException(at, "row \"" + from + "\", column \"" + header.get(j)
                            + "\": \"" + cell + "\" is not a cell (. connected, X not connected, ? not compared)");
                };
            }
            rows.put(from, row);
        }
        if (header == null) {
            throw new TopologyException(new Source(name, firstLine), "no truth table: expected a header row \"-\" then the pods");
        }
        Boolean[][] allowed = new Boolean[header.size()][];
        for (int i = 0; i < header.size(); i++) {
            allowed[i] = rows.get(header.get(i));
            if (allowed[i] == null) {
                throw new TopologyException(new Source(name, headerLine), "no row for pod \"" + header.get(i) + "\"");
            }
        }
        return new Matrix(null, header, allowed);
    }

    private static Matrix parseJson(String text, String name, int firstLine) {
        Object doc;
        try {
            doc = new Yaml(new LoaderOptions()).load(text);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? firstLine : e.getProblemMark().getLine() + firstLine;
            throw new TopologyException(new Source(name, line), "not a JSON truth table: " + e.getProblem());
        } catch (YAMLException e) {
            throw new TopologyException(new Source(name, firstLine), "not a JSON truth table: " + e.getMessage());
        }
        Source at = new Source(name, firstLine);
        if (!(doc instanceof Map<?, ?> m) || !(m.get("pods") instanceof List<?> podList)
                || !(m.get("allowed") instanceof List<?> rowList)) {
            throw new TopologyException(at, "a JSON truth table is {\"port\": \"TCP/80\", \"pods\": [...],"
                    + " \"allowed\": [[true, false, ...], ...]}");
        }
        Port port = null;
        if (m.get("port") != null) {
            try {
                port = Port.parse(String.valueOf(m.get("port")));
            } catch (IllegalArgumentException e) {
                throw new TopologyException(at, "port: " + e.getMessage());
            }
        }
        List<String> pods = new ArrayList<>();
        for (Object p : podList) {
            if (!(p instanceof String s)) {
                throw new TopologyException(at, "pods: " + p + " is not a string NAMESPACE/POD");
            }
            if (pods.contains(s)) {
                throw new TopologyException(at, "pods: \"" + s + "\" is named twice");
            }
            pods.add(s);
        }
        if (rowList.size() != pods.size()) {
            throw new TopologyException(at, "allowed has " + rowList.size() + " rows for " + pods.size() + " pods");
        }
        Boolean[][] allowed = new Boolean[pods.size()][];
        for (int i = 0; i < pods.size(); i++) {
            if (!(rowList.get(i) instanceof List<?> row) || row.size() != pods.size()) {
                throw new TopologyException(at, "allowed[" + i + "] (" + pods.get(i) + ") is not a list of "
                        + pods.size() + " booleans");
            }
            allowed[i] = new Boolean[pods.size()];
            for (int j = 0; j < pods.size(); j++) {
                Object cell = row.get(j);
                if (cell != null && !(cell instanceof Boolean)) {
                    throw new TopologyException(at, "allowed[" + i + "][" + j + "]: " + cell + " is not true, false or null");
                }
                allowed[i][j] = (Boolean) cell;
            }
        }
        return new Matrix(port, pods, allowed);
    }
}
