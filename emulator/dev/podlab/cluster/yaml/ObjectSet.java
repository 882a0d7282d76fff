package dev.podlab.cluster.yaml;

import dev.podlab.cluster.model.ClusterSpec;
import dev.podlab.cluster.model.NamespaceSpec;
import dev.podlab.cluster.NetworkPolicyAdmission;
import dev.podlab.cluster.model.NetworkPolicySpec;
import dev.podlab.cluster.model.PodSpec;
import dev.podlab.cluster.model.ServiceSpec;
import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.TopologyException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The objects of one load, collected document by document, file by file, as {@code kubectl apply}
 * would send them: kinds dispatched by {@code apiVersion}/{@code kind}, lists flattened, duplicates
 * and missing namespaces refused, kinds podlab does not emulate counted for one warning per file.
 * Deployments become pods once everything is read, so that a dump that also holds a Deployment's
 * live pods keeps those and does not get a second set.
 */
final class ObjectSet {
    /** The namespaces every cluster has from the start. */
    static final Set<String> BUILT_IN_NAMESPACES = Set.of("default", "kube-system");
    static final String METADATA_NAME_LABEL = "kubernetes.io/metadata.name";

    /** An emulated kind, with its API group's resource name as AlreadyExists errors print it. */
    private enum Kind {
        CLUSTER("Cluster", ClusterReader.API_VERSION, "clusters.podlab.dev", false),
        NAMESPACE("Namespace", "v1", "namespaces", false),
        POD("Pod", "v1", "pods", true),
        SERVICE("Service", "v1", "services", true),
        DEPLOYMENT("Deployment", "apps/v1", "deployments.apps", true),
        NETWORK_POLICY("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies.networking.k8s.io", true);

        final String name;
        final String apiVersion;
        final String resource;
        final boolean namespaced;

        Kind(String name, String apiVersion, String resource, boolean namespaced) {
            this.name = name;
            this.apiVersion = apiVersion;
            this.resource = resource;
            this.namespaced = namespaced;
        }

        static Kind named(String kind) {
            for (Kind k : values()) {
                if (k.name.equals(kind)) {
                    return k;
                }
            }
            return null;
        }

        /** A version this kind had in its group (or in {@code extensions}) that the API no longer serves. */
        boolean isRemovedVersion(String apiVersion) {
            return group(apiVersion).equals(group(this.apiVersion))
                    || (this == DEPLOYMENT || this == NETWORK_POLICY) && apiVersion.equals("extensions/v1beta1");
        }
    }

    /** The kinds the API server serves in the built-in group-versions podlab reads (Kubernetes 1.33). */
    private static final Map<String, Set<String>> SERVED_KINDS = Map.of(
            "v1", Set.of("Binding", "ComponentStatus", "ConfigMap", "Endpoints", "Event", "LimitRange", "Namespace",
                    "Node", "PersistentVolume", "PersistentVolumeClaim", "Pod", "PodTemplate",
                    "ReplicationController", "ResourceQuota", "Secret", "Service", "ServiceAccount"),
            "apps/v1", Set.of("ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"),
            "networking.k8s.io/v1", Set.of("Ingress", "IngressClass", "IPAddress", "NetworkPolicy", "ServiceCIDR"));

    /** Where an object names its namespace, checked once every Namespace object is known. */
    private record NamespaceRef(String namespace, ObjectMeta meta) {
    }

    private final List<ClusterSpec> clusters = new ArrayList<>();
    private final Map<String, NamespaceSpec> namespaces = new LinkedHashMap<>();
    /** PodSpecs and Deployments in file order. */
    private final List<Object> workloads = new ArrayList<>();
    private final List<ServiceSpec> services = new ArrayList<>();
    private final List<NetworkPolicySpec> networkPolicies = new ArrayList<>();
    private final List<NamespaceRef> namespaceRefs = new ArrayList<>();
    private final Map<String, Source> seen = new HashMap<>();
    private final Set<String> podNames = new HashSet<>();
    /** Deployments whose pods came in a dump ({@code namespace/deployment}). */
    private final Set<String> dumpedOwners = new HashSet<>();
    private final List<String> warnings = new ArrayList<>();
    /** Objects the API server would refuse while admitting the others (invalid NetworkPolicies). */
    private final List<String> refused = new ArrayList<>();
    private final ServiceReader serviceReader = new ServiceReader();

    // per file
    private final Map<String, Integer> ignoredKinds = new TreeMap<>();
    private final List<String> hostNetworkPods = new ArrayList<>();
    private final List<String> finishedPods = new ArrayList<>();

    /** Reads every object of one file. */
    void read(String text, String file) {
        for (Node document : YamlText.documents(text, file)) {
            object(document, file, null, null);
        }
        summarise(file);
    }

    private void object(Node node, String file, String defaultKind, String defaultApiVersion) {
        if (!(node instanceof MappingNode mapping)) {
            throw new TopologyException(new Source(file, YamlText.line(node)), "a Kubernetes object must be a mapping, not "
                    + Fields.Values.describe(node));
        }
        Fields root = Fields.root(file, mapping);
        String apiVersion = root.string("apiVersion");
        String kind = root.string("kind");
        apiVersion = apiVersion == null || apiVersion.isEmpty() ? defaultApiVersion : apiVersion;
        kind = kind == null || kind.isEmpty() ? defaultKind : kind;
        if (apiVersion == null || kind == null) {
            String missing = apiVersion == null && kind == null ? "[apiVersion not set, kind not set]"
                    : apiVersion == null ? "apiVersion not set" : "kind not set";
            throw new TopologyException(root.source(), "error validating data: " + missing);
        }
        if (kind.endsWith("List") && root.has("items")) {
            list(root, file, kind, apiVersion);
            return;
        }
        Kind k = Kind.named(kind);
        if (k == null || !k.apiVersion.equals(apiVersion)) {
            Set<String> served = SERVED_KINDS.get(apiVersion);
            if (k != null && k.isRemovedVersion(apiVersion) || served != null && !served.contains(kind)) {
                // kubectl's REST mapping finds no such kind in a built-in group-version: a typo
                // ("NetworPolicy") or a kind that moved; not one of the kinds podlab leaves out.
                boolean typo = k == null || !k.isRemovedVersion(apiVersion);
                throw new TopologyException(root.source(typo ? "kind" : "apiVersion"), "no matches for kind "
                        + ApiValidation.quote(kind)
                        + " in version " + ApiValidation.quote(apiVersion));
            }
            String group = group(apiVersion);
            ignoredKinds.merge(k != null && !group.isEmpty() ? kind + "." + group : kind, 1, Integer::sum);
            return;
        }
        switch (k) {
            case CLUSTER -> cluster(root);
            case NAMESPACE -> namespace(root);
            case POD -> pod(root);
            case SERVICE -> service(root);
            case DEPLOYMENT -> deployment(root);
            case NETWORK_POLICY -> networkPolicy(root);
            default -> throw new IllegalStateException(k.name());
        }
    }

    /**
     * {@code kind: List} (what {@code kubectl get -o yaml} prints) and typed lists ({@code PodList}):
     * each item in turn; items of a typed list may leave out their kind and apiVersion.
     */
    private void list(Fields root, String file, String kind, String apiVersion) {
        Node items = root.node("items");
        if (!(items instanceof SequenceNode seq)) {
            throw root.errorAt(root.source("items"), "items", "must be a list, not " + Fields.Values.describe(items));
        }
        String itemKind = kind.equals("List") ? null : kind.substring(0, kind.length() - "List".length());
        String itemApiVersion = kind.equals("List") ? null : apiVersion;
        for (Node item : seq.getValue()) {
            object(item, file, itemKind, itemApiVersion);
        }
    }

    // ------------------------------------------------------------------ kinds

    private void cluster(Fields root) {
        ClusterSpec spec = ClusterReader.read(root);
        if (!clusters.isEmpty()) {
            throw new TopologyException(spec.source(), "Cluster " + spec.name()
                    + ": only one Cluster object is allowed, the first is at " + clusters.get(0).source());
        }
        clusters.add(spec);
    }

    private void namespace(Fields root) {
        ObjectMeta meta = ObjectMeta.read(root, Kind.NAMESPACE.name, false, ApiValidation::dns1123Label, false);
        unique(Kind.NAMESPACE, meta);
        Map<String, String> labels = new LinkedHashMap<>(meta.labels());
        labels.put(METADATA_NAME_LABEL, meta.name());
        namespaces.put(meta.name(), new NamespaceSpec(meta.name(), Collections.unmodifiableMap(labels),
                meta.root().source()));
    }

    private void pod(Fields root) {
        ObjectMeta meta = ObjectMeta.read(root, Kind.POD.name, true, ApiValidation::dns1123Subdomain, true);
        Fields pod = meta.root();
        String name = meta.name();
        if (name == null) {
            // generateName: the API server completes it (SimpleNameGenerator), retrying on a taken name.
            String seed = meta.namespace() + "/" + meta.generateName();
            for (int attempt = 0; name == null || podNames.contains(meta.namespace() + "/" + name); attempt++) {
                name = PodTemplateHash.generateName(meta.generateName(), seed, attempt);
            }
            meta = new ObjectMeta(meta.kind(), meta.namespace(), name, null, meta.labels(),
                    pod.named(ObjectMeta.describe(Kind.POD.name, meta.namespace(), name)), meta.namespaceSource());
            pod = meta.root();
        }
        PodReader.PodContent content = PodReader.podSpec(pod, warnings::add);
        unique(Kind.POD, meta);
        namespaceRefs.add(new NamespaceRef(meta.namespace(), meta));
        String qualified = meta.namespace() + "/" + name;
        Fields status = pod.map("status");
        String phase = status == null ? null : status.string("phase");
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            finishedPods.add(qualified);
            return;
        }
        if (content.hostNetwork()) {
            hostNetworkPods.add(qualified);
            return;
        }
        podNames.add(qualified);
        String owner = PodReader.ownerDeployment(pod, meta.labels());
        if (owner != null) {
            dumpedOwners.add(meta.namespace() + "/" + owner);
        }
        workloads.add(new PodSpec(meta.namespace(), name, meta.labels(), content.nodeName(), content.ports(), owner,
                pod.source()));
    }

    private void deployment(Fields root) {
        ObjectMeta meta = ObjectMeta.read(root, Kind.DEPLOYMENT.name, true, ApiValidation::dns1123Subdomain, false);
        PodReader.Deployment d = PodReader.deployment(meta, warnings::add);
        unique(Kind.DEPLOYMENT, meta);
        namespaceRefs.add(new NamespaceRef(meta.namespace(), meta));
        if (d.content().hostNetwork()) {
            hostNetworkPods.add(meta.namespace() + "/" + meta.name() + " (Deployment)");
            return;
        }
        workloads.add(d);
    }

    private void service(Fields root) {
        ObjectMeta meta = ObjectMeta.read(root, Kind.SERVICE.name, true, ApiValidation::dns1035Label, false);
        unique(Kind.SERVICE, meta);
        ServiceSpec s = serviceReader.read(meta, warnings::add);
        namespaceRefs.add(new NamespaceRef(meta.namespace(), meta));
        if (s != null) {
            services.add(s);
        }
    }

    private void networkPolicy(Fields root) {
        ObjectMeta meta = ObjectMeta.read(root, Kind.NETWORK_POLICY.name, true, ApiValidation::dns1123Subdomain, false);
        unique(Kind.NETWORK_POLICY, meta);
        namespaceRefs.add(new NamespaceRef(meta.namespace(), meta));
        Fields np = meta.root();
        Object spec = np.value("spec");
        if (spec != null && !(spec instanceof Map<?, ?>)) {
            throw np.errorAt(np.source("spec"), "spec", "must be a mapping, not " + Fields.Values.describe(np.node("spec")));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = spec == null ? Map.of() : (Map<String, Object>) spec;
        NetworkPolicySpec policy = new NetworkPolicySpec(meta.namespace(), meta.name(), m, np.source());
        try {
            for (NetworkPolicyAdmission a : ADMISSION) {
                a.admit(policy);
            }
            networkPolicies.add(policy);
        } catch (TopologyException e) {
            refused.add(e.getMessage());
        }
    }

    /** The admission plugins on the class path (the policy module's validation). */
    private static final List<NetworkPolicyAdmission> ADMISSION = ServiceLoader.load(NetworkPolicyAdmission.class)
            .stream().map(ServiceLoader.Provider::get).toList();

    /** AlreadyExists: {@code pods "web" already exists}, with where the first one was. */
    private void unique(Kind kind, ObjectMeta meta) {
        String key = kind.name + "/" + (kind.namespaced ? meta.namespace() : "") + "/" + meta.name();
        Source here = meta.root().source();
        Source first = seen.putIfAbsent(key, here);
        if (first != null) {
            throw meta.root().errorAt(here, null, kind.resource + " " + ApiValidation.quote(meta.name())
                    + " already exists (first at " + first + ")");
        }
    }

    /** One warning per file for each kind of object left out. */
    private void summarise(String file) {
        if (!ignoredKinds.isEmpty()) {
            int total = ignoredKinds.values().stream().mapToInt(Integer::intValue).sum();
            StringBuilder sb = new StringBuilder(file).append(": ignored ").append(total)
                    .append(total == 1 ? " object" : " objects").append(" of kinds not emulated: ");
            boolean first = true;
            for (Map.Entry<String, Integer> e : ignoredKinds.entrySet()) {
                sb.append(first ? "" : ", ").append(e.getKey()).append(" (").append(e.getValue()).append(')');
                first = false;
            }
            warnings.add(sb.toString());
        }
        if (!hostNetworkPods.isEmpty()) {
            warnings.add(file + ": skipped " + count(hostNetworkPods.size(), "host-network pod")
                    + " (spec.hostNetwork: true: they use their node's network namespace, not emulated): "
                    + String.join(", ", hostNetworkPods));
        }
        if (!finishedPods.isEmpty()) {
            warnings.add(file + ": skipped " + count(finishedPods.size(), "finished pod")
                    + " (status.phase Succeeded or Failed: no network): " + String.join(", ", finishedPods));
        }
        ignoredKinds.clear();
        hostNetworkPods.clear();
        finishedPods.clear();
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    static String group(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    // ------------------------------------------------------------------ results

    /** Everything read from {@code files}: exactly one Cluster object. */
    TopologyParts topology(List<String> files) {
        if (clusters.isEmpty()) {
            throw new TopologyException(Source.NONE, String.join(", ", files) + ": no Cluster object (apiVersion: "
                    + ClusterReader.API_VERSION + ", kind: Cluster)");
        }
        List<NamespaceSpec> all = new ArrayList<>();
        for (String implicit : checkNamespaces(Set.of())) {
            all.add(new NamespaceSpec(implicit, Map.of(METADATA_NAME_LABEL, implicit), Source.NONE));
        }
        all.addAll(namespaces.values());
        return new TopologyParts(clusters.get(0), all, pods(), services, networkPolicies, warnings, refused);
    }

    /** Objects to apply to a running lab whose namespaces are {@code existing}. */
    TopologyParts objects(Collection<String> existing) {
        if (!clusters.isEmpty()) {
            throw new TopologyException(clusters.get(0).source(), "Cluster " + clusters.get(0).name()
                    + ": a Cluster object belongs in the topology files; it cannot be applied to a running lab");
        }
        checkNamespaces(existing);
        return new TopologyParts(null, List.copyOf(namespaces.values()), pods(), services, networkPolicies, warnings,
                refused);
    }

    record TopologyParts(ClusterSpec cluster, List<NamespaceSpec> namespaces, List<PodSpec> pods,
            List<ServiceSpec> services, List<NetworkPolicySpec> networkPolicies, List<String> warnings,
            List<String> refused) {
        TopologyParts {
            refused = List.copyOf(refused);
            namespaces = List.copyOf(namespaces);
            pods = List.copyOf(pods);
            services = List.copyOf(services);
            networkPolicies = List.copyOf(networkPolicies);
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * Refuses an object in a namespace nobody creates ({@code namespaces "x" not found}); returns
     * the built-in namespaces used without a Namespace object, which the cluster has anyway.
     */
    private List<String> checkNamespaces(Collection<String> existing) {
        Set<String> implicit = new LinkedHashSet<>();
        for (NamespaceRef ref : namespaceRefs) {
            if (namespaces.containsKey(ref.namespace()) || existing.contains(ref.namespace())) {
                continue;
            }
            if (!BUILT_IN_NAMESPACES.contains(ref.namespace())) {
                throw ref.meta().root().errorAt(ref.meta().namespaceSource(), null,
                        "namespaces " + ApiValidation.quote(ref.namespace()) + " not found");
            }
            implicit.add(ref.namespace());
        }
        List<String> ordered = new ArrayList<>();
        for (String ns : List.of("default", "kube-system")) {
            if (implicit.contains(ns)) {
                ordered.add(ns);
            }
        }
        return ordered;
    }

    /**
     * The pods in file order, each Deployment's in its place: {@code replicas} pods named
     * {@code <deployment>-<pod-template-hash>-<5 chars>}, labelled with the template's labels and
     * {@code pod-template-hash}, unless the input already holds the Deployment's live pods.
     */
    private List<PodSpec> pods() {
        List<PodSpec> pods = new ArrayList<>();
        Set<String> taken = new HashSet<>(podNames);
        for (Object w : workloads) {
            if (w instanceof PodSpec p) {
                pods.add(p);
                continue;
            }
            PodReader.Deployment d = (PodReader.Deployment) w;
            ObjectMeta meta = d.meta();
            if (dumpedOwners.contains(meta.namespace() + "/" + meta.name())) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>(d.templateLabels());
            labels.put(PodReader.POD_TEMPLATE_HASH, d.templateHash());
            labels = Collections.unmodifiableMap(labels);
            String replicaSet = meta.name() + "-" + d.templateHash();
            for (int i = 0; i < d.replicas(); i++) {
                String name = null;
                for (int attempt = 0; name == null || taken.contains(meta.namespace() + "/" + name); attempt++) {
                    name = PodTemplateHash.generateName(replicaSet + "-", meta.name() + "/" + i, attempt);
                }
                taken.add(meta.namespace() + "/" + name);
                pods.add(new PodSpec(meta.namespace(), name, labels, d.content().nodeName(), d.content().ports(),
                        meta.name(), meta.root().source()));
            }
        }
        return pods;
    }
}
