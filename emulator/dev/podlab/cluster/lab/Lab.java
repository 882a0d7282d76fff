package dev.podlab.cluster.lab;

import dev.podlab.cluster.Matrix;
import dev.podlab.cluster.NodeViews;
import dev.podlab.cluster.Probe;
import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.TopologyException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A lab file: a topology plus ordered steps, for people writing training material.
 *
 * <pre>
 * apiVersion: podlab.dev/v1alpha1
 * kind: Lab
 * metadata: {name: vxlan-basics}
 * spec:
 *   title: Pod to pod across nodes with flannel VXLAN
 *   topology: [../clusters/flannel-vxlan-3node.yaml]     # relative to this file
 *   steps:
 *   - note: |
 *       Text shown to the learner.
 *   - probe: {from: default/busy1, to: default/nginx, port: 80, proto: tcp, timeout: 1s}
 *     expect: connected          # connected | refused | timed out | unreachable | prohibited | dropped
 *     hops: true                 # print the hop-by-hop path (always printed when the expectation fails)
 *   - matrix: {port: TCP/80, pods: [x/a, x/b], timeout: 1s}  # a probe from every pod to every pod
 *     expect: |                  # the truth table as podlab matrix prints it (tabs or spaces); optional
 *       -   x/a x/b
 *       x/a .   X
 *       x/b .   .
 *   - explain: {from: x/b, to: x/a, port: 80, proto: tcp}    # the policies' verdict, in words
 *     expect: denied             # allowed | denied, or {contains: "no ingress rule matches"}; optional
 *   - show: {target: node1, view: routes}
 *     expect: {contains: "10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink"}
 *   - apply: |                   # Kubernetes objects, as kubectl apply -f would take them
 *       apiVersion: v1
 *       kind: Pod
 *       ...
 *     expect: {error: "Unsupported value"}   # the step must fail with this in its message
 *   - delete: {kind: Pod, name: default/busy1}
 *   - label: {pod: default/busy1, set: {access: "true"}}      # or namespace: NAME; null removes
 * </pre>
 */
public record Lab(Path file, String name, String title, List<String> topology, List<Step> steps) {
    /** One step; which fields are set depends on {@code kind}. */
    public record Step(String kind, Source source, String text, Probe.Request probe, String expect,
            String expectContains, String expectError, String target, String view, String objectKind, String name,
            String labelPod, String labelNamespace, Map<String, String> labels, boolean hops, MatrixStep matrix,
            ExplainStep explain) {
        String summary() {
            return switch (kind) {
                case "probe" -> "probe " + probe.from() + " -> " + probe.to();
                case "matrix" -> "matrix " + matrix.port();
                case "explain" -> "explain " + explain.from() + " -> " + explain.to();
                case "show" -> "show " + target + " " + view;
                case "delete" -> "delete " + objectKind + " " + name;
                case "label" -> "label " + (labelPod != null ? labelPod : labelNamespace);
                default -> kind;
            };
        }
    }

    /**
     * A matrix step: the pods (empty: those of the expected table, else every pod), the port, each
     * probe's timeout, and the expected truth table (null: none, the table is only printed).
     */
    public record MatrixStep(List<String> pods, Matrix.Port port, long timeoutNs, Matrix expected) {}

    /** An explain step: as {@code podlab explain --from --to --port --proto} ({@code port} 0: the default). */
    public record ExplainStep(String from, String to, int port, String proto) {}

    /** Reads a lab file; errors are one line naming the file and line. */
    public static Lab load(Path file) {
        String name = file.toString();
        Node root;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Yaml(new LoaderOptions()).compose(r);
        } catch (NoSuchFileException e) {
            throw new TopologyException(null, name + ": no such file");
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new TopologyException(new Source(name, line), e.getProblem());
        } catch (IOException e) {
            throw new TopologyException(null, name + ": " + e.getMessage());
        }
        if (!(root instanceof MappingNode top)) {
            throw new TopologyException(new Source(name, 1), "a lab file is one YAML mapping with kind: Lab");
        }
        Map<String, Node> m = map(top);
        String kind = scalar(m.get("kind"));
        if (!"Lab".equals(kind)) {
            throw new TopologyException(src(name, top), "kind: Unsupported value: \"" + kind + "\": a lab file has kind: Lab");
        }
        Map<String, Node> meta = m.get("metadata") instanceof MappingNode mm ? map(mm) : Map.of();
        Node specNode = m.get("spec");
        if (!(specNode instanceof MappingNode sm)) {
            throw new TopologyException(src(name, top), "spec: Required value");
        }
        Map<String, Node> spec = map(sm);
        List<String> topology = new ArrayList<>();
        Node t = spec.get("topology");
        if (t instanceof SequenceNode seq) {
            for (Node n : seq.getValue()) {
                topology.add(scalar(n));
            }
        } else if (t instanceof ScalarNode) {
            topology.add(scalar(t));
        } else {
            throw new TopologyException(src(name, sm), "spec.topology: Required value: the cluster file(s)");
        }
        List<Step> steps = new ArrayList<>();
        if (spec.get("steps") instanceof SequenceNode seq) {
            int i = 0;
            for (Node n : seq.getValue()) {
                steps.add(step(name, n, i++));
            }
        }
        return new Lab(file, scalar(meta.get("name")), scalar(spec.get("title")), topology, steps);
    }

    private static Step step(String file, Node n, int index) {
        String field = "spec.steps[" + index + "]";
        if (!(n instanceof MappingNode mn)) {
            throw new TopologyException(src(file, n), field + ": a step is a mapping such as {probe: {...}}");
        }
        Map<String, Node> m = map(mn);
        Source source = src(file, n);
        boolean hops = "true".equals(scalar(m.get("hops")));
        String expect = null;
        String contains = null;
        String error = null;
        Node e = m.get("expect");
        if (e instanceof ScalarNode) {
            expect = scalar(e).toLowerCase(Locale.ROOT);
        } else if (e instanceof MappingNode em) {
            Map<String, Node> ex = map(em);
            contains = scalar(ex.get("contains"));
            error = scalar(ex.get("error"));
            expect = scalar(ex.get("verdict"));
        }
        for (String kind : List.of("note", "probe", "matrix", "explain", "show", "apply", "delete", "label")) {
            Node v = m.get(kind);
            if (v == null) {
                continue;
            }
            switch (kind) {
                case "note" -> {
                    return new Step(kind, source, scalar(v), null, expect, contains, error, null, null, null, null, null,
                            null, null, hops, null, null);
                }
                case "apply" -> {
                    // Where the objects' first line is in the lab file: a block scalar (| or >)
                    // starts on the line after its indicator. Errors in them then name lab lines.
                    boolean block = v instanceof ScalarNode sn && (sn.getScalarStyle() == DumperOptions.ScalarStyle.LITERAL
                            || sn.getScalarStyle() == DumperOptions.ScalarStyle.FOLDED);
                    Source text = new Source(source.file(), v.getStartMark().getLine() + (block ? 2 : 1));
                    return new Step(kind, text, scalar(v), null, expect, contains, error, null, null, null, null, null,
                            null, null, hops, null, null);
                }
                case "probe" -> {
                    Map<String, Node> p = mapping(file, v, field + ".probe");
                    String from = required(file, p, v, field + ".probe.from");
                    String to = required(file, p, v, field + ".probe.to");
                    int port = p.containsKey("port") ? Integer.parseInt(scalar(p.get("port"))) : 0;
                    String proto = p.containsKey("proto") ? scalar(p.get("proto")) : "tcp";
                    long timeout = p.containsKey("timeout") ? duration(file, p.get("timeout"), field + ".probe.timeout")
                            : 1_000_000_000L;
                    if (expect != null && !List.of("connected", "refused", "timed out", "unreachable", "prohibited",
                            "dropped").contains(expect)) {
                        throw new TopologyException(src(file, e), field + ".expect: Unsupported value: \"" + expect
                                + "\": supported values: connected, refused, timed out, unreachable, prohibited, dropped");
                    }
                    return new Step(kind, source, null, new Probe.Request(from, to, port, proto, timeout), expect,
                            contains, error, null, null, null, null, null, null, null, hops, null, null);
                }
                case "matrix" -> {
                    Map<String, Node> p = mapping(file, v, field + ".matrix");
                    Matrix.Port port = Matrix.DEFAULT_PORT;
                    if (p.containsKey("port")) {
                        try {
                            port = Matrix.Port.parse(scalar(p.get("port")));
                        } catch (IllegalArgumentException ex) {
                            throw new TopologyException(src(file, p.get("port")), field + ".matrix.port: " + ex.getMessage());
                        }
                    }
                    List<String> pods = new ArrayList<>();
                    Node podsNode = p.get("pods");
                    if (podsNode instanceof SequenceNode seq) {
                        for (Node pn : seq.getValue()) {
                            pods.add(scalar(pn));
                        }
                    } else if (podsNode instanceof ScalarNode) {
                        pods.addAll(List.of(scalar(podsNode).split("\\s*,\\s*")));
                    } else if (podsNode != null) {
                        throw new TopologyException(src(file, podsNode), field + ".matrix.pods: a list of NAMESPACE/POD");
                    }
                    long timeout = p.containsKey("timeout") ? duration(file, p.get("timeout"), field + ".matrix.timeout")
                            : 1_000_000_000L;
                    Matrix expected = null;
                    if (e instanceof ScalarNode en) {
                        // the table as printed: parsed as written (expect was lower-cased above)
                        int first = en.getStartMark().getLine() + (en.getScalarStyle() == DumperOptions.ScalarStyle.LITERAL
                                || en.getScalarStyle() == DumperOptions.ScalarStyle.FOLDED ? 2 : 1);
                        expected = Matrix.parse(en.getValue(), file, first);
                        if (!pods.isEmpty() && !pods.equals(expected.pods())) {
                            throw new TopologyException(src(file, e), field + ".expect: the table names the pods "
                                    + expected.pods() + ", matrix.pods " + pods);
                        }
                    } else if (e != null) {
                        throw new TopologyException(src(file, e), field
                                + ".expect: the truth table as podlab matrix prints it (expect: |)");
                    }
                    return new Step(kind, source, null, null, null, null, error, null, null, null, null, null, null,
                            null, hops, new MatrixStep(pods, port, timeout, expected), null);
                }
                case "explain" -> {
                    Map<String, Node> p = mapping(file, v, field + ".explain");
                    String from = required(file, p, v, field + ".explain.from");
                    String to = required(file, p, v, field + ".explain.to");
                    int port = 0;
                    if (p.containsKey("port")) {
                        String ps = scalar(p.get("port"));
                        port = ps != null && ps.matches("\\d{1,5}") ? Integer.parseInt(ps) : -1;
                        if (port < 1 || port > 65535) {
                            throw new TopologyException(src(file, p.get("port")), field + ".explain.port: Invalid value: \""
                                    + ps + "\": must be between 1 and 65535, inclusive");
                        }
                    }
                    String proto = p.containsKey("proto") ? scalar(p.get("proto")) : "tcp";
                    if (!List.of("tcp", "udp", "sctp").contains(String.valueOf(proto).toLowerCase(Locale.ROOT))) {
                        throw new TopologyException(src(file, p.get("proto")), field + ".explain.proto: Unsupported value: \""
                                + proto + "\": supported values: tcp, udp, sctp");
                    }
                    if (expect != null && !List.of("allowed", "denied").contains(expect)) {
                        throw new TopologyException(src(file, e), field + ".expect: Unsupported value: \"" + expect
                                + "\": supported values: allowed, denied (or {contains: TEXT})");
                    }
                    return new Step(kind, source, null, null, expect, contains, error, null, null, null, null, null, null,
                            null, hops, null, new ExplainStep(from, to, port, proto));
                }
                case "show" -> {
                    Map<String, Node> p = mapping(file, v, field + ".show");
                    String view = required(file, p, v, field + ".show.view");
                    if (!NodeViews.VIEWS.contains(view)) {
                        throw new TopologyException(src(file, v), field + ".show.view: Unsupported value: \"" + view
                                + "\": supported values: " + String.join(", ", NodeViews.VIEWS));
                    }
                    return new Step(kind, source, null, null, expect, contains, error,
                            required(file, p, v, field + ".show.target"), view, null, null, null, null, null, hops, null,
                            null);
                }
                case "delete" -> {
                    Map<String, Node> p = mapping(file, v, field + ".delete");
                    return new Step(kind, source, null, null, expect, contains, error, null, null,
                            required(file, p, v, field + ".delete.kind"), required(file, p, v, field + ".delete.name"),
                            null, null, null, hops, null, null);
                }
                case "label" -> {
                    Map<String, Node> p = mapping(file, v, field + ".label");
                    Map<String, String> labels = new LinkedHashMap<>();
                    if (p.get("set") instanceof MappingNode setNode) {
                        for (NodeTuple tu : setNode.getValue()) {
                            Node val = tu.getValueNode();
                            labels.put(scalar(tu.getKeyNode()), val instanceof ScalarNode s
                                    && s.getTag().getValue().endsWith(":null") ? null : scalar(val));
                        }
                    }
                    if (p.get("remove") instanceof SequenceNode rm) {
                        for (Node k : rm.getValue()) {
                            labels.put(scalar(k), null);
                        }
                    }
                    String pod = scalar(p.get("pod"));
                    String ns = scalar(p.get("namespace"));
                    if ((pod == null) == (ns == null)) {
                        throw new TopologyException(src(file, v), field + ".label: one of pod or namespace is required");
                    }
                    return new Step(kind, source, null, null, expect, contains, error, null, null, null, null, pod, ns,
                            labels, hops, null, null);
                }
                default -> throw new IllegalStateException(kind);
            }
        }
        throw new TopologyException(source, field
                + ": a step is one of note, probe, matrix, explain, show, apply, delete, label");
    }

    /** {@code 1s}, {@code 500ms}, {@code 2m}; a bare number is seconds. */
    public static long parseDuration(String text) {
        String s = text.trim();
        try {
            if (s.endsWith("ms")) {
                return Long.parseLong(s.substring(0, s.length() - 2)) * 1_000_000L;
            }
            if (s.endsWith("s")) {
                return (long) (Double.parseDouble(s.substring(0, s.length() - 1)) * 1e9);
            }
            if (s.endsWith("m")) {
                return Long.parseLong(s.substring(0, s.length() - 1)) * 60_000_000_000L;
            }
            return (long) (Double.parseDouble(s) * 1e9);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid value: \"" + s + "\": a duration like 1s or 500ms");
        }
    }

    private static long duration(String file, Node n, String field) {
        try {
            return parseDuration(scalar(n));
        } catch (IllegalArgumentException e) {
            throw new TopologyException(src(file, n), field + ": " + e.getMessage());
        }
    }

    private static Map<String, Node> mapping(String file, Node n, String field) {
        if (!(n instanceof MappingNode m)) {
            throw new TopologyException(src(file, n), field + ": must be a mapping");
        }
        return map(m);
    }

    private static String required(String file, Map<String, Node> m, Node at, String field) {
        String key = field.substring(field.lastIndexOf('.') + 1);
        String v = scalar(m.get(key));
        if (v == null || v.isEmpty()) {
            throw new TopologyException(src(file, at), field + ": Required value");
        }
        return v;
    }

    private static Map<String, Node> map(MappingNode m) {
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            out.put(scalar(t.getKeyNode()), t.getValueNode());
        }
        return out;
    }

    private static String scalar(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    private static Source src(String file, Node n) {
        return new Source(file, n == null ? 0 : n.getStartMark().getLine() + 1);
    }
}
