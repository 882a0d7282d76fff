package dev.podlab.policy;

import dev.podlab.cluster.model.ContainerPort;
import java.util.List;
import java.util.Map;

/**
 * A pod's container ports as parallel arrays (port name id, protocol slot, number), for named
 * port entries: {@code {port: http}} with protocol P means "the number of a container port named
 * http with protocol P". Names are interned by {@link PolicyIndex} so the per-packet check
 * compares ints; a port without a name, or with a protocol no policy can name, never matches.
 */
final class ContainerPorts {
    static final int NO_NAME = -1;
    final int[] nameIds;
    final int[] slots;
    final int[] numbers;

    /**
     * @param names the intern table, grown with new names (never shrinks: names are few)
     */
    ContainerPorts(List<ContainerPort> ports, Map<String, Integer> names) {
        int n = ports.size();
        nameIds = new int[n];
        slots = new int[n];
        numbers = new int[n];
        for (int i = 0; i < n; i++) {
            ContainerPort cp = ports.get(i);
            nameIds[i] = cp.name() == null ? NO_NAME : names.computeIfAbsent(cp.name(), k -> names.size());
            Protocol p = cp.protocol() == null ? null : Protocol.byName(cp.protocol());
            slots[i] = p == null ? -1 : p.ordinal();
            numbers[i] = cp.port();
        }
    }

    /** Whether a port named {@code nameId}, of protocol {@code slot}, has number {@code port}. */
    boolean has(int nameId, int slot, int port) {
        for (int i = 0; i < nameIds.length; i++) {
            if (nameIds[i] == nameId && slots[i] == slot && numbers[i] == port) {
                return true;
            }
        }
        return false;
    }
}
