package dev.podlab.kubeproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.Ipv4Address;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceNameResolverTest {
    static final ServiceNameResolver RESOLVER = new ServiceNameResolver(List.of(
            ServicePort.clusterIp("kube-system", "kube-dns", "dns", Protocol.UDP, "10.96.0.10", 53, 53),
            ServicePort.clusterIp("kube-system", "kube-dns", "dns-tcp", Protocol.TCP, "10.96.0.10", 53, 53),
            ServicePort.clusterIp("default", "web", "http", Protocol.TCP, "10.96.42.10", 80, 8080)));

    @ParameterizedTest
    @ValueSource(strings = {"kube-system/kube-dns", "kube-dns.kube-system", "kube-dns.kube-system.svc",
        "kube-dns.kube-system.svc.cluster.local", "kube-dns.kube-system.svc.cluster.local."})
    void resolvesEveryForm(String name) {
        assertThat(RESOLVER.resolve(name)).isEqualTo(OptionalInt.of(Ipv4Address.parse("10.96.0.10")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"kube-dns", "kube-dns.default", "web.default.svc.other.domain", "web.default.pod",
        "/web", "default/", "a/b/c", "web..svc", "default/nope"})
    void rejectsWhatKubernetesDnsWouldNotAnswer(String name) {
        assertThat(RESOLVER.resolve(name)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"web", "web.default", "default/web"})
    void bareNameUsesTheCallersNamespace(String name) {
        assertThat(RESOLVER.resolve(name, "default")).isEqualTo(OptionalInt.of(Ipv4Address.parse("10.96.42.10")));
    }
}
