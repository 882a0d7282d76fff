package dev.podlab.flannel;

/**
 * What a flannel backend registered on one node ({@code backend.Network}): the MTU it reports into
 * {@code FLANNEL_MTU}, the lease attributes it publishes, and what it installs when a peer's lease
 * appears ({@code handleSubnetEvents}, event {@code Added}).
 */
interface BackendNetwork {
    /** {@code Network.MTU()}: what pods get. */
    int mtu();

    /** The MAC published in {@code backend-data.VtepMAC}, or 0 for backends without a device. */
    long vtepMac();

    /** The VNI published in {@code backend-data}, or 0. */
    int vni();

    /** A peer's lease appeared: program the routes (and neighbour and FDB entries) that reach its subnet. */
    void added(Lease peer);
}
