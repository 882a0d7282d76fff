/**
 * kube-proxy in iptables mode: the rules it writes for Services on one node.
 *
 * <p>{@link dev.podlab.kubeproxy.KubeProxy#render} mirrors {@code Proxier.syncProxyRules}
 * (kubernetes/kubernetes pkg/proxy/iptables/proxier.go, 1.30/1.31 layout) and returns
 * {@link dev.podlab.kubeproxy.KubeProxyRules}: the verbatim iptables-restore input, the jump
 * rules it ensures in built-in chains, and the node's {@code iptables-save} view
 * ({@link dev.podlab.kubeproxy.IptablesSave}). Chain names are
 * {@link dev.podlab.kubeproxy.ChainNames}; endpoint probabilities, written and as the kernel
 * stores them, are {@link dev.podlab.kubeproxy.Probability}. The output is text; loading it
 * into the netfilter engine is the integrator's step.
 */
package dev.podlab.kubeproxy;
