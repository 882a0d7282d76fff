package dev.podlab.cluster.yaml;

import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.TopologyException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One YAML mapping of an object being read, with the field path that leads to it
 * ({@code spec.containers[0]}) and the object's name for messages ({@code Pod default/web}).
 * Accessors return null for an absent or null field and throw a {@link TopologyException} at the
 * field's line when it has the wrong type, as Kubernetes' decoder rejects it. Errors read like the
 * API server's field errors: {@code Pod default/web: spec.containers[0].ports[0].containerPort: Required value}.
 */
final class Fields {
    private final String file;
    private final String object;
    private final String path;
    private final MappingNode node;
    /** Where the mapping is named: its key ({@code spec:}), or its first line for a list item or a document. */
    private final Node at;
    private final Map<String, Node> values = new LinkedHashMap<>();
    private final Map<String, Node> keys = new LinkedHashMap<>();

    private Fields(String file, String object, String path, MappingNode node, Node at) {
        this.file = file;
        this.object = object;
        this.path = path;
        this.node = node;
        this.at = at;
        for (NodeTuple t : node.getValue()) {
            String key = ((ScalarNode) t.getKeyNode()).getValue();
            values.put(key, t.getValueNode());
            keys.put(key, t.getKeyNode());
        }
    }

    /** The top level of an object. */
    static Fields root(String file, MappingNode node) {
        return new Fields(file, null, "", node, node);
    }

    /** The same mapping, naming the object in messages from now on. */
    Fields named(String objectName) {
        return new Fields(file, objectName, path, node, at);
    }

    String file() {
        return file;
    }

    String path() {
        return path;
    }

    /** The path of a field of this mapping. */
    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Where this mapping is named, for an error about a field it lacks. */
    Source source() {
        return new Source(file, YamlText.line(at));
    }

    Source source(String key) {
        Node v = values.get(key);
        return v == null ? source() : new Source(file, YamlText.line(v));
    }

    Source keySource(String key) {
        Node k = keys.get(key);
        return k == null ? source() : new Source(file, YamlText.line(k));
    }

    Iterable<String> keys() {
        return values.keySet();
    }

    boolean has(String key) {
        Node v = values.get(key);
        return v != null && !YamlText.isNull(v);
    }

    /** The raw node of a field, null when absent or null. */
    Node node(String key) {
        return has(key) ? values.get(key) : null;
    }

    // ------------------------------------------------------------------ errors

    /** {@code file:line: Object: path.key: body}, at the field's value (or this mapping when absent). */
    TopologyException error(String key, String body) {
        return errorAt(source(key), key == null ? path : path(key), body);
    }

    TopologyException errorAt(Source at, String fieldPath, String body) {
        StringBuilder m = new StringBuilder();
        if (object != null) {
            m.append(object).append(": ");
        }
        if (fieldPath != null && !fieldPath.isEmpty()) {
            m.append(fieldPath).append(": ");
        }
        return new TopologyException(at, m.append(body).toString());
    }

    TopologyException required(String key) {
        return required(key, null);
    }

    TopologyException required(String key, String detail) {
        return error(key, "Required value" + (detail == null ? "" : ": " + detail));
    }

    TopologyException invalid(String key, Object value, String detail) {
        return error(key, "Invalid value: " + ApiValidation.render(value) + ": " + detail);
    }

    // ------------------------------------------------------------------ typed access

    String string(String key) {
        Node v = node(key);
        if (v == null) {
            return null;
        }
        if (v instanceof ScalarNode s && Tag.STR.equals(s.getTag())) {
            return s.getValue();
        }
        throw typeError(key, v, "a string");
    }

    String requiredString(String key, String detail) {
        String s = string(key);
        if (s == null || s.isEmpty()) {
            throw required(key, detail);
        }
        return s;
    }

    /** An integer field as a long; null when absent. Floats and strings are rejected as Go's decoder does. */
    Long integer(String key) {
        Node v = node(key);
        if (v == null) {
            return null;
        }
        if (v instanceof ScalarNode s && Tag.INT.equals(s.getTag())) {
            Object n = Values.scalar(s);
            if (n instanceof BigInteger) {
                throw invalid(key, s.getValue(), "must fit in 64 bits");
            }
            return ((Number) n).longValue();
        }
        throw typeError(key, v, "an integer");
    }

    Boolean bool(String key) {
        Node v = node(key);
        if (v == null) {
            return null;
        }
        if (v instanceof ScalarNode s && Tag.BOOL.equals(s.getTag())) {
            return (Boolean) Values.scalar(s);
        }
        throw typeError(key, v, "a boolean");
    }

    /** A mapping field; null when absent. */
    Fields map(String key) {
        Node v = node(key);
        if (v == null) {
            return null;
        }
        if (v instanceof MappingNode m) {
            return new Fields(file, object, path(key), m, keys.get(key));
        }
        throw typeError(key, v, "a mapping");
    }

    /** The mappings of a list field, each with its {@code [i]} path; empty when absent. */
    List<Fields> list(String key) {
        Node v = node(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof SequenceNode seq)) {
            throw typeError(key, v, "a list");
        }
        List<Fields> items = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            Node item = seq.getValue().get(i);
            String itemPath = path(key) + "[" + i + "]";
            if (!(item instanceof MappingNode m)) {
                throw errorAt(new Source(file, YamlText.line(item)), itemPath,
                        "must be a mapping, not " + Values.describe(item));
            }
            items.add(new Fields(file, object, itemPath, m, m));
        }
        return items;
    }

    /** A {@code map[string]string} field (labels, selectors) in written order; null when absent. */
    Map<String, String> stringMap(String key) {
        Fields m = map(key);
        if (m == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : m.keys()) {
            Node v = m.values.get(k);
            if (YamlText.isNull(v)) {
                out.put(k, "");
            } else if (v instanceof ScalarNode s && Tag.STR.equals(s.getTag())) {
                out.put(k, s.getValue());
            } else {
                throw m.typeError(k, v, "a string");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** A field as parsed YAML (maps, lists, strings, numbers, booleans); null when absent. */
    Object value(String key) {
        Node v = node(key);
        return v == null ? null : Values.of(v);
    }

    /**
     * A field of the wrong YAML type: Kubernetes' decoder refuses it ({@code cannot unmarshal
     * number into ... of type string}); the message says what was expected, e.g. a label value
     * {@code 1} that must be quoted.
     */
    private TopologyException typeError(String key, Node v, String expected) {
        String got = !(v instanceof ScalarNode s) ? Values.describe(v)
                : Values.describe(s) + " " + (Tag.STR.equals(s.getTag()) ? ApiValidation.render(s.getValue()) : s.getValue());
        String hint = v instanceof ScalarNode && "a string".equals(expected) ? " (quote it)" : "";
        return errorAt(new Source(file, YamlText.line(v)), path(key), "must be " + expected + ", not " + got + hint);
    }

    /** Conversion of nodes to plain Java values, with SnakeYAML's YAML 1.1 scalar types. */
    static final class Values {
        private static final ScalarConstructor SCALARS = new ScalarConstructor();

        private Values() {
        }

        static Object of(Node n) {
            if (n instanceof MappingNode m) {
                Map<String, Object> out = new LinkedHashMap<>();
                for (NodeTuple t : m.getValue()) {
                    out.put(((ScalarNode) t.getKeyNode()).getValue(), of(t.getValueNode()));
                }
                return Collections.unmodifiableMap(out);
            }
            if (n instanceof SequenceNode s) {
                List<Object> out = new ArrayList<>();
                for (Node item : s.getValue()) {
                    out.add(of(item));
                }
                return Collections.unmodifiableList(out);
            }
            return scalar((ScalarNode) n);
        }

        /** Strings, Integer/Long/BigInteger, Double, Boolean or null; timestamps and binaries stay text. */
        static Object scalar(ScalarNode s) {
            Tag tag = s.getTag();
            if (Tag.INT.equals(tag) || Tag.FLOAT.equals(tag) || Tag.BOOL.equals(tag) || Tag.NULL.equals(tag)) {
                synchronized (SCALARS) {
                    return SCALARS.construct(s);
                }
            }
            return s.getValue();
        }

        static String describe(Node n) {
            if (n instanceof MappingNode) {
                return "a mapping";
            }
            if (n instanceof SequenceNode) {
                return "a list";
            }
            Tag tag = n.getTag();
            if (Tag.INT.equals(tag) || Tag.FLOAT.equals(tag)) {
                return "number";
            }
            if (Tag.BOOL.equals(tag)) {
                return "boolean";
            }
            return "string";
        }
    }

    /** SnakeYAML's own scalar rules (0x1f, 0o17, 1_000, .inf, yes/no ...), exposed for single scalars. */
    private static final class ScalarConstructor extends SafeConstructor {
        ScalarConstructor() {
            super(new LoaderOptions());
        }

        Object construct(ScalarNode node) {
            // The scalar's own Construct, bypassing constructObject's per-document bookkeeping.
            return getConstructor(node).construct(node);
        }
    }
}
