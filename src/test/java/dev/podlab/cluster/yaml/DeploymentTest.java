package dev.podlab.cluster.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.PodSpec;
import dev.podlab.cluster.model.Source;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A Deployment becomes {@code replicas} pods named as the Deployment and ReplicaSet controllers name them. */
class DeploymentTest {
    /**
     * SafeEncodeString of a decimal number only ever yields these: '0'..'9' are 48..57, and
     * 48 % 27 = 21 ('4'), 49 → '5', 50 → '6', 51 → '7', 52 → '8', 53 → '9', 54 % 27 = 0 ('b'),
     * 55 → 'c', 56 → 'd', 57 → 'f'. A uint32 has 1 to 10 digits.
     */
    static final String HASH = "[456789bcdf]{1,10}";
    static final String SUFFIX = "[bcdfghjklmnpqrstvwxz2456789]{5}";

    static final String WEB = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
            spec:
              replicas: 3
              selector:
                matchLabels:
                  app: web
              template:
                metadata:
                  labels:
                    app: web
                    tier: front
                spec:
                  containers:
                  - name: nginx
                    image: nginx:1.25
                    ports:
                    - name: http
                      containerPort: 80
                  - name: exporter
                    image: nginx/nginx-prometheus-exporter
                    ports:
                    - {name: metrics, containerPort: 9113}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop}
            """;

    @Test
    void replicasBecomePodsWithTemplateLabelsAndHash() {
        List<PodSpec> pods = TopologyLoader.objects(WEB, "web.yaml").pods();
        assertThat(pods).hasSize(3);
        String hash = pods.get(0).labels().get("pod-template-hash");
        assertThat(hash).matches(HASH);
        for (PodSpec p : pods) {
            assertThat(p.namespace()).isEqualTo("shop");
            assertThat(p.name()).matches("web-" + hash + "-" + SUFFIX);
            assertThat(p.labels()).isEqualTo(Map.of("app", "web", "tier", "front", "pod-template-hash", hash));
            assertThat(p.owner()).isEqualTo("web");
            assertThat(p.nodeName()).isNull();
            assertThat(p.ports()).containsExactly(new ContainerPort("http", 80, "TCP"),
                    new ContainerPort("metrics", 9113, "TCP"));
            assertThat(p.source()).isEqualTo(new Source("web.yaml", 1));
        }
        assertThat(pods.stream().map(PodSpec::name).collect(Collectors.toSet())).hasSize(3);
    }

    @Test
    void namesAreStableAcrossLoads() {
        List<String> first = names(WEB);
        assertThat(names(WEB)).isEqualTo(first);
        // Scaling keeps the template, so the hash and the first pods' names stay.
        List<String> scaled = names(WEB.replace("replicas: 3", "replicas: 5"));
        assertThat(scaled).hasSize(5).startsWith(first.toArray(String[]::new));
    }

    @Test
    void hashFollowsTheTemplateNotItsLayout() {
        String hash = hash(WEB);
        // Same template, keys in another order and flow style: same hash.
        String reordered = WEB.replace("""
                      labels:
                        app: web
                        tier: front
                """, """
                      labels: {tier: front, app: web}
                """);
        assertThat(reordered).isNotEqualTo(WEB);
        assertThat(hash(reordered)).isEqualTo(hash);
        // Another image: a new template, a new ReplicaSet, a new hash.
        assertThat(hash(WEB.replace("nginx:1.25", "nginx:1.27"))).isNotEqualTo(hash);
    }

    @Test
    void replicasDefaultToOneAndZeroMakesNone() {
        String noReplicas = WEB.replace("  replicas: 3\n", "");
        assertThat(noReplicas).doesNotContain("replicas");
        assertThat(names(noReplicas)).hasSize(1);
        assertThat(names(WEB.replace("replicas: 3", "replicas: 0"))).isEmpty();
    }

    @Test
    void matchExpressionsSelectTheTemplate() {
        String yaml = WEB.replace("""
                    matchLabels:
                      app: web
                """, """
                    matchExpressions:
                    - {key: app, operator: In, values: [web, api]}
                    - {key: canary, operator: DoesNotExist}
                """);
        assertThat(names(yaml)).hasSize(3);
    }

    @Test
    void longNamesAreCutAsGenerateNameCutsThem() {
        String name = "a".repeat(60);
        List<String> names = names(WEB.replace("name: web\n", "name: " + name + "\n"));
        // generateName "<60 a>-<hash>-" is cut to 58 characters, then 5 are appended: 63, a DNS label's maximum.
        assertThat(names).allSatisfy(n -> {
            assertThat(n).hasSize(63);
            assertThat(n).startsWith("a".repeat(58));
        });
        assertThat(Set.copyOf(names)).hasSize(3);
    }

    private static List<String> names(String yaml) {
        return TopologyLoader.objects(yaml, "web.yaml").pods().stream().map(PodSpec::name).toList();
    }

    private static String hash(String yaml) {
        return TopologyLoader.objects(yaml, "web.yaml").pods().get(0).labels().get("pod-template-hash");
    }
}
