package dev.podlab.kubeproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.Ipv4Address;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Chain-name hashes against values published elsewhere (never from a run of this code). */
class ChainNamesTest {

    @ParameterizedTest(name = "{0}/{1}:{2} {3} -> {4}")
    @CsvSource({
        // /work/shared/reference/kube-proxy.md §2 (well-known kube-dns hash)
        "kube-system, kube-dns, dns, UDP, KUBE-SVC-TCOU7JCQXEZGVUNU",
        // the apiserver Service seen on every cluster (public iptables-save dumps)
        "default, kubernetes, https, TCP, KUBE-SVC-NPX46M4PTMTKRN6Y",
        // kubernetes/kubernetes pkg/proxy/iptables/proxier_test.go TestOverallIPTablesRules
        "ns1, svc1, p80, TCP, KUBE-SVC-XPGD46QRK7WJZT7O",
        "ns2, svc2, p80, TCP, KUBE-SVC-GNZBNJ2PO5MGZ6GT",
        "ns3, svc3, p80, TCP, KUBE-SVC-X27LE4BHSL4DOUIK",
        "ns4, svc4, p80, TCP, KUBE-SVC-4SW47YFZTEDKD3PK",
        "ns5, svc5, p80, TCP, KUBE-SVC-NUKIZ6OKUXPJNT4C",
    })
    void serviceChain(String ns, String name, String port, Protocol protocol, String want) {
        ServicePortName spn = new ServicePortName(ns, name, port);
        assertThat(ChainNames.serviceChain(spn, protocol)).isEqualTo(want);
        String hash = want.substring("KUBE-SVC-".length());
        // SVL/EXT/FW share the port-protocol hash (proxier_test.go: KUBE-EXT-GNZBNJ2PO5MGZ6GT, KUBE-FW-NUKIZ6OKUXPJNT4C)
        assertThat(ChainNames.serviceLocalChain(spn, protocol)).isEqualTo("KUBE-SVL-" + hash);
        assertThat(ChainNames.serviceExternalChain(spn, protocol)).isEqualTo("KUBE-EXT-" + hash);
        assertThat(ChainNames.serviceFirewallChain(spn, protocol)).isEqualTo("KUBE-FW-" + hash);
        assertThat(want.length()).isLessThanOrEqualTo(28);
    }

    @ParameterizedTest(name = "{0}/{1}:{2} {3} {4}:{5} -> {6}")
    @CsvSource({
        // kubernetes/kubernetes pkg/proxy/iptables/proxier_test.go TestOverallIPTablesRules
        "ns1, svc1, p80, TCP, 10.180.0.1, 80, KUBE-SEP-SXIVWICOYRO3J4NJ",
        "ns2, svc2, p80, TCP, 10.180.0.2, 80, KUBE-SEP-RS4RBKLTHTF2IUXJ",
        "ns3, svc3, p80, TCP, 10.180.0.3, 80, KUBE-SEP-OYPFS5VJICHGATKP",
        "ns4, svc4, p80, TCP, 10.180.0.4, 80, KUBE-SEP-UKSFD7AGPMPPLUHC",
        "ns4, svc4, p80, TCP, 10.180.0.5, 80, KUBE-SEP-C6EBXVWJJZMIWKLZ",
        "ns5, svc5, p80, TCP, 10.180.0.3, 80, KUBE-SEP-I77PXRDZVX7PMWMN",
    })
    void endpointChain(String ns, String name, String port, Protocol protocol, String ip, int epPort, String want) {
        Endpoint ep = new Endpoint(Ipv4Address.parse(ip), epPort, true, true, false, null);
        assertThat(ChainNames.endpointChain(new ServicePortName(ns, name, port), protocol, ep)).isEqualTo(want);
    }

    @org.junit.jupiter.api.Test
    void unnamedPortHashesWithoutColon() {
        // ServicePortName.String() drops ":port" for an unnamed port.
        assertThat(new ServicePortName("default", "web", "").toString()).isEqualTo("default/web");
        assertThat(ChainNames.serviceChain(new ServicePortName("default", "web", ""), Protocol.TCP))
                .isEqualTo("KUBE-SVC-" + ChainNames.portProtoHash("default/web", "tcp"))
                .isNotEqualTo(ChainNames.serviceChain(new ServicePortName("default", "web", "x"), Protocol.TCP));
    }
}
