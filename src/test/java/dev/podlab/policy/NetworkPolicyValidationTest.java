package dev.podlab.policy;

import static dev.podlab.policy.Specs.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.cluster.model.TopologyException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Validation as kube-apiserver does it ({@code pkg/apis/networking/validation/validation.go},
 * apimachinery {@code meta/v1/validation} for selectors, {@code field/errors.go} for the wording).
 * Cases are the reference's A.5 catalogue and the error cases of Kubernetes'
 * {@code pkg/apis/networking/validation/validation_test.go} ({@code TestValidateNetworkPolicy}:
 * values such as port 123456789, name "!@#$", cidr "192.168.5.6", except "192.168.9.1/24" under
 * "192.168.8.0/24", policyTypes foo/bar/baz and endPort 32768 are taken from there); the messages
 * are written from the validation source, not from a run.
 */
class NetworkPolicyValidationTest {
    private static final String SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
            + "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
            + "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private static final String NAME_PART_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', "
            + "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
            + "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    private static final String LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric "
            + "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
            + "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    private static final String CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

    static Stream<Arguments> invalid() {
        return Stream.of(
                // --- ports
                Arguments.of("protocol ICMP (k8s: invalid ingress.ports.protocol)",
                        "ingress: [{ports: [{protocol: ICMP, port: 80}]}]",
                        List.of("spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"")),
                Arguments.of("empty protocol string is not defaulted",
                        "egress: [{ports: [{protocol: '', port: 53}]}]",
                        List.of("spec.egress[0].ports[0].protocol: Unsupported value: \"\": supported values: \"TCP\", \"UDP\", \"SCTP\"")),
                Arguments.of("port 0", "ingress: [{ports: [{port: 0}]}]",
                        List.of("spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive")),
                Arguments.of("port 123456789 (k8s: invalid egress.ports.port (int))", "egress: [{ports: [{protocol: TCP, port: 123456789}]}]",
                        List.of("spec.egress[0].ports[0].port: Invalid value: 123456789: must be between 1 and 65535, inclusive")),
                Arguments.of("port name !@#$ (k8s: invalid ingress.ports.port (str))", "ingress: [{ports: [{port: '!@#$'}]}]",
                        List.of("spec.ingress[0].ports[0].port: Invalid value: \"!@#$\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                                "spec.ingress[0].ports[0].port: Invalid value: \"!@#$\": must contain at least one letter (a-z)")),
                Arguments.of("port name too long, with consecutive and edge hyphens",
                        "ingress: [{ports: [{port: '-abcdefgh--ijklm'}]}]",
                        List.of("spec.ingress[0].ports[0].port: Invalid value: \"-abcdefgh--ijklm\": must be no more than 15 characters",
                                "spec.ingress[0].ports[0].port: Invalid value: \"-abcdefgh--ijklm\": must not contain consecutive hyphens",
                                "spec.ingress[0].ports[0].port: Invalid value: \"-abcdefgh--ijklm\": must not begin or end with a hyphen")),
                Arguments.of("a quoted number is a port name", "ingress: [{ports: [{port: '80'}]}]",
                        List.of("spec.ingress[0].ports[0].port: Invalid value: \"80\": must contain at least one letter (a-z)")),
                Arguments.of("endPort < port (k8s: port is greater than endPort)",
                        "egress: [{ports: [{protocol: SCTP, port: 33000, endPort: 32768}]}]",
                        List.of("spec.egress[0].ports[0].endPort: Invalid value: 32768: must be greater than or equal to `port`")),
                Arguments.of("endPort out of range (k8s: invalid endport range defined)",
                        "egress: [{ports: [{port: 30000, endPort: 65537}]}]",
                        List.of("spec.egress[0].ports[0].endPort: Invalid value: 65537: must be between 1 and 65535, inclusive")),
                Arguments.of("endPort 0 is both below port and out of range",
                        "egress: [{ports: [{port: 80, endPort: 0}]}]",
                        List.of("spec.egress[0].ports[0].endPort: Invalid value: 0: must be greater than or equal to `port`",
                                "spec.egress[0].ports[0].endPort: Invalid value: 0: must be between 1 and 65535, inclusive")),
                Arguments.of("endPort with a named port (k8s: endPort defined with named/string port)",
                        "egress: [{ports: [{protocol: UDP, port: dns, endPort: 32768}, {port: 32000, endPort: 32768}]}]",
                        List.of("spec.egress[0].ports[0].endPort: Invalid value: 32768: may not be specified when `port` is non-numeric")),
                Arguments.of("endPort without port (k8s: endPort defined without port defined)",
                        "egress: [{ports: [{protocol: TCP, endPort: 32768}]}]",
                        List.of("spec.egress[0].ports[0].endPort: Invalid value: 32768: may not be specified when `port` is not specified")),
                Arguments.of("k8s: multiple invalid port ranges defined",
                        "egress: [{ports: [{protocol: UDP, port: 35000, endPort: 32768}, {protocol: TCP, endPort: 32768},"
                                + " {protocol: TCP, port: https, endPort: 32768}]}]",
                        List.of("spec.egress[0].ports[0].endPort: Invalid value: 32768: must be greater than or equal to `port`",
                                "spec.egress[0].ports[1].endPort: Invalid value: 32768: may not be specified when `port` is not specified",
                                "spec.egress[0].ports[2].endPort: Invalid value: 32768: may not be specified when `port` is non-numeric")),
                // --- peers
                Arguments.of("peer with nothing (k8s: missing from and to type)",
                        "ingress: [{from: [{}]}]\negress: [{to: [{}]}]",
                        List.of("spec.ingress[0].from[0]: Required value: must specify a peer",
                                "spec.egress[0].to[0]: Required value: must specify a peer")),
                Arguments.of("namespaceSelector and ipBlock",
                        "ingress: [{from: [{namespaceSelector: {matchLabels: {a: b}}, ipBlock: {cidr: 192.168.0.0/16}}]}]",
                        List.of("spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer")),
                Arguments.of("podSelector and ipBlock",
                        "egress: [{to: [{podSelector: {}, ipBlock: {cidr: 192.168.0.0/16}}]}]",
                        List.of("spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer")),
                Arguments.of("missing cidr field", "ingress: [{from: [{ipBlock: {except: [10.0.0.0/8]}}]}]",
                        List.of("spec.ingress[0].from[0].ipBlock.cidr: Required value")),
                Arguments.of("invalid cidr format", "ingress: [{from: [{ipBlock: {cidr: 192.168.5.6}}]}]",
                        List.of("spec.ingress[0].from[0].ipBlock.cidr: Invalid value: \"192.168.5.6\": " + CIDR_MSG)),
                Arguments.of("except is an empty string", "ingress: [{from: [{ipBlock: {cidr: 192.168.0.0/16, except: ['', ' ']}}]}]",
                        List.of("spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"\": " + CIDR_MSG,
                                "spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: \" \": " + CIDR_MSG)),
                Arguments.of("except outside cidr", "ingress: [{from: [{ipBlock: {cidr: 192.168.8.0/24, except: [192.168.9.1/24]}}]}]",
                        List.of("spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"192.168.9.1/24\": must be a strict subset of `cidr`")),
                Arguments.of("except equal to cidr", "ingress: [{from: [{ipBlock: {cidr: 192.168.0.0/24, except: [192.168.0.0/24]}}]}]",
                        List.of("spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"192.168.0.0/24\": must be a strict subset of `cidr`")),
                Arguments.of("except wider than cidr", "ingress: [{from: [{ipBlock: {cidr: 10.1.0.0/16, except: [10.0.0.0/8]}}]}]",
                        List.of("spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`")),
                // --- policyTypes
                Arguments.of("unknown policy types (k8s: invalid policyTypes)", "policyTypes: [foo, bar]",
                        List.of("spec.policyTypes[0]: Unsupported value: \"foo\": supported values: \"Ingress\", \"Egress\"",
                                "spec.policyTypes[1]: Unsupported value: \"bar\": supported values: \"Ingress\", \"Egress\"")),
                Arguments.of("too many policy types (k8s: too many policyTypes): no per-entry errors",
                        "policyTypes: [foo, bar, baz]",
                        List.of("spec.policyTypes: Invalid value: []networking.PolicyType{\"foo\", \"bar\", \"baz\"}: may not specify more than two policyTypes")),
                Arguments.of("policy types are case-sensitive", "policyTypes: [ingress]",
                        List.of("spec.policyTypes[0]: Unsupported value: \"ingress\": supported values: \"Ingress\", \"Egress\"")),
                // --- label selectors
                Arguments.of("invalid spec.podSelector key (k8s: NoUppercaseOrSpecialCharsLike=Equals)",
                        "podSelector: {matchLabels: {'NoUppercaseOrSpecialCharsLike=Equals': b}}",
                        List.of("spec.podSelector.matchLabels: Invalid value: \"NoUppercaseOrSpecialCharsLike=Equals\": " + NAME_PART_MSG)),
                Arguments.of("invalid from.podSelector key",
                        "ingress: [{from: [{podSelector: {matchLabels: {'NoUppercaseOrSpecialCharsLike=Equals': b}}}]}]",
                        List.of("spec.ingress[0].from[0].podSelector.matchLabels: Invalid value: \"NoUppercaseOrSpecialCharsLike=Equals\": " + NAME_PART_MSG)),
                Arguments.of("invalid to.namespaceSelector label value",
                        "egress: [{to: [{namespaceSelector: {matchLabels: {team: 'a b'}}}]}]",
                        List.of("spec.egress[0].to[0].namespaceSelector.matchLabels: Invalid value: \"a b\": " + LABEL_VALUE_MSG)),
                Arguments.of("label key with an invalid prefix",
                        "podSelector: {matchLabels: {'Example.com/app': web}}",
                        List.of("spec.podSelector.matchLabels: Invalid value: \"Example.com/app\": prefix part " + SUBDOMAIN_MSG)),
                Arguments.of("In without values",
                        "podSelector: {matchExpressions: [{key: app, operator: In}]}",
                        List.of("spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'")),
                Arguments.of("NotIn with empty values",
                        "ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: []}]}}]}]",
                        List.of("spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'")),
                Arguments.of("Exists with values",
                        "podSelector: {matchExpressions: [{key: app, operator: Exists, values: [web]}]}",
                        List.of("spec.podSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'")),
                Arguments.of("DoesNotExist with values",
                        "podSelector: {matchExpressions: [{key: app, operator: DoesNotExist, values: [web]}]}",
                        List.of("spec.podSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'")),
                Arguments.of("unknown operator, then the key",
                        "podSelector: {matchExpressions: [{key: '', operator: Equals, values: [web]}]}",
                        List.of("spec.podSelector.matchExpressions[0].operator: Invalid value: \"Equals\": not a valid selector operator",
                                "spec.podSelector.matchExpressions[0].key: Invalid value: \"\": name part must be non-empty",
                                "spec.podSelector.matchExpressions[0].key: Invalid value: \"\": " + NAME_PART_MSG)),
                Arguments.of("invalid value in values",
                        "podSelector: {matchExpressions: [{key: app, operator: In, values: [ok, -bad]}]}",
                        List.of("spec.podSelector.matchExpressions[0].values[1]: Invalid value: \"-bad\": " + LABEL_VALUE_MSG)),
                // --- order across the spec: podSelector, ingress (ports, then peers), egress, policyTypes
                Arguments.of("all errors in the API server's order",
                        "policyTypes: [Foo]\n"
                                + "egress: [{to: [{}], ports: [{port: 0}]}]\n"
                                + "ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/8]}}], ports: [{protocol: ICMP}]}]\n"
                                + "podSelector: {matchExpressions: [{key: app, operator: In}]}",
                        List.of("spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                                "spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
                                "spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`",
                                "spec.egress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                                "spec.egress[0].to[0]: Required value: must specify a peer",
                                "spec.policyTypes[0]: Unsupported value: \"Foo\": supported values: \"Ingress\", \"Egress\"")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void reportsEveryErrorWordForWord(String name, String specYaml, List<String> want) {
        assertThat(NetworkPolicies.validate(spec(specYaml))).as("got errors").containsExactlyElementsOf(want);
        String joined = want.size() == 1 ? want.get(0) : "[" + String.join(", ", want) + "]";
        assertThatThrownBy(() -> NetworkPolicies.parse(spec(specYaml)))
                .isInstanceOf(TopologyException.class)
                .hasMessage("np.yaml:3: NetworkPolicy default/np is invalid: " + joined);
    }

    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of("duplicate policy types", "policyTypes: [Ingress, Ingress]"),
                Arguments.of("endPort equal to port", "egress: [{ports: [{port: 80, endPort: 80}]}]"),
                Arguments.of("empty ports list", "ingress: [{ports: []}]"),
                Arguments.of("named port nobody defines", "ingress: [{ports: [{port: nothing-here}]}]"),
                Arguments.of("protocol only", "ingress: [{ports: [{protocol: SCTP}]}]"),
                Arguments.of("host bits in cidr (not strict)", "ingress: [{from: [{ipBlock: {cidr: 192.168.1.7/16, except: [192.168.1.0/24]}}]}]"),
                Arguments.of("two policy types", "policyTypes: [Egress, Ingress]"),
                Arguments.of("empty spec", ""),
                Arguments.of("null peer fields count as absent", "ingress: [{from: [{podSelector: {}, namespaceSelector: null, ipBlock: null}]}]"),
                Arguments.of("k8s success case: ports UDP and high", "egress: [{ports: [{protocol: UDP, port: 32000, endPort: 32768}]}]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void accepts(String name, String specYaml) {
        assertThat(NetworkPolicies.validate(spec(specYaml))).isEmpty();
    }

    @Test
    void duplicateMessagesAreReportedOnce() {
        // ErrorList.ToAggregate drops messages already seen: the same peer error cannot repeat, but
        // two identical port entries at the same index path cannot either; two paths stay two errors.
        assertThat(NetworkPolicies.validate(spec("ingress: [{from: [{}, {}]}]"))).containsExactly(
                "spec.ingress[0].from[0]: Required value: must specify a peer",
                "spec.ingress[0].from[1]: Required value: must specify a peer");
    }

    @Test
    void aWronglyTypedFieldFailsDecodingAtOnce() {
        assertThatThrownBy(() -> NetworkPolicies.parse(spec("ingress: {from: []}")))
                .isInstanceOf(TopologyException.class)
                .hasMessage("np.yaml:3: NetworkPolicy default/np: spec.ingress: must be a list, not a mapping");
        assertThatThrownBy(() -> NetworkPolicies.parse(spec("ingress: [{ports: [{port: 80.5}]}]")))
                .hasMessage("np.yaml:3: NetworkPolicy default/np: spec.ingress[0].ports[0].port: must be an integer, not number 80.5");
    }
}
