package dev.podlab.cluster;

import dev.podlab.trace.TraceEvent;

/**
 * A NetworkPolicy enforcer: the node agent that turns policies into each node's filter rules
 * (Calico's Felix, kube-router's network policy controller). A CNI names the enforcer it runs
 * with ({@link Cni#policyEnforcer()}); implementations are found by that name with
 * {@link java.util.ServiceLoader}, so the core knows none of them and none of the policy
 * semantics. One instance serves one cluster.
 *
 * <p>The cluster calls {@link #start} once, after every node is set up and every pod attached,
 * then {@link #changed} after each change of what policies depend on (a pod added, deleted or
 * relabelled, a namespace added or relabelled, a policy applied or deleted). The enforcer reads
 * the cluster's current state and reprograms what changed, as its watch would; the change is
 * there for enforcers that update incrementally.
 */
public interface PolicyEnforcer {
    /** What changed, by kind, with the object's namespace (null for a Namespace) and name. */
    record Change(Kind kind, String namespace, String name) {
        public enum Kind { POD_ADDED, POD_DELETED, POD_LABELS, NAMESPACE, POLICY_APPLIED, POLICY_DELETED }
    }

    /** The name a CNI gives ({@code calico-felix}). */
    String name();

    /** Programs every node from the cluster as built. */
    void start(Cluster cluster);

    /** Brings the nodes up to date after {@code change}. */
    void changed(Cluster cluster, Change change);

    /**
     * One line naming the policies behind a drop the enforcer's rules made, for probe output
     * ({@code ingress of default/nginx: isolated by default/deny-all; no rule allows ...}); null
     * when the drop is not the enforcer's.
     *
     * @param drop the trace event of the drop (node, chain and rule in its detail)
     * @param src  source address of the dropped packet
     * @param dst  destination address (after DNAT)
     * @param protocol IP protocol number
     * @param dstPort  destination port, 0 when the protocol has none
     */
    default String explainDrop(Cluster cluster, TraceEvent drop, int src, int dst, int protocol, int dstPort) {
        return null;
    }
}
