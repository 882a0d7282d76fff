package dev.podlab.policy.felix;

import dev.podlab.policy.LabelSelector;
import dev.podlab.policy.NetworkPolicy;
import dev.podlab.policy.Peer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes selectors in Calico's selector syntax, as libcalico-go's conversion writes them
 * ({@code k8sSelectorToCalico}: {@code key == 'v'}, {@code key in { 'a', 'b' }},
 * {@code key not in {...}}, {@code has(key)}, {@code ! has(key)}, {@code all()}; namespace labels
 * under the {@code pcns.} prefix; a pod peer confined to the policy's namespace by
 * {@code projectcalico.org/namespace == 'ns'}), and the hashed names Felix derives from them.
 */
final class CalicoSelectors {
    static final String NAMESPACE_LABEL = "projectcalico.org/namespace";
    static final String NAMESPACE_PREFIX = "pcns.";

    private CalicoSelectors() {
    }

    /** The selector of a peer (not an ipBlock) of a policy in {@code namespace}. */
    static String peer(String namespace, Peer peer) {
        List<String> parts = new ArrayList<>();
        if (peer.namespaceSelector() == null) {
            parts.add(NAMESPACE_LABEL + " == '" + namespace + "'");
        } else if (!peer.namespaceSelector().isEmpty()) {
            parts.add(selector(peer.namespaceSelector(), NAMESPACE_PREFIX));
        }
        if (peer.podSelector() != null && !peer.podSelector().isEmpty()) {
            parts.add(selector(peer.podSelector(), ""));
        }
        if (parts.isEmpty()) {
            return "all()";
        }
        return parts.size() == 1 ? parts.get(0) : "(" + parts.get(0) + ") && (" + parts.get(1) + ")";
    }

    /** The selector of the pods a policy applies to: its namespace and its podSelector. */
    static String applied(NetworkPolicy policy) {
        String ns = NAMESPACE_LABEL + " == '" + policy.namespace() + "'";
        return policy.podSelector().isEmpty() ? ns : "(" + ns + ") && (" + selector(policy.podSelector(), "") + ")";
    }

    /** One Kubernetes label selector, its keys prefixed with {@code prefix}. */
    static String selector(LabelSelector s, String prefix) {
        List<String> terms = new ArrayList<>();
        for (Map.Entry<String, String> e : s.matchLabels().entrySet()) {
            terms.add(prefix + e.getKey() + " == '" + e.getValue() + "'");
        }
        for (LabelSelector.Requirement r : s.matchExpressions()) {
            String key = prefix + r.key();
            terms.add(switch (r.operator()) {
                case In -> key + " in { " + quoted(r.values()) + " }";
                case NotIn -> key + " not in { " + quoted(r.values()) + " }";
                case Exists -> "has(" + key + ")";
                case DoesNotExist -> "! has(" + key + ")";
            });
        }
        return terms.isEmpty() ? "all()" : String.join(" && ", terms);
    }

    private static String quoted(List<String> values) {
        List<String> q = new ArrayList<>();
        for (String v : values) {
            q.add("'" + v + "'");
        }
        return String.join(", ", q);
    }

    /**
     * A Felix-style ID: the first {@code length} characters of the URL-safe base64 of SHA-224 of
     * {@code text}. Felix names ipsets ({@code cali40s:} + 23 characters), long chain names
     * ({@code cali-pi-_} + 19) and rule comments ({@code cali:} + 16) this way; the hashed texts
     * are podlab's renderings, so the IDs have Felix's shape but not a real node's values.
     */
    static String hash(String text, int length) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-224").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d).substring(0, length);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-224 is required of every Java platform", e);
        }
    }
}
