package dev.podlab.bench;

import dev.podlab.cluster.Cluster;
import dev.podlab.cluster.ClusterNode;

/**
 * What the flow memo costs in heap: F one-way UDP flows (distinct source ports) from a pod on
 * node 1 to a pod on node 2 of a 3-node flannel VXLAN cluster, D datagrams each (3 unless given), with the memo
 * on and then off in two fresh clusters; the heap held after a full GC, and the difference per
 * flow. Each flow is a conntrack entry on both nodes for the inner datagrams plus the outer VXLAN
 * flows, so the figure is per flow crossing two nodes.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.mainClass=dev.podlab.bench.FlowMemoMemory -Dexec.classpathScope=test -Dexec.args="20000 3"</pre>
 */
public final class FlowMemoMemory {
    private FlowMemoMemory() {}

    static long heapWithFlows(int flows, int datagrams, boolean memo) {
        Runtime rt = Runtime.getRuntime();
        Cluster cluster = Cluster.build(ClusterScale.topology(3, 2));
        for (ClusterNode n : cluster.nodes()) {
            n.netfilter().flowMemo(memo);
        }
        long delivered = ClusterScale.sendFlows(cluster, flows, datagrams, 1024);
        if (delivered < (long) datagrams * flows - 3) { // the first datagrams wait for ARP on both nodes
            throw new IllegalStateException("delivered " + delivered + " of " + (long) datagrams * flows);
        }
        System.gc();
        long heap = rt.totalMemory() - rt.freeMemory();
        // Keep the cluster reachable until measured.
        if (cluster.nodes().isEmpty()) {
            throw new IllegalStateException();
        }
        return heap;
    }

    public static void main(String[] args) {
        int flows = Integer.parseInt(args[0]);
        int datagrams = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        heapWithFlows(100, datagrams, true); // warm the classes up
        System.gc();
        long off = heapWithFlows(flows, datagrams, false);
        System.gc();
        long on = heapWithFlows(flows, datagrams, true);
        System.out.printf("%d flows of %d datagrams: heap %.1f MiB without the memo, %.1f MiB with it: %.0f bytes per flow%n",
                flows, datagrams, off / 1048576.0, on / 1048576.0, (on - off) / (double) flows);
    }
}
