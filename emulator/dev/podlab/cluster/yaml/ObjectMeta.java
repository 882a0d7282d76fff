package dev.podlab.cluster.yaml;

import dev.podlab.cluster.model.Source;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The metadata podlab reads from an object: name (or {@code generateName}), namespace, labels,
 * validated as the API server's {@code ValidateObjectMeta} does.
 *
 * @param root            the object, named for messages ({@code Pod default/web})
 * @param namespaceSource where the namespace was written (the object's line when defaulted)
 */
record ObjectMeta(String kind, String namespace, String name, String generateName, Map<String, String> labels,
        Fields root, Source namespaceSource) {

    static final String DEFAULT_NAMESPACE = "default";

    /** The object as messages name it: {@code Pod default/web}, {@code Namespace prod}. */
    static String describe(String kind, String namespace, String name) {
        return kind + " " + (namespace == null ? "" : namespace + "/") + name;
    }

    /**
     * Reads {@code metadata} of {@code root}. {@code nameRule} is the kind's name validation
     * ({@code ValidatePodName} and the like); {@code generateNameAllowed} lets {@code generateName}
     * stand in for the name, whose final form the caller makes.
     */
    static ObjectMeta read(Fields root, String kind, boolean namespaced, Function<String, List<String>> nameRule,
            boolean generateNameAllowed) {
        Fields meta = root.map("metadata");
        String namespace = null;
        Source namespaceSource = root.source();
        if (namespaced) {
            namespace = meta == null ? null : meta.string("namespace");
            if (namespace == null || namespace.isEmpty()) {
                namespace = DEFAULT_NAMESPACE;
            } else {
                namespaceSource = meta.source("namespace");
            }
        }
        String name = meta == null ? null : meta.string("name");
        String generateName = meta == null || !generateNameAllowed ? null : meta.string("generateName");
        if (name == null || name.isEmpty()) {
            name = null;
            if (generateName == null || generateName.isEmpty()) {
                Fields at = meta == null ? root : meta;
                throw root.named(kind).errorAt(at.source(), "metadata.name",
                        "Required value: name or generateName is required");
            }
        }
        String label = describe(kind, namespaced ? namespace : null, name != null ? name : generateName);
        Fields named = root.named(label);
        Fields namedMeta = named.map("metadata");
        if (name != null) {
            for (String msg : nameRule.apply(name)) {
                throw namedMeta.invalid("name", name, msg);
            }
        } else {
            // generateName is validated as a name with the random suffix still to come.
            for (String msg : nameRule.apply(generateName + "x")) {
                throw namedMeta.invalid("generateName", generateName, msg);
            }
        }
        if (namespaced) {
            for (String msg : ApiValidation.dns1123Label(namespace)) {
                throw namedMeta.invalid("namespace", namespace, msg);
            }
        }
        Map<String, String> labels = labels(namedMeta, "labels");
        return new ObjectMeta(kind, namespace, name, generateName, labels, named, namespaceSource);
    }

    /**
     * A labels map ({@code metadata.labels}, a selector) checked as {@code ValidateLabels} does:
     * keys are qualified names, values valid label values. Empty (never null) when absent.
     */
    static Map<String, String> labels(Fields parent, String key) {
        if (parent == null) {
            return Map.of();
        }
        Map<String, String> labels = parent.stringMap(key);
        if (labels == null) {
            return Map.of();
        }
        Fields map = parent.map(key);
        for (Map.Entry<String, String> e : labels.entrySet()) {
            for (String msg : ApiValidation.qualifiedName(e.getKey())) {
                throw map.errorAt(map.keySource(e.getKey()), map.path(),
                        "Invalid value: " + ApiValidation.render(e.getKey()) + ": " + msg);
            }
            for (String msg : ApiValidation.labelValue(e.getValue())) {
                throw map.errorAt(map.source(e.getKey()), map.path(),
                        "Invalid value: " + ApiValidation.render(e.getValue()) + ": " + msg);
            }
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }
}
