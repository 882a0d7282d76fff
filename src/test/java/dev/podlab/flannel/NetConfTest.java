package dev.podlab.flannel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.model.TopologyException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** net-conf.json as flannel reads it: defaults (reference §1.2, §2.1) and errors in the API server's words. */
class NetConfTest {
    private static Map<String, Object> conf(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void defaults() {
        NetConf c = NetConf.parse(conf("Network", "10.244.0.0/16", "Backend", conf("Type", "vxlan")), FlannelLab.CLUSTER_YAML);
        assertThat(c.subnetLen()).isEqualTo(24);
        assertThat(c.vni()).isEqualTo(1);
        assertThat(c.port()).isZero();
        assertThat(c.effectivePort()).isEqualTo(8472);
        assertThat(c.directRouting()).isFalse();
        // SubnetLen: 24 up to a /22, else prefix + 2.
        assertThat(NetConf.parse(conf("Network", "10.0.0.0/26", "Backend", conf("Type", "host-gw")), null).subnetLen())
                .isEqualTo(28);
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("udp is not emulated", conf("Network", "10.244.0.0/16", "Backend", conf("Type", "udp")),
                        "cluster.yaml:3: spec.cni.flannel.Backend.Type: Unsupported value: \"udp\": supported values: \"vxlan\", \"host-gw\""),
                Arguments.of("no Backend means udp", conf("Network", "10.244.0.0/16"),
                        "cluster.yaml:3: spec.cni.flannel.Backend.Type: Unsupported value: \"udp\": supported values: \"vxlan\", \"host-gw\""),
                Arguments.of("Network required", conf("Backend", conf("Type", "vxlan")),
                        "cluster.yaml:3: spec.cni.flannel.Network: Required value"),
                Arguments.of("Network too small", conf("Network", "10.0.0.0/29", "Backend", conf("Type", "vxlan")),
                        "cluster.yaml:3: spec.cni.flannel.Network: Invalid value: \"10.0.0.0/29\": network is too small. Minimum useful network prefix is /28"),
                Arguments.of("SubnetLen too long", conf("Network", "10.244.0.0/16", "SubnetLen", 31, "Backend", conf("Type", "vxlan")),
                        "cluster.yaml:3: spec.cni.flannel.SubnetLen: Invalid value: 31: SubnetLen must be less than /31"),
                Arguments.of("SubnetLen too short", conf("Network", "10.244.0.0/16", "SubnetLen", 17, "Backend", conf("Type", "vxlan")),
                        "cluster.yaml:3: spec.cni.flannel.SubnetLen: Invalid value: 17: network must be able to accommodate at least four subnets"),
                Arguments.of("VNI not a number", conf("Network", "10.244.0.0/16", "Backend", conf("Type", "vxlan", "VNI", "one")),
                        "cluster.yaml:3: spec.cni.flannel.Backend.VNI: Invalid value: \"one\": must be an integer"),
                Arguments.of("Port out of range", conf("Network", "10.244.0.0/16", "Backend", conf("Type", "vxlan", "Port", 70000)),
                        "cluster.yaml:3: spec.cni.flannel.Backend.Port: Invalid value: 70000: must be between 0 and 65535"),
                Arguments.of("SubnetMin outside", conf("Network", "10.244.0.0/16", "SubnetMin", "10.245.0.0", "Backend", conf("Type", "vxlan")),
                        "cluster.yaml:3: spec.cni.flannel.SubnetMin: Invalid value: \"10.245.0.0\": SubnetMin is not in the range of the Network"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void rejected(String name, Map<String, Object> conf, String message) {
        assertThatThrownBy(() -> Cluster.build(FlannelLab.topology(conf, List.of("node1=192.168.1.11/24"), List.of())))
                .isInstanceOf(TopologyException.class).hasMessage(message);
    }

    @Test
    void moreNodesThanSubnetsIsFlanneldsPodCidrNotAssigned() {
        Map<String, Object> c = conf("Network", "10.244.0.0/23", "SubnetLen", 25, "Backend", conf("Type", "vxlan"));
        assertThatThrownBy(() -> Cluster.build(FlannelLab.topology(c, List.of("n1=192.168.1.11/24",
                "n2=192.168.1.12/24", "n3=192.168.1.13/24", "n4=192.168.1.14/24", "n5=192.168.1.15/24"), List.of())))
                .isInstanceOf(TopologyException.class)
                .hasMessageContaining("room for 4 node subnets of /25, not 5 nodes")
                .hasMessageEndingWith("(flanneld on n5: node \"n5\" pod cidr not assigned)");
    }

    @Test
    void subnetMinIsIgnoredWithAWarning() {
        Map<String, Object> c = conf("Network", "10.244.0.0/16", "SubnetMin", "10.244.5.0", "Backend", conf("Type", "vxlan"));
        Cluster cluster = Cluster.build(FlannelLab.topology(c, List.of("node1=192.168.1.11/24"), List.of()));
        assertThat(cluster.warnings()).containsExactly("cluster.yaml:3: spec.cni.flannel.SubnetMin: ignored: the Kubernetes"
                + " subnet manager (--kube-subnet-mgr) takes each node's subnet from Node.spec.podCIDR");
        assertThat(((FlannelCni) cluster.cni()).lease(cluster.node("node1")).subnetCidr()).isEqualTo("10.244.0.0/24");
    }
}
