package dev.podlab.cluster.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pieces of a pod's name, against published FNV vectors and hand-encoded strings. */
class PodTemplateHashTest {
    @Test
    void fnv32aMatchesTheReferenceVectors() {
        // FNV-1a 32-bit test vectors (draft-eastlake-fnv, Go's hash/fnv tests).
        assertThat(PodTemplateHash.fnv32a("")).isEqualTo(0x811c9dc5);
        assertThat(PodTemplateHash.fnv32a("a")).isEqualTo(0xe40c292c);
        assertThat(PodTemplateHash.fnv32a("foobar")).isEqualTo(0xbf9cf968);
    }

    @Test
    void safeEncodeStringMapsEachCharacterModulo27() {
        // 0x811c9dc5 = 2166136261; '2' = 50, 50 % 27 = 23 -> '6'; '1' -> 22 -> '5'; '6' -> 0 -> 'b'; '3' -> 24 -> '7'.
        assertThat(PodTemplateHash.safeEncodeString("2166136261")).isEqualTo("65bb57b6b5");
        // 0xe40c292c = 3826002220; '8' -> 25 -> 'd'; '0' -> 21 -> '4'.
        assertThat(PodTemplateHash.safeEncodeString("3826002220")).isEqualTo("7d6b446664");
        // Letters too: 'a' = 97, 97 % 27 = 16 -> 'v'.
        assertThat(PodTemplateHash.safeEncodeString("a")).isEqualTo("v");
    }

    @Test
    void canonicalFormSortsKeysAndQuotesStrings() {
        assertThat(PodTemplateHash.canonical(Map.of("b", List.of(1, "x"), "a", true)))
                .isEqualTo("{\"a\":true,\"b\":[1,\"x\"]}");
    }

    @Test
    void generatedNamesKeepTheBaseAndAddFiveSafeCharacters() {
        String n = PodTemplateHash.generateName("web-5d8f-", "web/0", 0);
        assertThat(n).matches("web-5d8f-[bcdfghjklmnpqrstvwxz2456789]{5}");
        assertThat(PodTemplateHash.generateName("web-5d8f-", "web/0", 0)).isEqualTo(n);
        assertThat(PodTemplateHash.generateName("web-5d8f-", "web/0", 1)).isNotEqualTo(n);
        assertThat(PodTemplateHash.generateName("web-5d8f-", "web/1", 0)).isNotEqualTo(n);
    }
}
