package dev.podlab.flannel;

import dev.podlab.packet.Ipv4Address;
import java.util.BitSet;

/**
 * kube-controller-manager's range allocator for {@code Node.spec.podCIDR}
 * ({@code --allocate-node-cidrs --cluster-cidr=NETWORK --node-cidr-mask-size=LEN};
 * pkg/controller/nodeipam/ipam/cidrset/cidr_set.go). The cluster CIDR is cut into
 * {@code 2^(LEN - prefix)} slots; a bitmap records the used ones and {@code nextCandidate}, which
 * starts at 0, remembers where the last search ended. {@link #allocateNext} scans circularly from
 * it and takes the first free slot, so the first node registered gets slot 0 ({@code
 * 10.244.0.0/24}: unlike flannel's etcd mode, the first subnet is not skipped), and a released slot
 * is reused only after the scan has wrapped around.
 */
public final class NodeCidrAllocator {
    private final int clusterCidr;
    private final int subnetLen;
    private final int slots;
    private final BitSet used;
    private int nextCandidate;

    public NodeCidrAllocator(int clusterCidr, int clusterPrefix, int subnetLen) {
        if (subnetLen < clusterPrefix || subnetLen - clusterPrefix > 30) {
            throw new IllegalArgumentException("node mask /" + subnetLen + " does not fit cluster /" + clusterPrefix);
        }
        this.clusterCidr = clusterCidr;
        this.subnetLen = subnetLen;
        this.slots = 1 << (subnetLen - clusterPrefix);
        this.used = new BitSet(slots);
    }

    /** {@code CidrSet.AllocateNext}: the next free subnet's network address, or -1 when every slot is used ({@code CIDRRangeNoCIDRsRemaining}). */
    public long allocateNext() {
        for (int i = 0; i < slots; i++) {
            int candidate = (nextCandidate + i) % slots;
            if (!used.get(candidate)) {
                used.set(candidate);
                nextCandidate = (candidate + 1) % slots;
                return subnet(candidate) & 0xffff_ffffL;
            }
        }
        return -1;
    }

    /** {@code CidrSet.Release}: the slot becomes free; {@code nextCandidate} does not move back. */
    public void release(int subnet) {
        used.clear(slotOf(subnet));
    }

    /** Number of node subnets in the cluster CIDR. */
    public int slots() {
        return slots;
    }

    public int subnetLen() {
        return subnetLen;
    }

    private int subnet(int slot) {
        return clusterCidr + (slot << (32 - subnetLen));
    }

    private int slotOf(int subnet) {
        int slot = (subnet - clusterCidr) >>> (32 - subnetLen);
        if (slot >= slots || subnet(slot) != subnet) {
            throw new IllegalArgumentException(Ipv4Address.toString(subnet) + "/" + subnetLen + " is not a node subnet");
        }
        return slot;
    }
}
