package dev.podlab.policy;

import dev.podlab.cluster.model.NetworkPolicySpec;
import dev.podlab.cluster.model.Source;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/** Test policies written as their {@code spec} in YAML, read into the loader's model as the loader would. */
final class Specs {
    static final Source SOURCE = new Source("np.yaml", 3);

    private Specs() {
    }

    static NetworkPolicySpec spec(String namespace, String name, String specYaml) {
        Object parsed = new Yaml().load(specYaml);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = parsed == null ? Map.of() : (Map<String, Object>) parsed;
        return new NetworkPolicySpec(namespace, name, m, SOURCE);
    }

    static NetworkPolicySpec spec(String specYaml) {
        return spec("default", "np", specYaml);
    }

    static NetworkPolicy policy(String namespace, String name, String specYaml) {
        return NetworkPolicies.parse(spec(namespace, name, specYaml));
    }
}
