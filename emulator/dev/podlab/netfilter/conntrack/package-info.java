/**
 * Connection tracking and NAT of an emulated Linux node, mirroring net/netfilter/nf_conntrack_*.c
 * and nf_nat_*.c.
 *
 * <ul>
 *   <li>{@link dev.podlab.netfilter.conntrack.Conntrack}: one per network namespace;
 *       {@code in} at PREROUTING/OUTPUT, {@code confirm} at INPUT/POSTROUTING, {@code gc} at
 *       {@code nextDeadlineNs} in virtual time.
 *   <li>{@link dev.podlab.netfilter.conntrack.PacketConntrack}: what a packet carries between the
 *       hooks ({@code skb->_nfct}); {@code stateBits()} for {@code -m conntrack --ctstate}.
 *   <li>{@link dev.podlab.netfilter.conntrack.Nat}: bindings from the nat table's requests
 *       ({@link dev.podlab.netfilter.conntrack.NatRange}), null bindings, packet rewriting.
 *   <li>{@link dev.podlab.netfilter.conntrack.ConntrackListing}: {@code conntrack -L}.
 * </ul>
 *
 * Deterministic: fixed hashing, dump in bucket order, NAT port offsets from a seeded stream; no
 * wall clock.
 */
package dev.podlab.netfilter.conntrack;
