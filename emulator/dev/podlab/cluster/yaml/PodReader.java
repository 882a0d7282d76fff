package dev.podlab.cluster.yaml;

import dev.podlab.cluster.model.ContainerPort;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Reads what podlab emulates of a Pod, and of a Deployment's pod template: the containers'
 * ports, {@code spec.nodeName}, labels; validated as {@code ValidatePodSpec} and
 * {@code ValidateDeploymentSpec} do, with their messages.
 */
final class PodReader {
    static final String[] PROTOCOLS = {"SCTP", "TCP", "UDP"};
    /** The label the Deployment controller adds to its ReplicaSets' pods. */
    static final String POD_TEMPLATE_HASH = "pod-template-hash";

    /** A pod spec's emulated content. */
    record PodContent(List<ContainerPort> ports, String nodeName, boolean hostNetwork) {
    }

    /** A Deployment as read; its pods are made once every file is read. */
    record Deployment(ObjectMeta meta, int replicas, Map<String, String> templateLabels, PodContent content,
            String templateHash) {
    }

    private PodReader() {
    }

    /**
     * {@code spec} of {@code parent} (a Pod, or a Deployment's {@code spec.template}):
     * {@code containers[].ports[]}, {@code nodeName}, {@code hostNetwork}.
     */
    static PodContent podSpec(Fields parent, Consumer<String> warn) {
        Fields spec = parent.map("spec");
        List<Fields> containers = spec == null ? List.of() : spec.list("containers");
        if (containers.isEmpty()) {
            Fields at = spec == null ? parent : spec;
            throw at.errorAt(at.source(), parent.path("spec.containers"), "Required value");
        }
        List<ContainerPort> ports = new ArrayList<>();
        Set<String> containerNames = new HashSet<>();
        for (Fields c : containers) {
            String name = c.requiredString("name", null);
            for (String msg : ApiValidation.dns1123Label(name)) {
                throw c.invalid("name", name, msg);
            }
            if (!containerNames.add(name)) {
                throw c.error("name", "Duplicate value: " + ApiValidation.render(name));
            }
            ports.addAll(containerPorts(c, warn));
        }
        String nodeName = spec.string("nodeName");
        if (nodeName != null && nodeName.isEmpty()) {
            nodeName = null;
        }
        if (nodeName != null) {
            for (String msg : ApiValidation.dns1123Subdomain(nodeName)) {
                throw spec.invalid("nodeName", nodeName, msg);
            }
        }
        boolean hostNetwork = Boolean.TRUE.equals(spec.bool("hostNetwork"));
        return new PodContent(List.copyOf(ports), nodeName, hostNetwork);
    }

    /** {@code validateContainerPorts}: one container's ports, names unique within the container. */
    private static List<ContainerPort> containerPorts(Fields container, Consumer<String> warn) {
        List<ContainerPort> ports = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Fields p : container.list("ports")) {
            String name = p.string("name");
            if (name != null && name.isEmpty()) {
                name = null;
            }
            if (name != null) {
                for (String msg : ApiValidation.portName(name)) {
                    throw p.invalid("name", name, msg);
                }
                if (!names.add(name)) {
                    throw p.error("name", "Duplicate value: " + ApiValidation.render(name));
                }
            }
            Long port = p.integer("containerPort");
            if (port == null || port == 0) {
                throw p.required("containerPort");
            }
            for (String msg : ApiValidation.portNumber(port)) {
                throw p.invalid("containerPort", port, msg);
            }
            String protocol = protocol(p);
            Long hostPort = p.integer("hostPort");
            if (hostPort != null && hostPort != 0) {
                for (String msg : ApiValidation.portNumber(hostPort)) {
                    throw p.invalid("hostPort", hostPort, msg);
                }
                warn.accept(p.error("hostPort", "not emulated: the pod is reached on its own address only").getMessage());
            }
            ports.add(new ContainerPort(name, port.intValue(), protocol));
        }
        return ports;
    }

    /** {@code protocol}, defaulted to TCP, one of SCTP, TCP, UDP. */
    static String protocol(Fields port) {
        String protocol = port.string("protocol");
        if (protocol == null || protocol.isEmpty()) {
            return "TCP";
        }
        for (String p : PROTOCOLS) {
            if (p.equals(protocol)) {
                return p;
            }
        }
        throw port.error("protocol", ApiValidation.notSupported(protocol, PROTOCOLS));
    }

    /**
     * The Deployment that owns a pod read from a dump: its controller is a ReplicaSet named
     * {@code <deployment>-<pod-template-hash>}; null for a pod written by hand.
     */
    static String ownerDeployment(Fields pod, Map<String, String> labels) {
        Fields meta = pod.map("metadata");
        String hash = labels.get(POD_TEMPLATE_HASH);
        if (meta == null || hash == null) {
            return null;
        }
        for (Fields ref : meta.list("ownerReferences")) {
            String rs = ref.string("name");
            if ("ReplicaSet".equals(ref.string("kind")) && Boolean.TRUE.equals(ref.bool("controller")) && rs != null
                    && rs.endsWith("-" + hash) && rs.length() > hash.length() + 1) {
                return rs.substring(0, rs.length() - hash.length() - 1);
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ Deployment

    static Deployment deployment(ObjectMeta meta, Consumer<String> warn) {
        Fields d = meta.root();
        Fields spec = d.map("spec");
        if (spec == null) {
            throw d.required("spec.selector");
        }
        Long replicas = spec.integer("replicas");
        if (replicas == null) {
            replicas = 1L;
        } else if (replicas < 0) {
            throw spec.invalid("replicas", replicas, "must be greater than or equal to 0");
        } else if (replicas > Integer.MAX_VALUE) {
            throw spec.invalid("replicas", replicas, ApiValidation.inclusiveRangeError(0, Integer.MAX_VALUE));
        }
        Fields selector = spec.map("selector");
        if (selector == null) {
            throw spec.required("selector");
        }
        Predicate<Map<String, String>> matches = labelSelector(selector);
        Fields template = spec.map("template");
        if (template == null) {
            throw spec.required("template");
        }
        Fields templateMeta = template.map("metadata");
        Map<String, String> labels = ObjectMeta.labels(templateMeta, "labels");
        if (!matches.test(labels)) {
            Fields at = templateMeta != null && templateMeta.has("labels") ? templateMeta : template;
            throw at.errorAt(templateMeta != null ? templateMeta.source("labels") : template.source(),
                    template.path("metadata.labels"), "Invalid value: "
                            + (labels.isEmpty() ? "null" : ApiValidation.render(labels))
                            + ": `selector` does not match template `labels`");
        }
        PodContent content = podSpec(template, warn);
        String hash = PodTemplateHash.of(spec.value("template"));
        return new Deployment(meta, replicas.intValue(), labels, content, hash);
    }

    /**
     * {@code metav1.LabelSelectorAsSelector}: {@code matchLabels} and {@code matchExpressions}
     * (In, NotIn, Exists, DoesNotExist), all of which must hold; validated as
     * {@code ValidateLabelSelector} does. An empty selector is refused for a Deployment.
     */
    static Predicate<Map<String, String>> labelSelector(Fields selector) {
        Map<String, String> matchLabels = ObjectMeta.labels(selector, "matchLabels");
        List<Fields> expressions = selector.list("matchExpressions");
        if (matchLabels.isEmpty() && expressions.isEmpty()) {
            throw selector.errorAt(selector.source(), selector.path(),
                    "Invalid value: {}: empty selector is invalid for deployment");
        }
        Predicate<Map<String, String>> all = labels -> {
            for (Map.Entry<String, String> e : matchLabels.entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        };
        for (Fields e : expressions) {
            String key = e.requiredString("key", null);
            for (String msg : ApiValidation.qualifiedName(key)) {
                throw e.invalid("key", key, msg);
            }
            String operator = e.requiredString("operator", null);
            List<String> values = new ArrayList<>();
            if (e.has("values")) {
                if (!(e.value("values") instanceof List<?> list)) {
                    throw e.invalid("values", String.valueOf(e.value("values")), "must be a list");
                }
                for (Object v : list) {
                    values.add(String.valueOf(v));
                }
            }
            Predicate<Map<String, String>> one = switch (operator) {
                case "In", "NotIn" -> {
                    if (values.isEmpty()) {
                        throw e.required("values", "must be specified when `operator` is 'In' or 'NotIn'");
                    }
                    boolean in = operator.equals("In");
                    yield labels -> labels.containsKey(key) ? values.contains(labels.get(key)) == in : !in;
                }
                case "Exists", "DoesNotExist" -> {
                    if (!values.isEmpty()) {
                        throw e.error("values", "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                    }
                    boolean exists = operator.equals("Exists");
                    yield labels -> labels.containsKey(key) == exists;
                }
                default -> throw e.invalid("operator", operator, "not a valid selector operator");
            };
            all = all.and(one);
        }
        return all;
    }
}
