package dev.podlab.cluster.yaml;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The names the Deployment and ReplicaSet controllers give to a Deployment's pods,
 * {@code <deployment>-<pod-template-hash>-<5 chars>}, made deterministic.
 *
 * <p>Kubernetes computes {@code pod-template-hash} in {@code controller.ComputeHash}: FNV-32a over
 * a dump of the defaulted {@code PodTemplateSpec} Go struct, the decimal {@code Sum32()} passed
 * through {@code rand.SafeEncodeString}, which maps each character {@code c} to
 * {@code alphanums[c % 27]}. podlab has no Go struct to dump, so it hashes a canonical rendering
 * of the template as written (keys sorted, JSON-like): the same template in any key order or
 * layout gets the same hash, any change of the template a different one, and scaling none.
 *
 * <p>The pod's own suffix comes from the API server's {@code names.SimpleNameGenerator}: the
 * ReplicaSet's name plus {@code -}, cut to 58 characters, then {@code rand.String(5)} over the
 * same 27-character alphabet. podlab derives those 5 characters from the deployment's name and
 * the replica's index instead of a random source.
 */
final class PodTemplateHash {
    /** {@code k8s.io/apimachinery/pkg/util/rand}: no vowels, no 0, 1, 3 (no bad words, no look-alikes). */
    static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";
    /** {@code names.maxGeneratedNameLength}: 63 minus the 5 random characters. */
    static final int MAX_GENERATED_NAME_LENGTH = 63 - 5;
    static final int RANDOM_LENGTH = 5;

    private static final int FNV32_OFFSET = 0x811c9dc5;
    private static final int FNV32_PRIME = 0x01000193;
    private static final long FNV64_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV64_PRIME = 0x100000001b3L;

    private PodTemplateHash() {
    }

    /** The {@code pod-template-hash} of a template given as parsed YAML. */
    static String of(Object template) {
        return safeEncodeString(Integer.toUnsignedString(fnv32a(canonical(template))));
    }

    /** FNV-1a, 32 bits, over the UTF-8 bytes of {@code s} (Go's {@code hash/fnv.New32a}). */
    static int fnv32a(String s) {
        int h = FNV32_OFFSET;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= FNV32_PRIME;
        }
        return h;
    }

    /** {@code rand.SafeEncodeString}: each character {@code c} becomes {@code alphanums[c % 27]}. */
    static String safeEncodeString(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> sb.append(ALPHANUMS.charAt(c % ALPHANUMS.length())));
        return sb.toString();
    }

    /**
     * {@code generateName} completed the way {@code SimpleNameGenerator.GenerateName} does,
     * with the random part derived from {@code seed} and {@code attempt}
     * (the next attempt after a name is taken, as the controller retries on AlreadyExists).
     */
    static String generateName(String base, String seed, int attempt) {
        if (base.length() > MAX_GENERATED_NAME_LENGTH) {
            base = base.substring(0, MAX_GENERATED_NAME_LENGTH);
        }
        long h = FNV64_OFFSET;
        for (byte b : (seed + "\n" + attempt).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= FNV64_PRIME;
        }
        StringBuilder sb = new StringBuilder(base);
        for (int i = 0; i < RANDOM_LENGTH; i++) {
            sb.append(ALPHANUMS.charAt((int) Long.remainderUnsigned(h, ALPHANUMS.length())));
            h = Long.divideUnsigned(h, ALPHANUMS.length());
        }
        return sb.toString();
    }

    /** Parsed YAML as compact JSON with sorted keys: one text per template, whatever its layout. */
    static String canonical(Object value) {
        StringBuilder sb = new StringBuilder();
        appendCanonical(sb, value);
        return sb.toString();
    }

    private static void appendCanonical(StringBuilder sb, Object value) {
        if (value instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
                sb.append(first ? "" : ",").append(ApiValidation.quote(e.getKey().toString())).append(':');
                appendCanonical(sb, e.getValue());
                first = false;
            }
            sb.append('}');
        } else if (value instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                appendCanonical(sb, l.get(i));
            }
            sb.append(']');
        } else if (value instanceof String s) {
            sb.append(ApiValidation.quote(s));
        } else {
            sb.append(value);
        }
    }
}
