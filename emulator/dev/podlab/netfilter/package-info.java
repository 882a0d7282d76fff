/**
 * iptables for one network namespace: the tables raw, mangle, nat and filter with their built-in
 * chains, user chains, rules (matches and targets) and ipsets, evaluated as the kernel's
 * {@code ipt_do_table} does, loaded from and printed in the real {@code iptables-save} /
 * {@code ipset save} formats.
 *
 * <ul>
 *   <li>{@link dev.podlab.netfilter.Iptables}: the state of a namespace;
 *       {@code run(TableId, Hook, PacketContext)} walks one table at one hook,
 *       {@code restore}/{@code save}/{@code execute} load and print rules;
 *   <li>{@link dev.podlab.netfilter.PacketContext}: the reusable per-packet input (headers read
 *       through the {@code dev.podlab.packet} views, devices, mark, conntrack state, addrtype
 *       lookup, random source) and output (verdict, REJECT reply, NAT request, LOG/TRACE lines);
 *   <li>{@link dev.podlab.netfilter.Ipset}: the namespace's sets, {@code ipset restore/save/list}.
 * </ul>
 *
 * Conntrack and NAT bindings live in {@code dev.podlab.netfilter.conntrack}: this package only
 * reads the conntrack state a {@code PacketContext} carries and records the NAT a target asks
 * for. Nothing here iterates a hash map: chains print sorted by name, sets in index order,
 * members in address order.
 */
package dev.podlab.netfilter;
