package dev.podlab.cluster.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.cluster.model.TopologyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every refusal is one line, {@code file:line: what}, in the API server's words where it has some.
 * The line numbers were counted by hand in each input (line 1 is the first line of the text block).
 */
class LoadErrorsTest {

    static Stream<Arguments> kubernetesObjects() {
        return Stream.of(
                Arguments.of("containerPort missing", "cluster.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata:
                          name: web
                        spec:
                          containers:
                          - name: nginx
                            image: nginx
                            ports:
                            - name: http
                              protocol: TCP
                        """,
                        "cluster.yaml:10: Pod default/web: spec.containers[0].ports[0].containerPort: Required value"),
                Arguments.of("service port out of range", "svc.yaml", """
                        apiVersion: v1
                        kind: Service
                        metadata:
                          name: web
                        spec:
                          selector:
                            app: web
                          ports:
                          - port: 70000
                            targetPort: 80
                        """,
                        "svc.yaml:9: Service default/web: spec.ports[0].port: Invalid value: 70000: "
                                + "must be between 1 and 65535, inclusive"),
                Arguments.of("malformed YAML", "x.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata: name: web
                        """,
                        "x.yaml:3: mapping values are not allowed here"),
                Arguments.of("namespace nobody creates", "p.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata:
                          name: web
                          namespace: shop
                        spec:
                          containers:
                          - name: nginx
                        """,
                        "p.yaml:5: Pod shop/web: namespaces \"shop\" not found"),
                Arguments.of("duplicate object", "s.yaml", """
                        apiVersion: v1
                        kind: Service
                        metadata: {name: web}
                        spec:
                          ports: [{port: 80}]
                        ---
                        apiVersion: v1
                        kind: Service
                        metadata: {name: web}
                        spec:
                          ports: [{port: 8080}]
                        """,
                        "s.yaml:7: Service default/web: services \"web\" already exists (first at s.yaml:1)"),
                Arguments.of("duplicate key", "n.yaml", """
                        apiVersion: v1
                        kind: Namespace
                        metadata:
                          name: shop
                          name: shop2
                        """,
                        "n.yaml:5: mapping key \"name\" already defined at line 4"),
                Arguments.of("label value not a string", "p.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata:
                          name: web
                          labels:
                            version: 1
                        spec:
                          containers: [{name: nginx}]
                        """,
                        "p.yaml:6: Pod default/web: metadata.labels.version: must be a string, not number 1 (quote it)"),
                Arguments.of("label value with a space", "p.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata:
                          name: web
                          labels:
                            tier: front end
                        spec:
                          containers: [{name: nginx}]
                        """,
                        "p.yaml:6: Pod default/web: metadata.labels: Invalid value: \"front end\": a valid label must "
                                + "be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
                                + "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                                + "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
                Arguments.of("pod name with a capital", "p.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata:
                          name: Web
                        spec:
                          containers: [{name: nginx}]
                        """,
                        "p.yaml:4: Pod default/Web: metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 "
                                + "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
                                + "start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                                + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
                Arguments.of("name missing", "p.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata:
                          labels: {app: web}
                        spec:
                          containers: [{name: nginx}]
                        """,
                        "p.yaml:3: Pod: metadata.name: Required value: name or generateName is required"),
                Arguments.of("no containers", "p.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata:
                          name: web
                        spec:
                          nodeName: node1
                        """,
                        "p.yaml:5: Pod default/web: spec.containers: Required value"),
                Arguments.of("protocol not supported", "p.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: web}
                        spec:
                          containers:
                          - name: nginx
                            ports:
                            - containerPort: 80
                              protocol: HTTP
                        """,
                        "p.yaml:9: Pod default/web: spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": "
                                + "supported values: \"SCTP\", \"TCP\", \"UDP\""),
                Arguments.of("duplicate container port name", "p.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: web}
                        spec:
                          containers:
                          - name: nginx
                            ports:
                            - {name: http, containerPort: 80}
                            - {name: http, containerPort: 8080}
                        """,
                        "p.yaml:9: Pod default/web: spec.containers[0].ports[1].name: Duplicate value: \"http\""),
                Arguments.of("container port as a string", "p.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: web}
                        spec:
                          containers:
                          - name: nginx
                            ports:
                            - containerPort: "80"
                        """,
                        "p.yaml:8: Pod default/web: spec.containers[0].ports[0].containerPort: must be an integer, "
                                + "not string \"80\""),
                Arguments.of("nodePort on a ClusterIP service", "s.yaml", """
                        apiVersion: v1
                        kind: Service
                        metadata: {name: web}
                        spec:
                          ports:
                          - port: 80
                            nodePort: 30080
                        """,
                        "s.yaml:7: Service default/web: spec.ports[0].nodePort: Forbidden: may not be used when "
                                + "`type` is 'ClusterIP'"),
                Arguments.of("nodePort outside the range", "s.yaml", """
                        apiVersion: v1
                        kind: Service
                        metadata: {name: web}
                        spec:
                          type: NodePort
                          ports:
                          - port: 80
                            nodePort: 8080
                        """,
                        "s.yaml:8: Service default/web: spec.ports[0].nodePort: Invalid value: 8080: provided port is "
                                + "not in the valid range. The range of valid ports is 30000-32767"),
                Arguments.of("unnamed port among two", "s.yaml", """
                        apiVersion: v1
                        kind: Service
                        metadata: {name: web}
                        spec:
                          ports:
                          - {name: http, port: 80}
                          - {port: 443}
                        """,
                        "s.yaml:7: Service default/web: spec.ports[1].name: Required value"),
                Arguments.of("service type unknown", "s.yaml", """
                        apiVersion: v1
                        kind: Service
                        metadata: {name: web}
                        spec:
                          type: Ingress
                          ports: [{port: 80}]
                        """,
                        "s.yaml:5: Service default/web: spec.type: Unsupported value: \"Ingress\": supported values: "
                                + "\"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""),
                Arguments.of("clusterIP outside the service CIDR", "s.yaml", """
                        apiVersion: v1
                        kind: Service
                        metadata: {name: web}
                        spec:
                          clusterIP: 10.0.0.10
                          ports: [{port: 80}]
                        """,
                        "s.yaml:5: Service default/web: spec.clusterIPs: Invalid value: [\"10.0.0.10\"]: failed to "
                                + "allocate IP 10.0.0.10: provided IP (10.0.0.10) is not in the valid range. The range "
                                + "of valid IPs is 10.96.0.0/12"),
                Arguments.of("quoted digits are a port name", "s.yaml", """
                        apiVersion: v1
                        kind: Service
                        metadata: {name: web}
                        spec:
                          ports:
                          - port: 80
                            targetPort: "8080"
                        """,
                        "s.yaml:7: Service default/web: spec.ports[0].targetPort: Invalid value: \"8080\": must "
                                + "contain at least one letter (a-z)"),
                Arguments.of("deployment selector does not match", "d.yaml", """
                        apiVersion: apps/v1
                        kind: Deployment
                        metadata:
                          name: web
                        spec:
                          replicas: 2
                          selector:
                            matchLabels:
                              app: web
                          template:
                            metadata:
                              labels:
                                app: frontend
                            spec:
                              containers:
                              - name: nginx
                                image: nginx
                        """,
                        "d.yaml:13: Deployment default/web: spec.template.metadata.labels: Invalid value: "
                                + "{\"app\":\"frontend\"}: `selector` does not match template `labels`"),
                Arguments.of("deployment without selector", "d.yaml", """
                        apiVersion: apps/v1
                        kind: Deployment
                        metadata: {name: web}
                        spec:
                          template:
                            metadata: {labels: {app: web}}
                            spec: {containers: [{name: nginx}]}
                        """,
                        "d.yaml:4: Deployment default/web: spec.selector: Required value"),
                Arguments.of("negative replicas", "d.yaml", """
                        apiVersion: apps/v1
                        kind: Deployment
                        metadata: {name: web}
                        spec:
                          replicas: -1
                          selector: {matchLabels: {app: web}}
                          template:
                            metadata: {labels: {app: web}}
                            spec: {containers: [{name: nginx}]}
                        """,
                        "d.yaml:5: Deployment default/web: spec.replicas: Invalid value: -1: must be greater than or "
                                + "equal to 0"),
                Arguments.of("removed API version", "d.yaml", """
                        apiVersion: extensions/v1beta1
                        kind: Deployment
                        metadata: {name: web}
                        """,
                        "d.yaml:1: no matches for kind \"Deployment\" in version \"extensions/v1beta1\""),
                Arguments.of("kind missing", "k.yaml", """
                        # a manifest without its kind
                        apiVersion: v1
                        metadata: {name: web}
                        """,
                        "k.yaml:2: error validating data: kind not set"),
                Arguments.of("Cluster object among applied objects", "lab.yaml", ClusterObjectTest.DEMO,
                        "lab.yaml:1: Cluster demo: a Cluster object belongs in the topology files; it cannot be "
                                + "applied to a running lab"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubernetesObjects")
    void kubernetesObjectErrors(String name, String file, String yaml, String want) {
        assertThatThrownBy(() -> TopologyLoader.objects(yaml, file))
                .isInstanceOf(TopologyException.class)
                .hasMessage(want);
    }

    static Stream<Arguments> clusterObjects() {
        String head = """
                apiVersion: podlab.dev/v1alpha1
                kind: Cluster
                metadata: {name: demo}
                spec:
                """;
        return Stream.of(
                Arguments.of("address without prefix", head + """
                          nodes:
                          - {name: node1, address: 192.168.1.11}
                          cni: {flannel: {}}
                        """,
                        "lab.yaml:6: Cluster demo: spec.nodes[0].address: Invalid value: \"192.168.1.11\": must be an "
                                + "IPv4 address with its prefix length, e.g. 192.168.1.11/24"),
                Arguments.of("misspelt field", head + """
                          nodes:
                          - {name: node1, adress: 192.168.1.11/24}
                          cni: {flannel: {}}
                        """,
                        "lab.yaml:6: Cluster demo: strict decoding error: unknown field \"spec.nodes[0].adress\""),
                Arguments.of("duplicate node", head + """
                          nodes:
                          - {name: node1, address: 192.168.1.11/24}
                          - {name: node1, address: 192.168.1.12/24}
                          cni: {flannel: {}}
                        """,
                        "lab.yaml:7: Cluster demo: spec.nodes[1].name: Duplicate value: \"node1\""),
                Arguments.of("two CNIs", head + """
                          nodes: [{name: node1, address: 192.168.1.11/24}]
                          cni:
                            flannel: {}
                            calico: {}
                        """,
                        "lab.yaml:7: Cluster demo: spec.cni: Invalid value: [flannel, calico]: must have exactly one "
                                + "key, the CNI's name (e.g. flannel)"),
                Arguments.of("no CNI", head + """
                          nodes: [{name: node1, address: 192.168.1.11/24}]
                        """,
                        "lab.yaml:4: Cluster demo: spec.cni: Required value: the CNI's name with its configuration, "
                                + "e.g. flannel: {Network: 10.244.0.0/16}"),
                Arguments.of("MTU too small", head + """
                          underlay: {mtu: 40}
                          nodes: [{name: node1, address: 192.168.1.11/24}]
                          cni: {flannel: {}}
                        """,
                        "lab.yaml:5: Cluster demo: spec.underlay.mtu: Invalid value: 40: must be between 68 and 65535, "
                                + "inclusive"),
                Arguments.of("no Cluster object", """
                        apiVersion: v1
                        kind: Namespace
                        metadata: {name: shop}
                        """,
                        "lab.yaml: no Cluster object (apiVersion: podlab.dev/v1alpha1, kind: Cluster)"),
                Arguments.of("two Cluster objects", ClusterObjectTest.DEMO + """
                        ---
                        apiVersion: podlab.dev/v1alpha1
                        kind: Cluster
                        metadata: {name: other}
                        spec:
                          nodes: [{name: n1, address: 10.0.0.2/24}]
                          cni: {flannel: {}}
                        """,
                        "lab.yaml:16: Cluster other: only one Cluster object is allowed, the first is at lab.yaml:1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clusterObjects")
    void clusterObjectErrors(String name, String yaml, String want) {
        assertThatThrownBy(() -> TopologyLoader.loadString(yaml, "lab.yaml"))
                .isInstanceOf(TopologyException.class)
                .hasMessage(want);
    }

    @Test
    void duplicatesAndTheClusterCountSpanFiles(@TempDir Path dir) throws IOException {
        Path a = Files.writeString(dir.resolve("a.yaml"), ClusterObjectTest.DEMO);
        Path b = Files.writeString(dir.resolve("b.yaml"), """
                apiVersion: podlab.dev/v1alpha1
                kind: Cluster
                metadata: {name: again}
                spec:
                  nodes: [{name: n1, address: 10.0.0.2/24}]
                  cni: {flannel: {}}
                """);
        assertThatThrownBy(() -> TopologyLoader.load(List.of(a, b)))
                .hasMessage(b + ":1: Cluster again: only one Cluster object is allowed, the first is at " + a + ":1");

        Path c = Files.writeString(dir.resolve("c.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata: {name: shop}
                """);
        Path d = Files.writeString(dir.resolve("d.yaml"), """
                ---
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: shop
                """);
        assertThatThrownBy(() -> TopologyLoader.load(List.of(a, c, d)))
                .hasMessage(d + ":2: Namespace shop: namespaces \"shop\" already exists (first at " + c + ":1)");
        assertThatThrownBy(() -> TopologyLoader.load(List.of(c)))
                .hasMessage(c + ": no Cluster object (apiVersion: podlab.dev/v1alpha1, kind: Cluster)");
        assertThatThrownBy(() -> TopologyLoader.load(List.of(dir.resolve("missing.yaml"))))
                .hasMessage(dir.resolve("missing.yaml") + ": no such file");
    }

    @Test
    void namespaceDeclaredInAnotherFileOrAlreadyInTheLab(@TempDir Path dir) throws IOException {
        Path pods = Files.writeString(dir.resolve("pods.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata: {name: web, namespace: shop}
                spec: {containers: [{name: nginx}]}
                """);
        Path ns = Files.writeString(dir.resolve("ns.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata: {name: shop}
                """);
        Path cluster = Files.writeString(dir.resolve("cluster.yaml"), ClusterObjectTest.DEMO);
        assertThat(TopologyLoader.load(List.of(cluster, pods, ns)).pods()).hasSize(1);
        assertThat(TopologyLoader.objects(Files.readString(pods), "pods.yaml", List.of("shop")).pods()).hasSize(1);
    }
}
