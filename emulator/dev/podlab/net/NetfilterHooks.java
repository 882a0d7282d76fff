package dev.podlab.net;

import dev.podlab.packet.Packet;

/**
 * The netfilter hook points of a namespace's IPv4 stack ({@code NF_HOOK} in net/ipv4/*.c and
 * net/bridge/br_netfilter_hooks.c). The stack calls {@link #run} at each of the five hooks in the
 * order the kernel does; an implementation runs what is registered there in priority order
 * (raw, conntrack, mangle, nat, filter, confirm) and returns the verdict. It may rewrite the
 * packet (NAT), send packets of its own through the stack (REJECT), or take the packet
 * ({@link #NF_STOLEN}).
 */
public interface NetfilterHooks {
    int NF_DROP = 0;
    int NF_ACCEPT = 1;
    int NF_STOLEN = 2;

    /**
     * Runs the hook.
     *
     * @param ipOffset absolute offset of the IPv4 header in {@code p.buf()}
     * @param in       input device (PREROUTING, INPUT, FORWARD), else null
     * @param out      output device (FORWARD, OUTPUT, POSTROUTING), else null
     * @param physIn   for frames switched by a bridge (br_netfilter): the bridge port it came in on
     * @param physOut  for bridged frames: the bridge port it goes out on
     * @return {@link #NF_ACCEPT}, {@link #NF_DROP} (the caller releases the packet) or
     *         {@link #NF_STOLEN} (the hook took the packet)
     */
    int run(Hook hook, Packet p, int ipOffset, NetDevice in, NetDevice out, NetDevice physIn, NetDevice physOut);

    /** No rules, no conntrack: every hook accepts. */
    NetfilterHooks NONE = (hook, p, ipOffset, in, out, physIn, physOut) -> NF_ACCEPT;
}
