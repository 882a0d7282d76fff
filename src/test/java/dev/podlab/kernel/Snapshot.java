package dev.podlab.kernel;

import java.util.List;
import java.util.Map;

/**
 * What one world showed: each probe's outcome in the common form of {@link Outcomes}, and the
 * router's state views as its tools print them.
 *
 * @param outcomes        one line per probe, in {@link Scenario#TRAFFIC} order
 * @param routes          {@code ip route} in each namespace, by its name in the scenario
 * @param neighAfter      {@code ip -4 neigh} in each namespace right after the traffic
 * @param neighSettled    {@code ip -4 neigh} in each namespace once none has an entry in DELAY,
 *                        PROBE or INCOMPLETE
 * @param conntrack       {@code conntrack -L} in the router right after the traffic
 * @param iptablesSave    {@code iptables-save -c} in the router right after the traffic
 * @param trafficNanos    how long the traffic took in this world (wall clock or virtual)
 * @param log             what happened, for assertion messages
 */
record Snapshot(List<String> outcomes, Map<String, String> routes, Map<String, String> neighAfter,
        Map<String, String> neighSettled, String conntrack,
        String iptablesSave, long trafficNanos, String log) {}
