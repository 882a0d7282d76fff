package dev.podlab.kubeproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.net.IpCommand;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.Network;
import dev.podlab.net.TransportHandler;
import dev.podlab.netfilter.NodeNetfilter;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.packet.Udp;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.Tracer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * kube-proxy's rules loaded into a node's emulated netfilter: the generated {@code iptables-save}
 * loads and saves back unchanged, and a ClusterIP is DNATed to one endpoint per connection, the
 * choice uniform, the reply un-NATed — for pods on the node's cni0 bridge with br_netfilter on.
 *
 * <pre>
 *   client 10.244.1.2 ┐
 *   ep1    10.244.1.3 ├─ cni0 10.244.1.1 (node1)     Service default/dns:dns 10.96.0.10:53/UDP
 *   ep2    10.244.1.4 │                              endpoints ep1..ep3 port 5353
 *   ep3    10.244.1.5 ┘
 * </pre>
 */
class KubeProxyDatapathTest {
    private static final int CLUSTER_IP = Ipv4Address.parse("10.96.0.10");

    @Test
    void generatedRulesLoadIntoTheNodeAndSaveBackUnchanged() {
        Simulator sim = new Simulator(3);
        Network net = new Network(sim, Tracer.off());
        NodeNetfilter nf = NodeNetfilter.install(net.namespace("node1", null));
        KubeProxyRules rules = rules();
        nf.iptables().restore(rules.iptablesSave());
        // Two independently written parts agree: kube-proxy's renderer and the iptables engine's saver.
        assertThat(body(nf.iptables().save("-"))).isEqualTo(body(rules.iptablesSave()));
    }

    @Test
    void clusterIpIsDnatedToOneEndpointPerConnectionUniformlyAndRepliesComeFromTheClusterIp() {
        Simulator sim = new Simulator(11);
        Network net = new Network(sim, Tracer.off());
        NetNamespace node = net.namespace("node1", null);
        IpCommand.run(node, "link add cni0 type bridge");
        IpCommand.run(node, "link set cni0 up");
        IpCommand.run(node, "addr add 10.244.1.1/24 dev cni0");
        IpCommand.run(node, "sysctl -w net.ipv4.ip_forward=1");
        String[] pods = {"client", "ep1", "ep2", "ep3"};
        Map<String, NetNamespace> ns = new HashMap<>();
        for (int i = 0; i < pods.length; i++) {
            NetNamespace pod = net.namespace("node1", pods[i]);
            ns.put(pods[i], pod);
            IpCommand.run(node, "link add veth" + i + " type veth peer name eth0 netns " + pods[i]);
            IpCommand.run(node, "link set veth" + i + " master cni0");
            IpCommand.run(node, "link set veth" + i + " up");
            IpCommand.run(pod, "link set eth0 up");
            IpCommand.run(pod, "addr add 10.244.1." + (i + 2) + "/24 dev eth0");
            IpCommand.run(pod, "route add default via 10.244.1.1");
        }
        NodeNetfilter nf = NodeNetfilter.install(node);
        nf.iptables().restore(rules().iptablesSave());

        Map<String, Integer> served = new HashMap<>();
        for (int i = 1; i <= 3; i++) {
            String name = "ep" + i;
            NetNamespace ep = ns.get(name);
            ep.sockets().bind(IpProtocol.UDP, 0, 5353, new Echo(ep, name, served));
        }
        NetNamespace client = ns.get("client");
        Map<Integer, Integer> replyFrom = new HashMap<>();
        int connections = 600;
        for (int i = 0; i < connections; i++) {
            int sport = 40000 + i;
            client.sockets().bind(IpProtocol.UDP, 0, sport, (n, p, ip, l4) -> {
                replyFrom.merge(p.buf().getInt(ip + Ipv4.SRC_OFFSET), 1, Integer::sum);
                p.release();
            });
            sim.schedule(i * 1_000_000L, () -> send(client, sport));
        }
        sim.runUntil(2_000_000_000L);

        assertThat(replyFrom).as("replies by source address").containsOnlyKeys(CLUSTER_IP);
        assertThat(replyFrom.get(CLUSTER_IP)).isEqualTo(connections);
        // statistic --probability 1/3 then 1/2 then the rest: each endpoint serves 1/3 of the
        // connections; with 600 trials the count is binomial(600, 1/3), standard deviation 11.5.
        assertThat(served).containsOnlyKeys("ep1", "ep2", "ep3");
        for (int count : served.values()) {
            assertThat(count).isBetween(200 - 50, 200 + 50);
        }
        assertThat(nf.conntrackList().lines().count()).isEqualTo(connections);
    }

    private static void send(NetNamespace client, int sport) {
        Ipv4Spec spec = new Ipv4Spec().addresses(Ipv4Address.parse("10.244.1.2"), CLUSTER_IP).df(false).id(sport);
        ByteBuf frame = client.network().frames().udp(spec, sport, 53, Unpooled.wrappedBuffer(new byte[12]));
        client.stack().send(new Packet(frame, LinkType.ETHERNET).id(client.network().nextPacketId()));
    }

    /** Answers each datagram to where it came from, counting who served it. */
    private record Echo(NetNamespace ns, String name, Map<String, Integer> served) implements TransportHandler {
        @Override
        public void receive(NetNamespace n, Packet p, int ipOffset, int l4Offset) {
            served.merge(name, 1, Integer::sum);
            Ipv4 ip = new Ipv4().wrap(p.buf(), ipOffset);
            Udp udp = new Udp().wrap(p.buf(), l4Offset);
            Ipv4Spec spec = new Ipv4Spec().addresses(ip.dst(), ip.src()).df(false).id(1);
            ByteBuf reply = ns.network().frames().udp(spec, udp.dstPort(), udp.srcPort(), Unpooled.wrappedBuffer(new byte[12]));
            p.release();
            ns.stack().send(new Packet(reply, LinkType.ETHERNET).id(ns.network().nextPacketId()));
        }
    }

    private static KubeProxyRules rules() {
        ServicePort dns = ServicePort.clusterIp("default", "dns", "dns", Protocol.UDP, "10.96.0.10", 53, 5353);
        Map<ServicePortName, List<Endpoint>> endpoints = Map.of(dns.name(), List.of(
                Endpoint.ready("10.244.1.3", 5353, "node1"), Endpoint.ready("10.244.1.4", 5353, "node1"),
                Endpoint.ready("10.244.1.5", 5353, "node1")));
        return new KubeProxy(ProxySettings.defaults("node1", "10.244.0.0/16")).render(List.of(dns), endpoints);
    }

    /** The text without comment lines (the header and footer carry a date). */
    private static String body(String save) {
        return save.lines().filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n"));
    }
}
