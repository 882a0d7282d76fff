package dev.podlab.cluster.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.cluster.model.ContainerPort;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.model.PodSpec;
import dev.podlab.cluster.model.ServicePortSpec;
import dev.podlab.cluster.model.ServiceSpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.Topology;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A {@code kubectl get ns,deploy,rs,pods,svc,cm -A -o yaml} dump. Written by hand following the
 * real output format (kubectl 1.29: {@code kind: List} with {@code items}, keys sorted, defaulted
 * fields, status, ownerReferences, {@code metadata: {resourceVersion: ""}} at the end); trimmed to
 * a few objects, uids and timestamps made up.
 */
class KubectlListTest {
    static final String DUMP = """
            apiVersion: v1
            items:
            - apiVersion: v1
              kind: Namespace
              metadata:
                creationTimestamp: "2024-05-02T09:14:03Z"
                labels:
                  kubernetes.io/metadata.name: shop
                  team: payments
                name: shop
                resourceVersion: "5123"
                uid: 0b0d3c52-3a8e-4f0c-9d43-6f0e4a1b2c3d
              spec:
                finalizers:
                - kubernetes
              status:
                phase: Active
            - apiVersion: apps/v1
              kind: Deployment
              metadata:
                annotations:
                  deployment.kubernetes.io/revision: "1"
                creationTimestamp: "2024-05-02T09:15:40Z"
                generation: 1
                name: web
                namespace: shop
                resourceVersion: "5170"
                uid: 5e1f7a4c-8d2b-4c61-a0f3-2b9c8d7e6f50
              spec:
                progressDeadlineSeconds: 600
                replicas: 2
                revisionHistoryLimit: 10
                selector:
                  matchLabels:
                    app: web
                strategy:
                  rollingUpdate:
                    maxSurge: 25%
                    maxUnavailable: 25%
                  type: RollingUpdate
                template:
                  metadata:
                    creationTimestamp: null
                    labels:
                      app: web
                  spec:
                    containers:
                    - image: nginx:1.25
                      imagePullPolicy: IfNotPresent
                      name: nginx
                      ports:
                      - containerPort: 80
                        name: http
                        protocol: TCP
                      resources: {}
                      terminationMessagePath: /dev/termination-log
                      terminationMessagePolicy: File
                    dnsPolicy: ClusterFirst
                    restartPolicy: Always
                    schedulerName: default-scheduler
                    securityContext: {}
                    terminationGracePeriodSeconds: 30
              status:
                availableReplicas: 2
                observedGeneration: 1
                readyReplicas: 2
                replicas: 2
                updatedReplicas: 2
            - apiVersion: apps/v1
              kind: ReplicaSet
              metadata:
                labels:
                  app: web
                  pod-template-hash: 7c5ddbdf54
                name: web-7c5ddbdf54
                namespace: shop
                ownerReferences:
                - apiVersion: apps/v1
                  blockOwnerDeletion: true
                  controller: true
                  kind: Deployment
                  name: web
                  uid: 5e1f7a4c-8d2b-4c61-a0f3-2b9c8d7e6f50
              spec:
                replicas: 2
                selector:
                  matchLabels:
                    app: web
                    pod-template-hash: 7c5ddbdf54
            - apiVersion: v1
              kind: Pod
              metadata:
                creationTimestamp: "2024-05-02T09:15:40Z"
                generateName: web-7c5ddbdf54-
                labels:
                  app: web
                  pod-template-hash: 7c5ddbdf54
                name: web-7c5ddbdf54-x8k2p
                namespace: shop
                ownerReferences:
                - apiVersion: apps/v1
                  blockOwnerDeletion: true
                  controller: true
                  kind: ReplicaSet
                  name: web-7c5ddbdf54
                  uid: 9a7b6c5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d
                resourceVersion: "5160"
                uid: 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f
              spec:
                containers:
                - image: nginx:1.25
                  imagePullPolicy: IfNotPresent
                  name: nginx
                  ports:
                  - containerPort: 80
                    name: http
                    protocol: TCP
                  resources: {}
                dnsPolicy: ClusterFirst
                enableServiceLinks: true
                nodeName: node2
                preemptionPolicy: PreemptLowerPriority
                priority: 0
                restartPolicy: Always
                schedulerName: default-scheduler
              status:
                phase: Running
                podIP: 10.244.1.5
                podIPs:
                - ip: 10.244.1.5
            - apiVersion: v1
              kind: Pod
              metadata:
                generateName: web-7c5ddbdf54-
                labels:
                  app: web
                  pod-template-hash: 7c5ddbdf54
                name: web-7c5ddbdf54-q9z4m
                namespace: shop
                ownerReferences:
                - apiVersion: apps/v1
                  blockOwnerDeletion: true
                  controller: true
                  kind: ReplicaSet
                  name: web-7c5ddbdf54
                  uid: 9a7b6c5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d
              spec:
                containers:
                - image: nginx:1.25
                  name: nginx
                  ports:
                  - containerPort: 80
                    name: http
                    protocol: TCP
                nodeName: node3
              status:
                phase: Running
                podIP: 10.244.2.7
            - apiVersion: v1
              kind: Pod
              metadata:
                generateName: kube-proxy-
                labels:
                  k8s-app: kube-proxy
                name: kube-proxy-7xkqz
                namespace: kube-system
              spec:
                containers:
                - command:
                  - /usr/local/bin/kube-proxy
                  - --config=/var/lib/kube-proxy/config.conf
                  image: registry.k8s.io/kube-proxy:v1.29.4
                  name: kube-proxy
                hostNetwork: true
                nodeName: node1
              status:
                phase: Running
                podIP: 192.168.1.11
            - apiVersion: v1
              kind: Service
              metadata:
                labels:
                  component: apiserver
                  provider: kubernetes
                name: kubernetes
                namespace: default
              spec:
                clusterIP: 10.96.0.1
                clusterIPs:
                - 10.96.0.1
                internalTrafficPolicy: Cluster
                ipFamilies:
                - IPv4
                ipFamilyPolicy: SingleStack
                ports:
                - name: https
                  port: 443
                  protocol: TCP
                  targetPort: 6443
                sessionAffinity: None
                type: ClusterIP
              status:
                loadBalancer: {}
            - apiVersion: v1
              kind: Service
              metadata:
                name: web
                namespace: shop
              spec:
                clusterIP: 10.100.23.7
                clusterIPs:
                - 10.100.23.7
                internalTrafficPolicy: Cluster
                ipFamilies:
                - IPv4
                ipFamilyPolicy: SingleStack
                ports:
                - name: http
                  port: 80
                  protocol: TCP
                  targetPort: http
                selector:
                  app: web
                sessionAffinity: None
                type: ClusterIP
              status:
                loadBalancer: {}
            - apiVersion: v1
              data:
                ca.crt: |
                  -----BEGIN CERTIFICATE-----
                  MIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl
                  -----END CERTIFICATE-----
              kind: ConfigMap
              metadata:
                name: kube-root-ca.crt
                namespace: shop
            kind: List
            metadata:
              resourceVersion: ""
            """;

    @Test
    void loadsAKubectlDump() {
        Topology t = TopologyLoader.loadString(ClusterObjectTest.DEMO + "---\n" + DUMP, "lab.yaml");
        // DEMO has 14 lines and "---" is line 15, so the dump's line n is line 15 + n (counted in this file:
        // the dump starts on its line 24, the first Pod item on line 113, i.e. dump line 90).
        assertThat(t.namespaces()).containsExactly(
                new NamespaceSpec("default", Map.of("kubernetes.io/metadata.name", "default"), Source.NONE),
                new NamespaceSpec("kube-system", Map.of("kubernetes.io/metadata.name", "kube-system"), Source.NONE),
                new NamespaceSpec("shop", Map.of("kubernetes.io/metadata.name", "shop", "team", "payments"),
                        new Source("lab.yaml", 15 + 3)));

        // The live pods of the Deployment, as dumped; the Deployment itself makes no more.
        Map<String, String> labels = Map.of("app", "web", "pod-template-hash", "7c5ddbdf54");
        List<ContainerPort> ports = List.of(new ContainerPort("http", 80, "TCP"));
        assertThat(t.pods()).containsExactly(
                new PodSpec("shop", "web-7c5ddbdf54-x8k2p", labels, "node2", ports, "web", new Source("lab.yaml", 15 + 90)),
                new PodSpec("shop", "web-7c5ddbdf54-q9z4m", labels, "node3", ports, "web",
                        new Source("lab.yaml", 15 + 131)));

        assertThat(t.services()).containsExactly(
                new ServiceSpec("default", "kubernetes", "ClusterIP", "10.96.0.1", null,
                        List.of(new ServicePortSpec("https", "TCP", 443, "6443", 0)), new Source("lab.yaml", 15 + 179)),
                new ServiceSpec("shop", "web", "ClusterIP", "10.100.23.7", Map.of("app", "web"),
                        List.of(new ServicePortSpec("http", "TCP", 80, "http", 0)), new Source("lab.yaml", 15 + 204)));

        assertThat(t.warnings()).containsExactly(
                "lab.yaml: ignored 2 objects of kinds not emulated: ConfigMap (1), ReplicaSet (1)",
                "lab.yaml: skipped 1 host-network pod (spec.hostNetwork: true: they use their node's network "
                        + "namespace, not emulated): kube-system/kube-proxy-7xkqz");
    }

    @Test
    void typedListItemsMayOmitKindAndApiVersion() {
        LoadedObjects o = TopologyLoader.objects("""
                apiVersion: v1
                kind: PodList
                items:
                - metadata: {name: a}
                  spec: {containers: [{name: c}]}
                - metadata: {name: b}
                  spec: {containers: [{name: c}]}
                """, "pods.yaml");
        assertThat(o.pods()).extracting(PodSpec::name).containsExactly("a", "b");
        assertThat(o.pods()).extracting(PodSpec::source)
                .containsExactly(new Source("pods.yaml", 4), new Source("pods.yaml", 6));
    }

    @Test
    void nestedListsAreFlattened() {
        LoadedObjects o = TopologyLoader.objects("""
                apiVersion: v1
                kind: List
                items:
                - apiVersion: v1
                  kind: List
                  items:
                  - {apiVersion: v1, kind: Namespace, metadata: {name: inner}}
                - {apiVersion: v1, kind: Namespace, metadata: {name: outer}}
                """, "l.yaml");
        assertThat(o.namespaces()).extracting(NamespaceSpec::name).containsExactly("inner", "outer");
    }
}
