package dev.podlab.flannel;

import dev.podlab.packet.Ipv4Address;
import java.util.BitSet;

/**
 * The {@code host-local} IPAM plugin for one node's range, as the flannel CNI plugin configures it
 * ({@code ranges: [[{subnet: FLANNEL_SUBNET}]]}; containernetworking/plugins
 * plugins/ipam/host-local/backend/allocator): the range is the subnet without its network and
 * broadcast addresses ({@code .1}-{@code .254} of a /24), the gateway ({@code .1}) is never handed
 * out, and allocation continues after the last reserved address ({@code lastReservedIP}, stored per
 * network) and wraps, so the first pod gets {@code .2}, the next {@code .3}, and a released address
 * is reused only after the range has wrapped around.
 */
final class HostLocalIpam {
    private final int subnet;
    private final int prefix;
    private final int gateway;
    private final int rangeStart;
    private final int rangeEnd;
    private final BitSet reserved;
    private int lastReserved;

    HostLocalIpam(int subnet, int prefix) {
        this.subnet = subnet;
        this.prefix = prefix;
        this.gateway = subnet + 1;
        this.rangeStart = subnet + 1;
        this.rangeEnd = (subnet | ~Ipv4Address.mask(prefix)) - 1;
        this.reserved = new BitSet(rangeEnd - rangeStart + 1);
        this.lastReserved = 0;
    }

    int gateway() {
        return gateway;
    }

    /** {@code Allocator.Get}: the next free address after the last reserved one, or 0 when the range is full. */
    int allocate() {
        int size = rangeEnd - rangeStart + 1;
        int start = lastReserved == 0 ? 0 : lastReserved - rangeStart + 1;
        for (int i = 0; i < size; i++) {
            int offset = (start + i) % size;
            int candidate = rangeStart + offset;
            if (candidate == gateway || reserved.get(offset)) {
                continue;
            }
            reserved.set(offset);
            lastReserved = candidate;
            return candidate;
        }
        return 0;
    }

    /** {@code Allocator.Release}: the address is free again (reused only after wrap-around). */
    void release(int address) {
        if (address >= rangeStart && address <= rangeEnd) {
            reserved.clear(address - rangeStart);
        }
    }

    /** The range as host-local's error message names it: {@code 10.244.1.1-10.244.1.254}. */
    String rangeText() {
        return Ipv4Address.toString(rangeStart) + "-" + Ipv4Address.toString(rangeEnd);
    }

    int prefix() {
        return prefix;
    }

    int subnet() {
        return subnet;
    }
}
