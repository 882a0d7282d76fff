package dev.podlab.kubeproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.kubeproxy.ServicePort.TrafficPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rules kube-proxy writes. Expected text comes from /work/shared/reference/kube-proxy.md,
 * from kubernetes/kubernetes pkg/proxy/iptables/proxier_test.go expected outputs, or is written
 * by hand from the format strings of proxier.go — never from a run of this code. Chain hashes
 * are computed with {@link ChainNames}, itself checked against published values in
 * {@link ChainNamesTest}.
 */
class KubeProxyTest {

    // ------------------------------------------------------------- reference §3: ClusterIP, 3 endpoints

    static final ServicePort WEB = ServicePort.clusterIp("default", "web", "http", Protocol.TCP, "10.96.42.10", 80, 8080);
    static final List<Endpoint> WEB_ENDPOINTS = List.of(
            // given out of order and on different nodes: kube-proxy sorts by "IP:port"
            WEB.endpoint("10.244.2.12", "node-2"),
            WEB.endpoint("10.244.1.10", "node-1"),
            WEB.endpoint("10.244.2.11", "node-2"));

    static KubeProxyRules renderWeb(ProxySettings settings) {
        return new KubeProxy(settings).render(List.of(WEB), Map.of(WEB.name(), WEB_ENDPOINTS));
    }

    static String sep(ServicePort svc, String ip) {
        return ChainNames.endpointChain(svc.name(), svc.protocol(), svc.endpoint(ip, null));
    }

    /**
     * The reference's §3 block is iptables-save output with the hashes abbreviated as
     * KUBE-SVC-AAAA and KUBE-SEP-X/Y/Z. The real hashes are substituted and every chain it
     * shows is compared line by line, in order, with the rendered iptables-save view. The
     * reference prints KUBE-SEP-X only; KUBE-SEP-Y/Z are the same two lines for their endpoint.
     */
    @Test
    void clusterIpServiceMatchesReferenceSection3() {
        String svc = ChainNames.serviceChain(WEB.name(), Protocol.TCP);
        String x = sep(WEB, "10.244.1.10");
        String y = sep(WEB, "10.244.2.11");
        String z = sep(WEB, "10.244.2.12");
        String reference = """
                *nat
                -A KUBE-SERVICES -d 10.96.42.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-AAAA
                -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
                -A KUBE-SVC-AAAA ! -s 10.244.0.0/16 -d 10.96.42.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
                -A KUBE-SVC-AAAA -m comment --comment "default/web:http -> 10.244.1.10:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-X
                -A KUBE-SVC-AAAA -m comment --comment "default/web:http -> 10.244.2.11:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-Y
                -A KUBE-SVC-AAAA -m comment --comment "default/web:http -> 10.244.2.12:8080" -j KUBE-SEP-Z
                -A KUBE-SEP-X -s 10.244.1.10/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
                -A KUBE-SEP-X -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.1.10:8080
                -A KUBE-SEP-Y -s 10.244.2.11/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
                -A KUBE-SEP-Y -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.2.11:8080
                -A KUBE-SEP-Z -s 10.244.2.12/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
                -A KUBE-SEP-Z -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.2.12:8080
                -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
                -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
                -A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
                -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
                COMMIT
                """.replace("KUBE-SVC-AAAA", svc).replace("KUBE-SEP-X", x).replace("KUBE-SEP-Y", y).replace("KUBE-SEP-Z", z);

        Dump want = Dump.parse(reference);
        Dump got = Dump.parse(renderWeb(ProxySettings.defaults("node-1", "10.244.0.0/16")).iptablesSave());
        for (Map.Entry<String, List<String>> chain : want.rules().get("nat").entrySet()) {
            assertThat(got.chain("nat", chain.getKey())).as("nat chain %s", chain.getKey()).isEqualTo(chain.getValue());
        }
    }

    /**
     * The exact iptables-restore input for the §3 Service, written by hand from the
     * {@code natRules.Write}/{@code filterRules.Write} calls of proxier.go's syncProxyRules
     * (argument order, quoting, {@code %#08x} mark, {@code %0.10f} probabilities).
     */
    @Test
    void restoreInputIsKubeProxysText() {
        String svc = ChainNames.serviceChain(WEB.name(), Protocol.TCP);
        String want = """
                *filter
                :KUBE-SERVICES - [0:0]
                :KUBE-EXTERNAL-SERVICES - [0:0]
                :KUBE-FORWARD - [0:0]
                :KUBE-NODEPORTS - [0:0]
                :KUBE-PROXY-FIREWALL - [0:0]
                :KUBE-FIREWALL - [0:0]
                -A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
                -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
                -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
                -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                COMMIT
                *nat
                :KUBE-SERVICES - [0:0]
                :KUBE-NODEPORTS - [0:0]
                :KUBE-POSTROUTING - [0:0]
                :KUBE-MARK-MASQ - [0:0]
                :SVC - [0:0]
                :SEPX - [0:0]
                :SEPY - [0:0]
                :SEPZ - [0:0]
                -A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
                -A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
                -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
                -A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
                -A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.42.10 --dport 80 -j SVC
                -A SVC -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.42.10 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
                -A SVC -m comment --comment "default/web:http -> 10.244.1.10:8080" -m statistic --mode random --probability 0.3333333333 -j SEPX
                -A SVC -m comment --comment "default/web:http -> 10.244.2.11:8080" -m statistic --mode random --probability 0.5000000000 -j SEPY
                -A SVC -m comment --comment "default/web:http -> 10.244.2.12:8080" -j SEPZ
                -A SEPX -m comment --comment default/web:http -s 10.244.1.10 -j KUBE-MARK-MASQ
                -A SEPX -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.10:8080
                -A SEPY -m comment --comment default/web:http -s 10.244.2.11 -j KUBE-MARK-MASQ
                -A SEPY -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.11:8080
                -A SEPZ -m comment --comment default/web:http -s 10.244.2.12 -j KUBE-MARK-MASQ
                -A SEPZ -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.12:8080
                -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
                COMMIT
                """.replace("SEPX", sep(WEB, "10.244.1.10")).replace("SEPY", sep(WEB, "10.244.2.11"))
                .replace("SEPZ", sep(WEB, "10.244.2.12")).replace("SVC", svc);
        assertThat(renderWeb(ProxySettings.defaults("node-1", "10.244.0.0/16")).iptablesRestoreInput()).isEqualTo(want);
    }

    // ------------------------------------------------------------- kube-proxy's own TestOverallIPTablesRules

    /**
     * kubernetes/kubernetes pkg/proxy/iptables/proxier_test.go TestOverallIPTablesRules, limited
     * to what podlab models. Its fake proxier: pod CIDR 10.0.0.0/8, node "test-node", localhost
     * NodePorts on, nfacct counters present, fake iptables without --random-fully, and
     * {@code masqueradeMark: "0x4000"} set directly (NewProxier would format {@code %#08x},
     * so 0x4000 below reads 0x00004000 here). Services: ns1 ClusterIP; ns2 (a Local-policy
     * LoadBalancer there) as a NodePort with externalTrafficPolicy Local and no local endpoint;
     * ns3 NodePort; ns5 (a LoadBalancer there) as a NodePort with ClientIP affinity; ns6 no
     * endpoints; ns4 (externalIPs only) left out. Expected lines copied from the test's expected
     * output, minus the lines produced only by LoadBalancer IPs, externalIPs and
     * healthCheckNodePort. The test's output is sorted by chain; the comparison is per chain.
     */
    @Test
    void matchesKubeProxysOverallRulesTest() {
        ServicePort ns1 = ServicePort.clusterIp("ns1", "svc1", "p80", Protocol.TCP, "172.30.0.41", 80, 80);
        ServicePort ns2 = ServicePort.clusterIp("ns2", "svc2", "p80", Protocol.TCP, "172.30.0.42", 80, 80)
                .withNodePort(3001).withExternalTrafficPolicy(TrafficPolicy.LOCAL);
        ServicePort ns3 = ServicePort.clusterIp("ns3", "svc3", "p80", Protocol.TCP, "172.30.0.43", 80, 80).withNodePort(3003);
        ServicePort ns5 = ServicePort.clusterIp("ns5", "svc5", "p80", Protocol.TCP, "172.30.0.45", 80, 80)
                .withNodePort(3002).withClientIpAffinity(10800);
        ServicePort ns6 = ServicePort.clusterIp("ns6", "svc6", "p80", Protocol.TCP, "172.30.0.46", 80, 80);
        ProxySettings settings = ProxySettings.defaults("test-node", "10.0.0.0/8").withNfacct(true).withRandomFully(false);
        KubeProxyRules rules = new KubeProxy(settings).render(List.of(ns6, ns5, ns3, ns2, ns1), Map.of(
                ns1.name(), List.of(ns1.endpoint("10.180.0.1", null)),
                ns2.name(), List.of(ns2.endpoint("10.180.0.2", null)),
                ns3.name(), List.of(ns3.endpoint("10.180.0.3", null)),
                ns5.name(), List.of(ns5.endpoint("10.180.0.3", null))));

        String expected = """
                *filter
                :KUBE-NODEPORTS - [0:0]
                :KUBE-SERVICES - [0:0]
                :KUBE-EXTERNAL-SERVICES - [0:0]
                :KUBE-FIREWALL - [0:0]
                :KUBE-FORWARD - [0:0]
                :KUBE-PROXY-FIREWALL - [0:0]
                -A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT
                -A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP
                -A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
                -A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP
                -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
                -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                COMMIT
                *nat
                :KUBE-NODEPORTS - [0:0]
                :KUBE-SERVICES - [0:0]
                :KUBE-EXT-GNZBNJ2PO5MGZ6GT - [0:0]
                :KUBE-EXT-NUKIZ6OKUXPJNT4C - [0:0]
                :KUBE-EXT-X27LE4BHSL4DOUIK - [0:0]
                :KUBE-MARK-MASQ - [0:0]
                :KUBE-POSTROUTING - [0:0]
                :KUBE-SEP-I77PXRDZVX7PMWMN - [0:0]
                :KUBE-SEP-OYPFS5VJICHGATKP - [0:0]
                :KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]
                :KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]
                :KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]
                :KUBE-SVC-NUKIZ6OKUXPJNT4C - [0:0]
                :KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]
                :KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
                -A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3001 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
                -A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
                -A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3003 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-X27LE4BHSL4DOUIK
                -A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j KUBE-EXT-X27LE4BHSL4DOUIK
                -A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3002 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-NUKIZ6OKUXPJNT4C
                -A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C
                -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
                -A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
                -A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
                -A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C
                -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
                -A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
                -A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
                -A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
                -A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ
                -A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C
                -A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment "masquerade traffic for ns3/svc3:p80 external destinations" -j KUBE-MARK-MASQ
                -A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK
                -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
                -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
                -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
                -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
                -A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
                -A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
                -A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
                -A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
                -A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ
                -A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80
                -A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ
                -A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80
                -A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
                -A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ
                -A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
                -A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j KUBE-SEP-I77PXRDZVX7PMWMN
                -A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN
                -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
                -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.180.0.3:80" -j KUBE-SEP-OYPFS5VJICHGATKP
                -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
                -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ
                COMMIT
                """.replace("0x4000", "0x00004000");
        assertThat(Dump.parse(rules.iptablesRestoreInput())).isEqualTo(Dump.parse(expected));
    }

    // ------------------------------------------------------------- reference §5: NodePort

    /** Reference §5 (BBBB = the port's hash), in iptables-save form. */
    @Test
    void nodePortMatchesReferenceSection5() {
        ServicePort np = ServicePort.clusterIp("default", "web-np", "http", Protocol.TCP, "10.96.7.7", 80, 8080)
                .withNodePort(30080);
        Dump got = Dump.parse(new KubeProxy(ProxySettings.defaults("node-1", "10.244.0.0/16"))
                .render(List.of(np), Map.of(np.name(), List.of(np.endpoint("10.244.1.10", "node-1")))).iptablesSave());
        String hash = ChainNames.portProtoHash("default/web-np:http", "tcp");
        assertThat(got.chain("nat", "KUBE-NODEPORTS")).containsExactly(
                "-A KUBE-NODEPORTS -p tcp -m comment --comment \"default/web-np:http\" -m tcp --dport 30080 -j KUBE-EXT-" + hash);
        assertThat(got.chain("nat", "KUBE-EXT-" + hash)).containsExactly(
                "-A KUBE-EXT-" + hash + " -m comment --comment \"masquerade traffic for default/web-np:http external destinations\" -j KUBE-MARK-MASQ",
                "-A KUBE-EXT-" + hash + " -j KUBE-SVC-" + hash);
        assertThat(got.chain("filter", "KUBE-EXTERNAL-SERVICES")).isEmpty();
    }

    // ------------------------------------------------------------- reference §3.2: no endpoints

    /** Reference §3.2, verbatim (port 8080, NodePort 30080). No nat chain is made for the Service. */
    @Test
    void noEndpointsRejectsMatchReferenceSection32() {
        ServicePort svc = ServicePort.clusterIp("default", "web", "http", Protocol.TCP, "10.96.14.117", 8080, 8080)
                .withNodePort(30080);
        KubeProxyRules rules = new KubeProxy(ProxySettings.defaults("node-1", "10.244.0.0/16"))
                .render(List.of(svc), Map.of(svc.name(), List.of(svc.endpoint("10.244.1.10", "node-1").notReady())));
        Dump got = Dump.parse(rules.iptablesSave());
        assertThat(got.chain("filter", "KUBE-SERVICES")).containsExactly(
                "-A KUBE-SERVICES -d 10.96.14.117/32 -p tcp -m comment --comment \"default/web:http has no endpoints\" -m tcp --dport 8080 -j REJECT --reject-with icmp-port-unreachable");
        assertThat(got.chain("filter", "KUBE-EXTERNAL-SERVICES")).containsExactly(
                "-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment \"default/web:http has no endpoints\" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j REJECT --reject-with icmp-port-unreachable");
        assertThat(got.chain("nat", "KUBE-NODEPORTS")).isEmpty();
        assertThat(rules.iptablesRestoreInput()).doesNotContain("KUBE-SVC-", "KUBE-SEP-", "KUBE-EXT-");
    }

    /** A terminating-but-serving endpoint is used when nothing is ready (CategorizeEndpoints fallback). */
    @Test
    void servingTerminatingEndpointsAreTheFallback() {
        KubeProxyRules rules = new KubeProxy(ProxySettings.defaults("node-1", "10.244.0.0/16")).render(List.of(WEB),
                Map.of(WEB.name(), List.of(WEB.endpoint("10.244.1.10", "node-1").servingTerminating(),
                        WEB.endpoint("10.244.2.11", "node-2").notReady())));
        assertThat(rules.iptablesRestoreInput())
                .contains("-j DNAT --to-destination 10.244.1.10:8080")
                .doesNotContain("10.244.2.11")
                .doesNotContain("has no endpoints");
    }

    // ------------------------------------------------------------- reference §3.3: ClientIP affinity

    /**
     * Reference §3.3 in the form iptables-save prints {@code -m recent} (libxt_recent
     * {@code recent_save}: mode, --seconds, --reap, --name, --mask, --rsource), as on public
     * iptables-save dumps of affinity Services. NOTE: podlab's netfilter engine may not
     * implement {@code -m recent} yet; this test checks the text only.
     */
    @Test
    void clientIpAffinityRules() {
        ServicePort sticky = WEB.withClientIpAffinity(10800);
        Dump got = Dump.parse(new KubeProxy(ProxySettings.defaults("node-1", "10.244.0.0/16"))
                .render(List.of(sticky), Map.of(sticky.name(), WEB_ENDPOINTS)).iptablesSave());
        String svc = ChainNames.serviceChain(sticky.name(), Protocol.TCP);
        String x = sep(sticky, "10.244.1.10");
        String y = sep(sticky, "10.244.2.11");
        String z = sep(sticky, "10.244.2.12");
        List<String> svcRules = got.chain("nat", svc);
        assertThat(svcRules).hasSize(7);
        assertThat(svcRules.subList(1, 4)).containsExactly(
                "-A " + svc + " -m comment --comment \"default/web:http -> 10.244.1.10:8080\" -m recent --rcheck --seconds 10800 --reap --name " + x + " --mask 255.255.255.255 --rsource -j " + x,
                "-A " + svc + " -m comment --comment \"default/web:http -> 10.244.2.11:8080\" -m recent --rcheck --seconds 10800 --reap --name " + y + " --mask 255.255.255.255 --rsource -j " + y,
                "-A " + svc + " -m comment --comment \"default/web:http -> 10.244.2.12:8080\" -m recent --rcheck --seconds 10800 --reap --name " + z + " --mask 255.255.255.255 --rsource -j " + z);
        assertThat(svcRules.get(4)).contains("--probability 0.33333333349 -j " + x);
        assertThat(got.chain("nat", x)).containsExactly(
                "-A " + x + " -s 10.244.1.10/32 -m comment --comment \"default/web:http\" -j KUBE-MARK-MASQ",
                "-A " + x + " -p tcp -m comment --comment \"default/web:http\" -m recent --set --name " + x + " --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.1.10:8080");
    }

    // ------------------------------------------------------------- traffic policy Local

    /**
     * internalTrafficPolicy Local (proxier.go: internalTrafficChain = KUBE-SVL-*, only local
     * endpoints, their SEP chains only; no KUBE-SVC-* since no Cluster policy is in use).
     */
    @Test
    void internalTrafficPolicyLocal() {
        ServicePort local = WEB.withInternalTrafficPolicy(TrafficPolicy.LOCAL);
        String hash = ChainNames.portProtoHash("default/web:http", "tcp");
        Dump onNode2 = Dump.parse(new KubeProxy(ProxySettings.defaults("node-2", "10.244.0.0/16"))
                .render(List.of(local), Map.of(local.name(), WEB_ENDPOINTS)).iptablesRestoreInput());
        String y = sep(local, "10.244.2.11");
        String z = sep(local, "10.244.2.12");
        assertThat(onNode2.chain("nat", "KUBE-SERVICES").get(0))
                .isEqualTo("-A KUBE-SERVICES -m comment --comment \"default/web:http cluster IP\" -m tcp -p tcp -d 10.96.42.10 --dport 80 -j KUBE-SVL-" + hash);
        assertThat(onNode2.chain("nat", "KUBE-SVL-" + hash)).containsExactly(
                "-A KUBE-SVL-" + hash + " -m comment --comment \"default/web:http cluster IP\" -m tcp -p tcp -d 10.96.42.10 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ",
                "-A KUBE-SVL-" + hash + " -m comment --comment \"default/web:http -> 10.244.2.11:8080\" -m statistic --mode random --probability 0.5000000000 -j " + y,
                "-A KUBE-SVL-" + hash + " -m comment --comment \"default/web:http -> 10.244.2.12:8080\" -j " + z);
        assertThat(onNode2.chains().get("nat")).noneMatch(c -> c.startsWith(":KUBE-SVC-"));
        assertThat(onNode2.chains().get("nat")).containsOnlyOnce(":" + y + " - [0:0]", ":" + z + " - [0:0]")
                .doesNotContain(":" + sep(local, "10.244.1.10") + " - [0:0]");

        // A node without local endpoints drops ClusterIP traffic in filter ("has no local endpoints").
        Dump onNode3 = Dump.parse(new KubeProxy(ProxySettings.defaults("node-3", "10.244.0.0/16"))
                .render(List.of(local), Map.of(local.name(), WEB_ENDPOINTS)).iptablesRestoreInput());
        assertThat(onNode3.chain("filter", "KUBE-SERVICES")).containsExactly(
                "-A KUBE-SERVICES -m comment --comment \"default/web:http has no local endpoints\" -m tcp -p tcp -d 10.96.42.10 --dport 80 -j DROP");
        assertThat(onNode3.allRules("nat")).noneMatch(r -> r.contains("KUBE-SEP-"));
    }

    /** externalTrafficPolicy Local with a local endpoint: KUBE-EXT-* ends in KUBE-SVL-*, no SNAT for outsiders. */
    @Test
    void externalTrafficPolicyLocalWithLocalEndpoint() {
        ServicePort np = WEB.withNodePort(30080).withExternalTrafficPolicy(TrafficPolicy.LOCAL);
        String hash = ChainNames.portProtoHash("default/web:http", "tcp");
        Dump got = Dump.parse(new KubeProxy(ProxySettings.defaults("node-1", "10.244.0.0/16"))
                .render(List.of(np), Map.of(np.name(), WEB_ENDPOINTS)).iptablesRestoreInput());
        assertThat(got.chain("nat", "KUBE-EXT-" + hash)).containsExactly(
                "-A KUBE-EXT-" + hash + " -m comment --comment \"pod traffic for default/web:http external destinations\" -s 10.244.0.0/16 -j KUBE-SVC-" + hash,
                "-A KUBE-EXT-" + hash + " -m comment --comment \"masquerade LOCAL traffic for default/web:http external destinations\" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ",
                "-A KUBE-EXT-" + hash + " -m comment --comment \"route LOCAL traffic for default/web:http external destinations\" -m addrtype --src-type LOCAL -j KUBE-SVC-" + hash,
                "-A KUBE-EXT-" + hash + " -j KUBE-SVL-" + hash);
        String x = sep(np, "10.244.1.10");
        assertThat(got.chain("nat", "KUBE-SVL-" + hash)).containsExactly(
                "-A KUBE-SVL-" + hash + " -m comment --comment \"default/web:http -> 10.244.1.10:8080\" -j " + x);
        assertThat(got.chain("nat", "KUBE-SVC-" + hash)).hasSize(4); // masquerade + three endpoints
        assertThat(got.chain("filter", "KUBE-EXTERNAL-SERVICES")).isEmpty();
    }

    // ------------------------------------------------------------- built-in chains, canary, settings

    /**
     * The jump rules as a fresh node shows them: each is inserted at position 1 in
     * iptablesJumpChains order (then kubelet's KUBE-FIREWALL), so a chain lists them in reverse.
     */
    @Test
    void builtinChainJumpsAndCanary() {
        Dump got = Dump.parse(renderWeb(ProxySettings.defaults("node-1", "10.244.0.0/16")).iptablesSave());
        assertThat(got.chain("filter", "INPUT")).containsExactly(
                "-A INPUT -j KUBE-FIREWALL",
                "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
                "-A INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS",
                "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES");
        assertThat(got.chain("filter", "FORWARD")).containsExactly(
                "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
                "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD",
                "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
                "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES");
        assertThat(got.chain("filter", "OUTPUT")).containsExactly(
                "-A OUTPUT -j KUBE-FIREWALL",
                "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
                "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
        assertThat(got.chain("nat", "PREROUTING")).containsExactly(
                "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
        assertThat(got.chain("nat", "OUTPUT")).containsExactly(
                "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
        assertThat(got.chain("nat", "POSTROUTING")).containsExactly(
                "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING");
        // iptables-save of the kubelet-compatible anti-martian rule (public dumps show this form)
        assertThat(got.chain("filter", "KUBE-FIREWALL")).containsExactly(
                "-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP");
        for (String table : List.of("mangle", "filter", "nat")) {
            assertThat(got.chains().get(table)).as(table).contains(":KUBE-PROXY-CANARY - [0:0]");
        }
        assertThat(got.chains().get("mangle")).containsExactlyInAnyOrder(":PREROUTING ACCEPT [0:0]",
                ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]",
                ":KUBE-PROXY-CANARY - [0:0]");
    }

    /** The commands a fresh node sees for the jump rules (EnsureRule with Prepend = iptables -I). */
    @Test
    void jumpRulesAsIptablesCommands() {
        List<String> commands = KubeProxy.JUMP_RULES.stream().map(JumpRule::iptablesCommand).toList();
        assertThat(commands).hasSize(14).startsWith(
                "iptables -t filter -I INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES")
                .contains("iptables -t nat -I PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES")
                .endsWith("iptables -t filter -I OUTPUT -j KUBE-FIREWALL");
    }

    /** iptables-save layout: tables mangle, filter, nat; built-ins first, user chains sorted by name. */
    @Test
    void iptablesSaveLayout() {
        String save = renderWeb(ProxySettings.defaults("node-1", "10.244.0.0/16")).iptablesSave();
        assertThat(save).startsWith("*mangle\n:PREROUTING ACCEPT [0:0]\n");
        assertThat(save.indexOf("*filter\n")).isGreaterThan(0).isLessThan(save.indexOf("*nat\n"));
        String nat = save.substring(save.indexOf("*nat\n"));
        List<String> userChains = nat.lines().filter(l -> l.startsWith(":KUBE-")).toList();
        assertThat(userChains).isSorted().first().isEqualTo(":KUBE-MARK-MASQ - [0:0]");
        assertThat(nat.lines().filter(l -> l.startsWith(":")).limit(4).toList()).containsExactly(
                ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]");
        assertThat(save).doesNotContain("0.3333333333 ").contains("--probability 0.33333333349 ");
        assertThat(save).endsWith("COMMIT\n");
    }

    @Test
    void masqueradeAllMarksEveryClusterIpPacket() {
        Dump got = Dump.parse(renderWeb(ProxySettings.defaults("node-1", "10.244.0.0/16").withMasqueradeAll(true))
                .iptablesRestoreInput());
        String svc = ChainNames.serviceChain(WEB.name(), Protocol.TCP);
        assertThat(got.chain("nat", svc).get(0)).isEqualTo("-A " + svc
                + " -m comment --comment \"default/web:http cluster IP\" -m tcp -p tcp -d 10.96.42.10 --dport 80 -j KUBE-MARK-MASQ");
    }

    @Test
    void noClusterCidrMeansNoOffClusterMasqueradeRule() {
        Dump got = Dump.parse(renderWeb(ProxySettings.defaults("node-1", null)).iptablesRestoreInput());
        String svc = ChainNames.serviceChain(WEB.name(), Protocol.TCP);
        assertThat(got.chain("nat", svc)).hasSize(3).noneMatch(r -> r.contains("KUBE-MARK-MASQ"));
    }

    @Test
    void optionalRulesFollowNodeSettings() {
        ProxySettings s = ProxySettings.defaults("node-1", "10.244.0.0/16")
                .withLocalhostNodePorts(false).withRandomFully(false).withConntrackTcpBeLiberal(true);
        Dump got = Dump.parse(renderWeb(s).iptablesRestoreInput());
        assertThat(got.chains().get("filter")).doesNotContain(":KUBE-FIREWALL - [0:0]");
        assertThat(got.chain("filter", "KUBE-FORWARD")).hasSize(2).noneMatch(r -> r.contains("INVALID"));
        assertThat(got.chain("nat", "KUBE-POSTROUTING").get(2)).endsWith("-j MASQUERADE");
        assertThat(got.chain("nat", "KUBE-SERVICES").get(1)).isEqualTo(
                "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS");
    }

    /** --nodeport-addresses: one tail rule per matching node IP ({@code -d ip}), no loopback rule. */
    @Test
    void nodePortAddressesGiveOneRulePerNodeIp() {
        ProxySettings s = ProxySettings.defaults("node-1", "10.244.0.0/16").withNodePortAddresses(
                List.of(dev.podlab.packet.Ipv4Address.parse("192.168.0.2"), dev.podlab.packet.Ipv4Address.parse("10.0.2.15")),
                List.of(Cidr.parse("192.168.0.0/24")));
        Dump got = Dump.parse(renderWeb(s).iptablesRestoreInput());
        assertThat(got.chain("nat", "KUBE-SERVICES").get(1)).isEqualTo(
                "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -d 192.168.0.2 -j KUBE-NODEPORTS");
        assertThat(got.chain("nat", "KUBE-SERVICES")).hasSize(2);
        assertThat(got.chains().get("filter")).doesNotContain(":KUBE-FIREWALL - [0:0]"); // no 127.0.0.1 in the list
    }

    /** kube-proxy sorts endpoints by the "IP:port" string and keeps one per "IP:port". */
    @Test
    void endpointOrderIsStringOrderOfIpPort() {
        List<Endpoint> eps = KubeProxy.endpointList(List.of(
                WEB.endpoint("10.244.2.1", null), WEB.endpoint("10.244.10.1", null),
                WEB.endpoint("10.244.2.1", null).servingTerminating(), Endpoint.ready("10.244.2.1", 80, null)));
        assertThat(eps).extracting(Endpoint::toString).containsExactly("10.244.10.1:8080", "10.244.2.1:80", "10.244.2.1:8080");
        assertThat(eps.get(2).ready()).isTrue();
    }

    /** Above 1000 endpoints kube-proxy drops the per-endpoint comments (largeClusterMode). */
    @Test
    void largeClusterModeDropsEndpointComments() {
        List<Endpoint> many = new java.util.ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            many.add(WEB.endpoint("10.245." + (i / 250) + "." + (i % 250 + 1), null));
        }
        String restore = new KubeProxy(ProxySettings.defaults("node-1", "10.244.0.0/16"))
                .render(List.of(WEB), Map.of(WEB.name(), many)).iptablesRestoreInput();
        assertThat(restore.lines().filter(l -> l.startsWith("-A KUBE-SEP-"))).hasSize(2002)
                .noneMatch(l -> l.contains("--comment"));
        assertThat(restore).contains("--probability 0.0009990010 ");
    }
}
