package dev.podlab.netfilter.conntrack;

/**
 * One of the two hash nodes of an entry ({@code struct nf_conntrack_tuple_hash}): the tuple of one
 * direction, the entry it belongs to and the next node in the same bucket chain. An entry is found
 * through either of its nodes; the node's {@link #dir} says which direction the packet travels
 * ({@code NF_CT_DIRECTION}). The node is the tuple: its fields are read in place.
 */
final class TupleHash extends Tuple {
    final ConntrackEntry ct;
    final int dir;
    TupleHash next;

    TupleHash(ConntrackEntry ct, int dir) {
        this.ct = ct;
        this.dir = dir;
    }

    boolean matches(int src, int dst, int protocol, int srcPort, int dstPort) {
        return this.src == src && this.dst == dst && this.srcPort == srcPort && this.dstPort == dstPort
                && this.protocol == protocol;
    }
}
