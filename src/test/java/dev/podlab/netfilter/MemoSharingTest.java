package dev.podlab.netfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.podlab.bench.ClusterScale;
import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;
import org.junit.jupiter.api.Test;

/**
 * Connections that walk the same rules with the same result share their kept walks and hook
 * runs, and the sets of them their entries hold: what the flow memo costs a node grows with the
 * paths its traffic takes, not with its connections. (Whether the shared memos replay the right
 * verdicts and counters is FlowMemoDifferentialTest's question.)
 */
class MemoSharingTest {
    private static final int FLOWS = 300;

    @Test
    void manyConnectionsOnOnePathKeepAFewMemos() {
        Cluster cluster = Cluster.build(ClusterScale.topology(3, 2));
        assertEquals(3L * FLOWS, ClusterScale.sendFlows(cluster, FLOWS, 3, 20000), "every datagram delivered");
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
