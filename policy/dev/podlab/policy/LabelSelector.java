package dev.podlab.policy;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * {@code metav1.LabelSelector}: every {@code matchLabels} pair and every {@code matchExpressions}
 * requirement must hold (as {@code metav1.LabelSelectorAsSelector} builds it). The empty selector
 * matches every label set, the empty one included.
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {
    /** {@code {}}: selects everything. */
    public static final LabelSelector EVERYTHING = new LabelSelector(Map.of(), List.of());

    public LabelSelector {
        matchLabels = Collections.unmodifiableMap(new TreeMap<>(matchLabels));
        matchExpressions = List.copyOf(matchExpressions);
    }

    /** {@code metav1.LabelSelectorOperator}. */
    public enum Operator {
        In, NotIn, Exists, DoesNotExist;

        public static Operator byName(String name) {
            for (Operator o : values()) {
                if (o.name().equals(name)) {
                    return o;
                }
            }
            return null;
        }
    }

    /** One {@code matchExpressions} entry; {@code values} is empty for Exists and DoesNotExist. */
    public record Requirement(String key, Operator operator, List<String> values) {
        public Requirement {
            values = List.copyOf(values);
        }

        /** {@code labels.Requirement.Matches}: NotIn and DoesNotExist hold when the key is absent. */
        public boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (operator) {
                case In -> value != null && values.contains(value);
                case NotIn -> value == null || !values.contains(value);
                case Exists -> value != null;
                case DoesNotExist -> value == null;
            };
        }

        @Override
        public String toString() {
            return switch (operator) {
                case In -> key + " in (" + String.join(",", values) + ")";
                case NotIn -> key + " notin (" + String.join(",", values) + ")";
                case Exists -> key;
                case DoesNotExist -> "!" + key;
            };
        }
    }

    public static LabelSelector matchLabels(Map<String, String> labels) {
        return new LabelSelector(labels, List.of());
    }

    public boolean isEmpty() {
        return matchLabels.isEmpty() && matchExpressions.isEmpty();
    }

    public boolean matches(Map<String, String> labels) {
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (Requirement r : matchExpressions) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /** The selector in {@code kubectl}'s string form ({@code app=web,tier in (a,b)}); {@code {}} when empty. */
    @Override
    public String toString() {
        if (isEmpty()) {
            return "{}";
        }
        StringJoiner j = new StringJoiner(",");
        matchLabels.forEach((k, v) -> j.add(k + "=" + v));
        matchExpressions.forEach(r -> j.add(r.toString()));
        return j.toString();
    }
}
