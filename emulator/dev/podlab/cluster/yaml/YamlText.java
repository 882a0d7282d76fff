package dev.podlab.cluster.yaml;

import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.TopologyException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * A multi-document YAML text composed into SnakeYAML nodes, which keep their line numbers, and
 * normalised the way Kubernetes' YAML decoder (go-yaml, YAML 1.1) sees them: merge keys
 * ({@code <<: *base}) expanded, a key written twice in one mapping rejected, empty documents
 * dropped. SnakeYAML's syntax errors become one-line {@link TopologyException}s.
 */
final class YamlText {
    /** kubectl dumps of big clusters exceed SnakeYAML's default 3 MiB input limit. */
    private static final int CODE_POINT_LIMIT = 256 * 1024 * 1024;

    private YamlText() {
    }

    /** The documents of {@code text}, in order, without empty (or comment-only) documents. */
    static List<Node> documents(String text, String file) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(CODE_POINT_LIMIT);
        options.setAllowRecursiveKeys(false);
        Yaml yaml = new Yaml(new SafeConstructor(options), new Representer(new DumperOptions()), new DumperOptions(),
                options);
        List<Node> documents = new ArrayList<>();
        try {
            for (Node root : yaml.composeAll(new StringReader(text))) {
                if (root == null || isNull(root)) {
                    continue;
                }
                normalise(root, file, Collections.newSetFromMap(new IdentityHashMap<>()),
                        Collections.newSetFromMap(new IdentityHashMap<>()));
                documents.add(root);
            }
        } catch (MarkedYAMLException e) {
            throw syntaxError(e, file);
        } catch (YAMLException e) {
            throw new TopologyException(Source.NONE, file + ": " + oneLine(e.getMessage()));
        }
        return documents;
    }

    static boolean isNull(Node node) {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    /**
     * SnakeYAML's message on one line: the problem at its line, then the context it was in
     * ({@code while scanning a simple key at line 3}) when there is one.
     */
    private static TopologyException syntaxError(MarkedYAMLException e, String file) {
        Mark problemMark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        int line = problemMark == null ? 0 : problemMark.getLine() + 1;
        StringBuilder message = new StringBuilder(oneLine(e.getProblem() != null ? e.getProblem() : e.getContext()));
        if (e.getContext() != null && e.getProblem() != null) {
            message.append(" (").append(oneLine(e.getContext()));
            Mark contextMark = e.getContextMark();
            if (contextMark != null && contextMark.getLine() + 1 != line) {
                message.append(" at line ").append(contextMark.getLine() + 1);
            }
            message.append(')');
        }
        return new TopologyException(new Source(file, line), message.toString());
    }

    private static String oneLine(String s) {
        return s == null ? "invalid YAML" : s.strip().replaceAll("\\s*\\n\\s*", " ");
    }

    /**
     * Expands merge keys and rejects duplicate keys and recursive aliases, depth first.
     * {@code done} holds nodes already normalised (an alias shares its anchor's node),
     * {@code open} the nodes on the current path.
     */
    private static void normalise(Node node, String file, Set<Node> done, Set<Node> open) {
        if (done.contains(node)) {
            return;
        }
        if (!open.add(node)) {
            throw new TopologyException(new Source(file, line(node)), "recursive alias: a collection that contains itself");
        }
        if (node instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) {
                normalise(item, file, done, open);
            }
        } else if (node instanceof MappingNode map) {
            Map<String, NodeTuple> explicit = new LinkedHashMap<>();
            List<MappingNode> merged = new ArrayList<>();
            for (NodeTuple t : map.getValue()) {
                Node key = t.getKeyNode();
                if (Tag.MERGE.equals(key.getTag())) {
                    normalise(t.getValueNode(), file, done, open);
                    collectMerged(t.getValueNode(), file, merged);
                    continue;
                }
                if (!(key instanceof ScalarNode scalarKey)) {
                    throw new TopologyException(new Source(file, line(key)), "mapping keys must be scalars");
                }
                NodeTuple first = explicit.putIfAbsent(scalarKey.getValue(), t);
                if (first != null) {
                    throw new TopologyException(new Source(file, line(key)), "mapping key \"" + scalarKey.getValue()
                            + "\" already defined at line " + line(first.getKeyNode()));
                }
                normalise(t.getValueNode(), file, done, open);
            }
            if (!merged.isEmpty()) {
                // YAML merge: explicit keys win, then the merged mappings in order, the first one first.
                List<NodeTuple> tuples = new ArrayList<>(explicit.values());
                for (MappingNode m : merged) {
                    for (NodeTuple t : m.getValue()) {
                        String k = ((ScalarNode) t.getKeyNode()).getValue();
                        if (!explicit.containsKey(k)) {
                            explicit.put(k, t);
                            tuples.add(t);
                        }
                    }
                }
                map.setValue(tuples);
                map.setMerged(false);
            }
        }
        open.remove(node);
        done.add(node);
    }

    private static void collectMerged(Node value, String file, List<MappingNode> out) {
        if (value instanceof MappingNode m) {
            out.add(m);
        } else if (value instanceof SequenceNode s && s.getValue().stream().allMatch(MappingNode.class::isInstance)) {
            for (Node n : s.getValue()) {
                out.add((MappingNode) n);
            }
        } else {
            throw new TopologyException(new Source(file, line(value)),
                    "map merge requires map or sequence of maps as the value");
        }
    }
}
