package dev.podlab.netfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.podlab.bench.ClusterScale;
import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;
import dev.podlab.cluster.ClusterPod;
import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.packet.Frames;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/**
 * Connections that walk the same rules with the same result share their kept walks and hook
 * runs, and the sets of them their entries hold: what the flow memo costs a node grows with the
 * paths its traffic takes, not with its connections. (Whether the shared memos replay the right verdicts and counters is
 * FlowMemoDifferentialTest's question.)
 */
class MemoSharingTest {
    private static final int FLOWS = 300;

    @Test
    void manyConnectionsOnOnePathKeepAFewMemos() {
        Cluster cluster = Cluster.build(ClusterScale.topology(3, 2));
        ClusterPod a = cluster.pod("default/pod-0-0");
        ClusterPod b = cluster.pod("default/pod-1-0");
        long[] delivered = new long[1];
        b.netns().sockets().bind(IpProtocol.UDP, 0, 5001, new TransportHandler() {
            @Override
            public void receive(NetNamespace ns, Packet p, int ipOffset, int l4Offset) {
                delivered[0]++;
            }
        });
        Frames frames = cluster.network().frames();
        for (int f = 0; f < FLOWS; f++) {
            for (int i = 0; i < 3; i++) {
                Ipv4Spec spec = new Ipv4Spec().addresses(a.ip(), b.ip()).df(false).id(i);
                a.netns().stack().send(new Packet(frames.udp(spec, 20000 + f, 5001,
                        Unpooled.wrappedBuffer(new byte[22])), LinkType.ETHERNET).csumUnnecessary(true));
                cluster.sim().runUntil(cluster.sim().now() + 10_000L);
            }
        }
        cluster.sim().runUntil(cluster.sim().now() + 1_000_000L);
        assertEquals(3L * FLOWS, delivered[0], "every datagram delivered");
        for (String name : new String[] {"node1", "node2"}) {
            ClusterNode node = cluster.node(name);
            Iptables ipt = node.netfilter().iptables();
            // Each connection's second and third datagrams replay memos: hundreds of replays...
            assertTrue(ipt.flowMemoReplays() > FLOWS, name + ": replays " + ipt.flowMemoReplays());
            // ...out of a handful of memos, the same for every connection of the path.
            assertTrue(ipt.hookMemos.size() <= 8, name + ": hook memos kept " + ipt.hookMemos.size());
            assertTrue(ipt.flowMemos.size() <= 16, name + ": table walks kept " + ipt.flowMemos.size());
            // Each entry holds a set of them, shared too: the memo costs a connection one reference.
            assertTrue(ipt.memoSets.size() <= 32, name + ": memo sets kept " + ipt.memoSets.size());
        }
    }
}
