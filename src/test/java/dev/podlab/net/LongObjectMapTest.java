package dev.podlab.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The datapath's long-keyed map against {@link HashMap}, through growth and backward-shift removals. */
class LongObjectMapTest {
    @Test
    void agreesWithHashMapThroughPutsAndRemovals() {
        Random r = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            LongObjectMap<String> map = new LongObjectMap<>(4);
            Map<Long, String> want = new HashMap<>();
            // Few distinct keys so that puts replace and removals hit, clustered so that probes collide;
            // 0 and negative keys included (keys are MACs, addresses and ports packed into a long).
            long spread = 1 + r.nextInt(200);
            for (int op = 0; op < 2000; op++) {
                long key = r.nextInt(3) == 0 ? -r.nextInt((int) spread) : r.nextInt((int) spread);
                switch (r.nextInt(3)) {
                    case 0, 1 -> {
                        String v = "v" + op;
                        assertThat(map.put(key, v)).isEqualTo(want.put(key, v));
                    }
                    default -> assertThat(map.remove(key)).isEqualTo(want.remove(key));
                }
                assertThat(map.size()).isEqualTo(want.size());
            }
            for (long key = -spread; key <= spread; key++) {
                assertThat(map.get(key)).as("key %d", key).isEqualTo(want.get(key));
            }
            List<String> values = new ArrayList<>();
            map.forEachValue(values::add);
            assertThat(values).containsExactlyInAnyOrderElementsOf(want.values());
            map.clear();
            assertThat(map.size()).isZero();
            assertThat(map.get(0)).isNull();
        }
    }

    @Test
    void nullValuesAreRefused() {
        assertThatThrownBy(() -> new LongObjectMap<String>().put(1, null)).isInstanceOf(NullPointerException.class);
    }
}
