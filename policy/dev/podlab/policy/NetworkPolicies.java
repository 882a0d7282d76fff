package dev.podlab.policy;

import dev.podlab.cluster.yaml.ApiValidation;

import dev.podlab.cluster.model.NetworkPolicySpec;
import dev.podlab.cluster.model.TopologyException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Reads a NetworkPolicy's {@code spec} as the API server admits it: decode (a value of the wrong
 * type fails at once, as Go's JSON decoder does), default ({@code SetDefaults_NetworkPolicyPort}:
 * protocol TCP; {@code SetDefaults_NetworkPolicy}: policyTypes), then validate as
 * {@code pkg/apis/networking/validation.ValidateNetworkPolicySpec} does, collecting every error in
 * its order, with its field paths and wording.
 *
 * <p>An invalid policy is reported like {@code kube-apiserver} reports it, after the loader's
 * {@code file:line: Kind ns/name} prefix: one error alone, several inside {@code [...]} joined by
 * {@code ", "} ({@code utilerrors.NewAggregate}), duplicates dropped ({@code ErrorList.ToAggregate}):
 * <pre>
 * lab.yaml:40: NetworkPolicy default/web is invalid: [spec.ingress[0].from[0]: Required value: must specify a peer, spec.policyTypes[0]: Unsupported value: "Foo": supported values: "Ingress", "Egress"]
 * </pre>
 */
public final class NetworkPolicies {
    private NetworkPolicies() {
    }

    /** The policy, defaulted and validated; a {@link TopologyException} naming every error otherwise. */
    public static NetworkPolicy parse(NetworkPolicySpec spec) {
        Reader r = new Reader(spec);
        NetworkPolicy policy = r.policy();
        r.strict();
        if (!r.errors.isEmpty()) {
            List<String> errors = List.copyOf(new LinkedHashSet<>(r.errors));
            String joined = errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]";
            throw new TopologyException(spec.source(), r.object + " is invalid: " + joined);
        }
        return policy;
    }

    /**
     * The validation errors of a policy ({@code path: Type: detail}, in the API server's order,
     * duplicates dropped), empty when it is valid. Decoding errors still throw.
     */
    public static List<String> validate(NetworkPolicySpec spec) {
        Reader r = new Reader(spec);
        r.policy();
        r.strict();
        return List.copyOf(new LinkedHashSet<>(r.errors));
    }

    /** One pass over the parsed YAML: builds the model and collects the field errors. */
    private static final class Reader {
        private final NetworkPolicySpec spec;
        private final String object;
        private final List<String> errors = new ArrayList<>();

        Reader(NetworkPolicySpec spec) {
            this.spec = spec;
            this.object = "NetworkPolicy " + spec.namespace() + "/" + spec.name();
        }

        /** Fields the API's types do not have, by path, in document order (strict decoding). */
        private final List<String> unknown = new ArrayList<>();

        /**
         * Strict decoding, which {@code kubectl apply} asks of the API server: a field the type does
         * not have (a typo such as {@code Ingress:}) refuses the object before validation, naming
         * every unknown field as {@code sigs.k8s.io/json} does.
         */
        void strict() {
            if (!unknown.isEmpty()) {
                StringJoiner j = new StringJoiner(", ");
                unknown.forEach(f -> j.add("unknown field \"" + f + "\""));
                throw new TopologyException(spec.source(), object + ": strict decoding error: " + j);
            }
        }

        /** A mapping whose keys must be among {@code known}; others are noted for {@link #strict}. */
        private Map<String, Object> fields(Object value, String path, Set<String> known) {
            Map<String, Object> m = map(value, path);
            for (String key : m.keySet()) {
                if (!known.contains(key)) {
                    unknown.add(path + "." + key);
                }
            }
            return m;
        }

        NetworkPolicy policy() {
            Map<String, Object> s = fields(spec.spec(), "spec", Set.of("podSelector", "ingress", "egress", "policyTypes"));
            LabelSelector podSelector = selector(s.get("podSelector"), "spec.podSelector");
            List<Rule> ingress = rules(s.get("ingress"), "spec.ingress", "from");
            List<Rule> egress = rules(s.get("egress"), "spec.egress", "to");
            List<String> written = strings(s.get("policyTypes"), "spec.policyTypes");
            List<PolicyType> types = new ArrayList<>();
            if (written.isEmpty()) {
                types.add(PolicyType.Ingress);
                if (!egress.isEmpty()) {
                    types.add(PolicyType.Egress);
                }
            } else if (written.size() > PolicyType.values().length) {
                StringJoiner j = new StringJoiner(", ", "[]networking.PolicyType{", "}");
                written.forEach(t -> j.add(ApiValidation.quote(t)));
                errors.add("spec.policyTypes: Invalid value: " + j + ": may not specify more than two policyTypes");
            } else {
                for (int i = 0; i < written.size(); i++) {
                    PolicyType t = PolicyType.byName(written.get(i));
                    if (t == null) {
                        errors.add("spec.policyTypes[" + i + "]: Unsupported value: " + ApiValidation.quote(written.get(i))
                                + ": supported values: \"Ingress\", \"Egress\"");
                    } else {
                        types.add(t);
                    }
                }
            }
            return new NetworkPolicy(spec.namespace(), spec.name(), podSelector, types, ingress, egress,
                    spec.source());
        }

        /** Ingress or egress rules; each validated ports first, then peers (as the API server does). */
        private List<Rule> rules(Object value, String path, String peersKey) {
            List<Rule> rules = new ArrayList<>();
            List<Object> list = list(value, path);
            for (int i = 0; i < list.size(); i++) {
                String rulePath = path + "[" + i + "]";
                Map<String, Object> m = fields(list.get(i), rulePath, Set.of(peersKey, "ports"));
                List<PolicyPort> ports = new ArrayList<>();
                List<Object> portList = list(m.get("ports"), rulePath + ".ports");
                for (int p = 0; p < portList.size(); p++) {
                    PolicyPort port = port(portList.get(p), rulePath + ".ports[" + p + "]");
                    if (port != null) {
                        ports.add(port);
                    }
                }
                List<Peer> peers = new ArrayList<>();
                List<Object> peerList = list(m.get(peersKey), rulePath + "." + peersKey);
                for (int p = 0; p < peerList.size(); p++) {
                    Peer peer = peer(peerList.get(p), rulePath + "." + peersKey + "[" + p + "]");
                    if (peer != null) {
                        peers.add(peer);
                    }
                }
                rules.add(new Rule(peers, ports));
            }
            return rules;
        }

        /** {@code ValidateNetworkPolicyPort}, after {@code SetDefaults_NetworkPolicyPort} (protocol TCP). */
        private PolicyPort port(Object value, String path) {
            Map<String, Object> m = fields(value, path, Set.of("protocol", "port", "endPort"));
            int before = errors.size();
            Object proto = m.get("protocol");
            Protocol protocol = Protocol.TCP;
            if (proto != null) {
                String name = string(proto, path + ".protocol");
                protocol = Protocol.byName(name);
                if (protocol == null) {
                    errors.add(path + ".protocol: Unsupported value: " + ApiValidation.quote(name)
                            + ": supported values: \"TCP\", \"UDP\", \"SCTP\"");
                }
            }
            Object port = m.get("port");
            Integer endPort = m.get("endPort") == null ? null : int32(m.get("endPort"), path + ".endPort");
            int number = 0;
            String name = null;
            if (port instanceof String s) {
                name = s;
                if (endPort != null) {
                    errors.add(path + ".endPort: Invalid value: " + endPort
                            + ": may not be specified when `port` is non-numeric");
                }
                for (String msg : ApiValidation.portName(s)) {
                    errors.add(path + ".port: Invalid value: " + ApiValidation.quote(s) + ": " + msg);
                }
            } else if (port != null) {
                number = int32(port, path + ".port");
                for (String msg : ApiValidation.portNumber(number)) {
                    errors.add(path + ".port: Invalid value: " + number + ": " + msg);
                }
                if (endPort != null) {
                    if (endPort < number) {
                        errors.add(path + ".endPort: Invalid value: " + endPort
                                + ": must be greater than or equal to `port`");
                    }
                    for (String msg : ApiValidation.portNumber(endPort)) {
                        errors.add(path + ".endPort: Invalid value: " + endPort + ": " + msg);
                    }
                }
            } else if (endPort != null) {
                errors.add(path + ".endPort: Invalid value: " + endPort
                        + ": may not be specified when `port` is not specified");
            }
            if (errors.size() > before) {
                return null;
            }
            return new PolicyPort(protocol, number, name, endPort == null ? 0 : endPort);
        }

        /** {@code ValidateNetworkPolicyPeer}. */
        private Peer peer(Object value, String path) {
            Map<String, Object> m = fields(value, path, Set.of("podSelector", "namespaceSelector", "ipBlock"));
            int before = errors.size();
            LabelSelector pods = m.get("podSelector") == null ? null : selector(m.get("podSelector"), path + ".podSelector");
            LabelSelector namespaces = m.get("namespaceSelector") == null ? null
                    : selector(m.get("namespaceSelector"), path + ".namespaceSelector");
            IpBlock block = m.get("ipBlock") == null ? null : ipBlock(m.get("ipBlock"), path + ".ipBlock");
            boolean hasBlock = m.get("ipBlock") != null;
            int count = (pods == null ? 0 : 1) + (namespaces == null ? 0 : 1) + (hasBlock ? 1 : 0);
            if (count == 0) {
                errors.add(path + ": Required value: must specify a peer");
            } else if (count > 1 && hasBlock) {
                errors.add(path + ": Forbidden: may not specify both ipBlock and another peer");
            }
            return errors.size() > before ? null : new Peer(pods, namespaces, block);
        }

        /**
         * {@code ValidateIPBlock}: cidr required and a CIDR ({@code IsValidCIDRForLegacyField} without
         * strict validation: host bits and leading zeros allowed), each except a CIDR and a strict subset.
         */
        private IpBlock ipBlock(Object value, String path) {
            Map<String, Object> m = fields(value, path, Set.of("cidr", "except"));
            String text = m.get("cidr") == null ? "" : string(m.get("cidr"), path + ".cidr");
            List<String> except = strings(m.get("except"), path + ".except");
            if (text.isEmpty()) {
                errors.add(path + ".cidr: Required value");
                return null;
            }
            Cidr cidr = cidr(text, path + ".cidr");
            if (cidr == null) {
                return null;
            }
            List<Cidr> out = new ArrayList<>();
            for (int i = 0; i < except.size(); i++) {
                String exceptPath = path + ".except[" + i + "]";
                Cidr e = cidr(except.get(i), exceptPath);
                if (e == null) {
                    continue;
                }
                if (!cidr.contains(e.network()) || cidr.prefixLength() >= e.prefixLength()) {
                    errors.add(exceptPath + ": Invalid value: " + ApiValidation.quote(except.get(i))
                            + ": must be a strict subset of `cidr`");
                }
                out.add(e);
            }
            return new IpBlock(cidr, out);
        }

        private Cidr cidr(String text, String path) {
            Cidr c = Cidr.parse(text);
            if (c == null) {
                String detail = text.contains(":") && text.contains("/") ? "podlab emulates IPv4 only"
                        : "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
                errors.add(path + ": Invalid value: " + ApiValidation.quote(text) + ": " + detail);
            }
            return c;
        }

        /**
         * {@code metav1validation.ValidateLabelSelector}: matchLabels (keys and values, reported at
         * {@code matchLabels}, keys in sorted order where Go iterates its map at random), then each
         * requirement: operator and values, key, each value.
         */
        private LabelSelector selector(Object value, String path) {
            if (value == null) {
                return LabelSelector.EVERYTHING;
            }
            Map<String, Object> m = fields(value, path, Set.of("matchLabels", "matchExpressions"));
            Map<String, String> labels = new TreeMap<>();
            String labelsPath = path + ".matchLabels";
            Map<String, Object> rawLabels = m.get("matchLabels") == null ? Map.of() : map(m.get("matchLabels"), labelsPath);
            for (Map.Entry<String, Object> e : new TreeMap<>(rawLabels).entrySet()) {
                String v = e.getValue() == null ? "" : string(e.getValue(), labelsPath + "." + e.getKey());
                labels.put(e.getKey(), v);
                for (String msg : ApiValidation.qualifiedName(e.getKey())) {
                    errors.add(labelsPath + ": Invalid value: " + ApiValidation.quote(e.getKey()) + ": " + msg);
                }
                for (String msg : ApiValidation.labelValue(v)) {
                    errors.add(labelsPath + ": Invalid value: " + ApiValidation.quote(v) + ": " + msg);
                }
            }
            List<LabelSelector.Requirement> requirements = new ArrayList<>();
            List<Object> expressions = list(m.get("matchExpressions"), path + ".matchExpressions");
            for (int i = 0; i < expressions.size(); i++) {
                String ePath = path + ".matchExpressions[" + i + "]";
                Map<String, Object> e = fields(expressions.get(i), ePath, Set.of("key", "operator", "values"));
                String key = e.get("key") == null ? "" : string(e.get("key"), ePath + ".key");
                String op = e.get("operator") == null ? "" : string(e.get("operator"), ePath + ".operator");
                List<String> values = strings(e.get("values"), ePath + ".values");
                LabelSelector.Operator operator = LabelSelector.Operator.byName(op);
                int before = errors.size();
                if (operator == null) {
                    errors.add(ePath + ".operator: Invalid value: " + ApiValidation.quote(op) + ": not a valid selector operator");
                } else if ((operator == LabelSelector.Operator.In || operator == LabelSelector.Operator.NotIn)
                        && values.isEmpty()) {
                    errors.add(ePath + ".values: Required value: must be specified when `operator` is 'In' or 'NotIn'");
                } else if ((operator == LabelSelector.Operator.Exists || operator == LabelSelector.Operator.DoesNotExist)
                        && !values.isEmpty()) {
                    errors.add(ePath + ".values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                }
                for (String msg : ApiValidation.qualifiedName(key)) {
                    errors.add(ePath + ".key: Invalid value: " + ApiValidation.quote(key) + ": " + msg);
                }
                for (int v = 0; v < values.size(); v++) {
                    for (String msg : ApiValidation.labelValue(values.get(v))) {
                        errors.add(ePath + ".values[" + v + "]: Invalid value: " + ApiValidation.quote(values.get(v)) + ": " + msg);
                    }
                }
                if (errors.size() == before) {
                    requirements.add(new LabelSelector.Requirement(key, operator, values));
                }
            }
            return new LabelSelector(labels, requirements);
        }

        // ------------------------------------------------------------------ decoding

        @SuppressWarnings("unchecked")
        private Map<String, Object> map(Object value, String path) {
            if (value == null) {
                return Map.of();
            }
            if (value instanceof Map<?, ?> m) {
                return (Map<String, Object>) m;
            }
            throw decodeError(path, value, "a mapping");
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object value, String path) {
            if (value == null) {
                return List.of();
            }
            if (value instanceof List<?> l) {
                return (List<Object>) l;
            }
            throw decodeError(path, value, "a list");
        }

        private List<String> strings(Object value, String path) {
            List<Object> raw = list(value, path);
            List<String> out = new ArrayList<>(raw.size());
            for (int i = 0; i < raw.size(); i++) {
                out.add(string(raw.get(i), path + "[" + i + "]"));
            }
            return out;
        }

        private String string(Object value, String path) {
            if (value instanceof String s) {
                return s;
            }
            throw decodeError(path, value, "a string");
        }

        /** An {@code int32} field: integers only, in range, as Go's decoder requires. */
        private int int32(Object value, String path) {
            if (value instanceof Integer i) {
                return i;
            }
            if (value instanceof Long || value instanceof BigInteger) {
                throw new TopologyException(spec.source(), object + ": " + path + ": Invalid value: " + value
                        + ": must fit in 32 bits");
            }
            throw decodeError(path, value, "an integer");
        }

        private TopologyException decodeError(String path, Object value, String expected) {
            return new TopologyException(spec.source(), object + ": " + path + ": must be " + expected + ", not "
                    + describe(value));
        }

        private static String describe(Object value) {
            if (value instanceof Map<?, ?>) {
                return "a mapping";
            }
            if (value instanceof List<?>) {
                return "a list";
            }
            if (value instanceof String s) {
                return "string " + ApiValidation.quote(s);
            }
            if (value instanceof Boolean b) {
                return "boolean " + b;
            }
            return "number " + value;
        }
    }
}
