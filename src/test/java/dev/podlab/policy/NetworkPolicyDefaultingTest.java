package dev.podlab.policy;

import static dev.podlab.policy.Specs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Defaulting ({@code pkg/apis/networking/v1/defaults.go}: {@code SetDefaults_NetworkPolicy},
 * {@code SetDefaults_NetworkPolicyPort}) and how empty and missing fields are read (reference A.2, A.3).
 */
class NetworkPolicyDefaultingTest {
    static Stream<Arguments> policyTypes() {
        return Stream.of(
                Arguments.of("nothing written", "podSelector: {}", List.of(PolicyType.Ingress)),
                Arguments.of("ingress rules only", "ingress: [{}]", List.of(PolicyType.Ingress)),
                Arguments.of("empty egress list", "egress: []", List.of(PolicyType.Ingress)),
                Arguments.of("egress rules", "egress: [{}]", List.of(PolicyType.Ingress, PolicyType.Egress)),
                Arguments.of("ingress and egress rules", "ingress: [{}]\negress: [{}]", List.of(PolicyType.Ingress, PolicyType.Egress)),
                Arguments.of("empty policyTypes is defaulted too", "policyTypes: []\negress: [{}]",
                        List.of(PolicyType.Ingress, PolicyType.Egress)),
                Arguments.of("written: kept, even with rules of the other direction", "policyTypes: [Egress]\ningress: [{}]",
                        List.of(PolicyType.Egress)),
                Arguments.of("written order kept", "policyTypes: [Egress, Ingress]", List.of(PolicyType.Egress, PolicyType.Ingress)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policyTypes")
    void policyTypesDefaultAsTheApiServerDoes(String name, String specYaml, List<PolicyType> want) {
        assertThat(NetworkPolicies.parse(spec(specYaml)).policyTypes()).containsExactlyElementsOf(want);
    }

    @Test
    void egressOnlyPolicyIgnoresItsIngressRules() {
        NetworkPolicy p = NetworkPolicies.parse(spec("policyTypes: [Egress]\ningress: [{}]"));
        assertThat(p.ingress()).hasSize(1);
        assertThat(p.rules(PolicyType.Ingress)).isEmpty();
        assertThat(p.isolatesIngress()).isFalse();
        assertThat(p.isolatesEgress()).isTrue();
    }

    @Test
    void protocolDefaultsToTcp() {
        NetworkPolicy p = NetworkPolicies.parse(spec("ingress: [{ports: [{port: 80}, {protocol: UDP}, {port: http},"
                + " {port: 32000, endPort: 32768}]}]"));
        assertThat(p.ingress().get(0).ports()).containsExactly(PolicyPort.number(Protocol.TCP, 80),
                PolicyPort.any(Protocol.UDP), PolicyPort.named(Protocol.TCP, "http"),
                PolicyPort.range(Protocol.TCP, 32000, 32768));
    }

    @Test
    void missingAndEmptyListsReadAlike() {
        NetworkPolicy missing = NetworkPolicies.parse(spec("ingress: [{}]"));
        NetworkPolicy empty = NetworkPolicies.parse(spec("ingress: [{from: [], ports: []}]"));
        assertThat(missing.ingress()).containsExactly(Rule.ALLOW_ALL);
        assertThat(empty.ingress()).containsExactly(Rule.ALLOW_ALL);
        assertThat(NetworkPolicies.parse(spec("ingress: []")).ingress()).isEmpty();
        assertThat(NetworkPolicies.parse(spec("ingress: null")).ingress()).isEmpty();
    }

    @Test
    void peersAndSelectorsAsWritten() {
        NetworkPolicy p = NetworkPolicies.parse(spec("""
                podSelector: {matchLabels: {app: db}}
                ingress:
                - from:
                  - namespaceSelector: {matchLabels: {team: x}}
                    podSelector: {matchExpressions: [{key: role, operator: In, values: [fe, be]}]}
                  - podSelector: {}
                  - namespaceSelector: {}
                  - ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}
                """));
        assertThat(p.podSelector()).isEqualTo(LabelSelector.matchLabels(java.util.Map.of("app", "db")));
        List<Peer> peers = p.ingress().get(0).peers();
        assertThat(peers).hasSize(4);
        assertThat(peers.get(0).namespaceSelector().matchLabels()).containsEntry("team", "x");
        assertThat(peers.get(0).podSelector().matchExpressions()).containsExactly(new LabelSelector.Requirement("role",
                LabelSelector.Operator.In, List.of("fe", "be")));
        assertThat(peers.get(1)).isEqualTo(Peer.pods(LabelSelector.EVERYTHING));
        assertThat(peers.get(2)).isEqualTo(Peer.namespaces(LabelSelector.EVERYTHING));
        assertThat(peers.get(3)).isEqualTo(Peer.ipBlock(new IpBlock(new Cidr(0xac110000, 16),
                List.of(new Cidr(0xac110100, 24)))));
    }

    @Test
    void missingPodSelectorSelectsEveryPod() {
        assertThat(NetworkPolicies.parse(spec("policyTypes: [Ingress]")).podSelector().isEmpty()).isTrue();
    }

    @Test
    void cidrHostBitsAreCleared() {
        NetworkPolicy p = NetworkPolicies.parse(spec("ingress: [{from: [{ipBlock: {cidr: 192.168.1.7/16}}]}]"));
        assertThat(p.ingress().get(0).peers().get(0).ipBlock().cidr()).hasToString("192.168.0.0/16");
    }
}
