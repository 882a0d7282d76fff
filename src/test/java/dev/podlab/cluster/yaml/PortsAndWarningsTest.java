package dev.podlab.cluster.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.PodSpec;
import dev.podlab.cluster.model.ServicePortSpec;
import dev.podlab.cluster.model.ServiceSpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.Topology;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Named ports from pod to Service, defaults, and the warnings for what podlab leaves out. */
class PortsAndWarningsTest {
    @Test
    void namedPortsAndDefaults() {
        LoadedObjects o = TopologyLoader.objects("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: dns
                  labels: {app: dns}
                spec:
                  nodeName: node1
                  containers:
                  - name: coredns
                    ports:
                    - {name: dns, containerPort: 53, protocol: UDP}
                    - {name: dns-tcp, containerPort: 53}
                    - {containerPort: 9153, protocol: TCP}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: kube-dns}
                spec:
                  selector: {app: dns}
                  clusterIP: 10.96.0.10
                  ports:
                  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
                  - {name: dns-tcp, port: 53, targetPort: dns-tcp}
                  - {name: metrics, port: 9153, targetPort: 9153}
                  - {name: same, port: 8080}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: edge}
                spec:
                  type: NodePort
                  selector: {app: dns}
                  ports:
                  - {port: 53, protocol: UDP, targetPort: dns, nodePort: 30053}
                """, "dns.yaml");
        assertThat(o.pods()).containsExactly(new PodSpec("default", "dns", Map.of("app", "dns"), "node1",
                List.of(new ContainerPort("dns", 53, "UDP"), new ContainerPort("dns-tcp", 53, "TCP"),
                        new ContainerPort(null, 9153, "TCP")),
                null, new Source("dns.yaml", 1)));
        assertThat(o.services()).containsExactly(
                new ServiceSpec("default", "kube-dns", "ClusterIP", "10.96.0.10", Map.of("app", "dns"), List.of(
                        new ServicePortSpec("dns", "UDP", 53, "dns", 0),
                        new ServicePortSpec("dns-tcp", "TCP", 53, "dns-tcp", 0),
                        new ServicePortSpec("metrics", "TCP", 9153, "9153", 0),
                        new ServicePortSpec("same", "TCP", 8080, null, 0)),
                        new Source("dns.yaml", 15)),
                new ServiceSpec("default", "edge", "NodePort", null, Map.of("app", "dns"), List.of(
                        new ServicePortSpec(null, "UDP", 53, "dns", 30053)), new Source("dns.yaml", 27)));
        assertThat(o.namespaces()).isEmpty();
        assertThat(o.warnings()).isEmpty();
    }

    @Test
    void unknownKindsMakeOneWarningPerFile() {
        Topology t = TopologyLoader.loadString(ClusterObjectTest.DEMO + """
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: a}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: s}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: b}
                ---
                apiVersion: crd.projectcalico.org/v1
                kind: NetworkPolicy
                metadata: {name: calico-own}
                """, "lab.yaml");
        assertThat(t.warnings()).containsExactly(
                "lab.yaml: ignored 4 objects of kinds not emulated: ConfigMap (2), NetworkPolicy.crd.projectcalico.org (1), "
                        + "Secret (1)");
        assertThat(t.networkPolicies()).isEmpty();

        Topology three = TopologyLoader.loadString(ClusterObjectTest.DEMO + """
                ---
                {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
                ---
                {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}
                ---
                {apiVersion: v1, kind: Secret, metadata: {name: s}}
                """, "lab.yaml");
        assertThat(three.warnings()).containsExactly(
                "lab.yaml: ignored 3 objects of kinds not emulated: ConfigMap (2), Secret (1)");
    }

    @Test
    void networkPolicySpecIsKeptAsParsed() {
        LoadedObjects o = TopologyLoader.objects("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny-all, namespace: kube-system}
                spec:
                  podSelector: {}
                  policyTypes: [Ingress]
                  ingress:
                  - ports: [{port: 80}, {port: http, protocol: TCP}]
                """, "np.yaml");
        assertThat(o.networkPolicies()).hasSize(1);
        assertThat(o.networkPolicies().get(0).namespace()).isEqualTo("kube-system");
        assertThat(o.networkPolicies().get(0).spec()).isEqualTo(Map.of(
                "podSelector", Map.of(),
                "policyTypes", List.of("Ingress"),
                "ingress", List.of(Map.of("ports", List.of(Map.of("port", 80), Map.of("port", "http", "protocol", "TCP"))))));
        assertThat(o.networkPolicies().get(0).source()).isEqualTo(new Source("np.yaml", 1));
    }

    @Test
    void loadBalancerIsEmulatedAsNodePortWithAWarning() {
        LoadedObjects o = TopologyLoader.objects("""
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  type: LoadBalancer
                  ports: [{port: 80, nodePort: 31080}]
                """, "lb.yaml");
        assertThat(o.services().get(0).type()).isEqualTo("NodePort");
        assertThat(o.warnings()).containsExactly(
                "lb.yaml:5: Service default/web: spec.type: LoadBalancer is emulated as NodePort: no external load balancer");
    }

    @Test
    void namespaceLabelsGetTheControlPlaneLabel() {
        LoadedObjects o = TopologyLoader.objects("""
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: shop
                  labels: {team: payments}
                """, "ns.yaml");
        assertThat(o.namespaces().get(0).labels())
                .isEqualTo(Map.of("team", "payments", "kubernetes.io/metadata.name", "shop"));
    }

    @Test
    void mergeKeysAreExpanded() {
        LoadedObjects o = TopologyLoader.objects("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: a
                  labels: &common {app: web, tier: front}
                spec: {containers: [{name: c}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: b
                  labels:
                    <<: {app: web, tier: front}
                    tier: back
                spec: {containers: [{name: c}]}
                """, "m.yaml");
        assertThat(o.pods().get(1).labels()).isEqualTo(Map.of("app", "web", "tier", "back"));
    }
}
