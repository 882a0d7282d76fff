package dev.podlab.kubeproxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Test helper: iptables-restore / iptables-save text grouped per table into chain declarations
 * (as a sorted set) and rules per chain (order kept). Two dumps that differ only in the order
 * of chains, or of rules of different chains, compare equal; rule order within a chain counts.
 */
record Dump(Map<String, TreeSet<String>> chains, Map<String, Map<String, List<String>>> rules) {

    static Dump parse(String text) {
        Map<String, TreeSet<String>> chains = new TreeMap<>();
        Map<String, Map<String, List<String>>> rules = new TreeMap<>();
        String table = null;
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#") || line.equals("COMMIT")) {
                continue;
            }
            if (line.startsWith("*")) {
                table = line.substring(1);
                chains.computeIfAbsent(table, t -> new TreeSet<>());
                rules.computeIfAbsent(table, t -> new TreeMap<>());
            } else if (line.startsWith(":")) {
                chains.get(table).add(line);
            } else {
                String chain = line.split(" ")[1];
                rules.get(table).computeIfAbsent(chain, c -> new ArrayList<>()).add(line);
            }
        }
        return new Dump(chains, rules);
    }

    /** The rules of one chain (empty when none). */
    List<String> chain(String table, String chain) {
        return rules.getOrDefault(table, Map.of()).getOrDefault(chain, List.of());
    }

    /** All rule lines of a table, chain by chain. */
    List<String> allRules(String table) {
        List<String> all = new ArrayList<>();
        rules.getOrDefault(table, new LinkedHashMap<>()).values().forEach(all::addAll);
        return all;
    }
}
