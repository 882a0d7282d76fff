package dev.podlab.policy;

import java.util.Arrays;
import java.util.List;

/**
 * The ipBlock peers of one rule as a binary prefix trie, for at most {@link #MAX_BLOCKS} blocks.
 * Each block {@code b} puts its {@code cidr} in the trie as a positive entry and each of its
 * {@code except} prefixes as a negative entry, both tagged with bit {@code b}. A lookup walks the
 * address's bits from the root; at every node on the way, the entries there replace the state of
 * their blocks, so at the end each block's state is that of its longest matching prefix
 * ("longest prefix wins, per block"), and the address matches when some block ends positive.
 * A negative entry wins over a positive one of the same block on the same node, so a block whose
 * except equals its cidr matches nothing there, as {@link IpBlock#contains} says.
 *
 * <p>Layout: parallel arrays indexed by node ({@code child0}, {@code child1}: node index or 0 for
 * none, node 0 being the root, which no edge points to; {@code touched}: blocks with an entry on
 * the node; {@code positive}: those whose entry is the cidr). A lookup is at most 33 node visits,
 * whatever the number of blocks, and allocates nothing. Built once per rule, never changed.
 */
final class IpBlockTrie extends PeerMatcher {
    /** Blocks per trie: one bit each in a {@code long}. A rule with more gets several tries. */
    static final int MAX_BLOCKS = 64;

    private int[] child0 = new int[8];
    private int[] child1 = new int[8];
    private long[] touched = new long[8];
    private long[] positive = new long[8];
    private int nodes = 1;
    private final List<IpBlock> blocks;

    IpBlockTrie(List<IpBlock> blocks) {
        if (blocks.size() > MAX_BLOCKS) {
            throw new IllegalArgumentException(blocks.size() + " blocks, at most " + MAX_BLOCKS);
        }
        this.blocks = List.copyOf(blocks);
        for (int b = 0; b < blocks.size(); b++) {
            Cidr cidr = blocks.get(b).cidr();
            int node = insert(cidr.network(), cidr.prefixLength());
            touched[node] |= 1L << b;
            positive[node] |= 1L << b;
        }
        for (int b = 0; b < blocks.size(); b++) {
            for (Cidr except : blocks.get(b).except()) {
                int node = insert(except.network(), except.prefixLength());
                touched[node] |= 1L << b;
                positive[node] &= ~(1L << b);
            }
        }
    }

    /** The node of a prefix, created with the path to it if needed. */
    private int insert(int network, int length) {
        int node = 0;
        for (int depth = 0; depth < length; depth++) {
            boolean one = (network >>> (31 - depth) & 1) != 0;
            int next = one ? child1[node] : child0[node];
            if (next == 0) {
                next = newNode();
                if (one) {
                    child1[node] = next;
                } else {
                    child0[node] = next;
                }
            }
            node = next;
        }
        return node;
    }

    private int newNode() {
        if (nodes == child0.length) {
            int n = nodes * 2;
            child0 = Arrays.copyOf(child0, n);
            child1 = Arrays.copyOf(child1, n);
            touched = Arrays.copyOf(touched, n);
            positive = Arrays.copyOf(positive, n);
        }
        return nodes++;
    }

    @Override
    boolean matches(int address) {
        long state = positive[0];
        int node = 0;
        for (int depth = 0; depth < 32; depth++) {
            node = (address >>> (31 - depth) & 1) != 0 ? child1[node] : child0[node];
            if (node == 0) {
                break;
            }
            state = (state & ~touched[node]) | positive[node];
        }
        return state != 0;
    }

    /** Nodes in the trie, the root included. */
    int nodeCount() {
        return nodes;
    }

    @Override
    public String toString() {
        return "ipBlocks " + blocks;
    }
}
