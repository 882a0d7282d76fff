/**
 * flannel as kube-flannel runs it ({@code --kube-subnet-mgr --ip-masq}): node subnets from the
 * controller-manager's range allocator, flanneld's vxlan (with or without DirectRouting) and
 * host-gw backends, its iptables rules, and the flannel → bridge + host-local CNI chain. Entry
 * point: {@link dev.podlab.flannel.FlannelCni}, found by the cluster through
 * {@link java.util.ServiceLoader} under the name {@code flannel}. Every value follows
 * shared/reference/flannel.md.
 */
package dev.podlab.flannel;
