package dev.podlab.policy;

import java.util.Arrays;
import java.util.List;

/**
 * A union of ipBlock peers — each a {@code cidr} minus its {@code except} prefixes — as one binary
 * prefix trie answering in at most 33 node visits, however many blocks it holds. Every cidr and
 * every except of every block is a node; each node carries the verdict for addresses whose
 * longest stored prefix it is, computed once at build time:
 *
 * <p>For a block, an address's state is that of the block's longest prefix matching it (its cidr:
 * in, one of its excepts: out; an except equal to the cidr: out). Every block's prefixes are
 * nodes of the trie, so for an address whose deepest matching node is {@code N}, each block's
 * longest matching prefix is {@code N} or one of its ancestors: every block's state, and so the
 * union's verdict (some block in), is a function of {@code N} alone. A depth-first walk carries
 * each block's state down the trie (undoing on the way back) and stores the verdict per node.
 *
 * <p>This is what lets a table segment merge the ipBlocks of many rules (of many policies) into
 * one matcher: a lookup no longer grows with the number of blocks. Build cost: linear in the
 * prefixes times 32. Layout: parallel arrays indexed by node ({@code child0}, {@code child1}: node
 * index or 0 for none, node 0 being the root; {@code verdict}). Immutable once built.
 */
final class IpBlockTrie extends PeerMatcher {
    private int[] child0 = new int[8];
    private int[] child1 = new int[8];
    private boolean[] verdict = new boolean[8];
    /** Per node, the first of its entries (index into the entry arrays), or -1; entries chain by {@code nextEntry}. */
    private int[] firstEntry = new int[8];
    private int nodes = 1;
    private final List<IpBlock> blocks;

    IpBlockTrie(List<IpBlock> blocks) {
        this.blocks = List.copyOf(blocks);
        Arrays.fill(firstEntry, -1);
        int entries = 0;
        for (IpBlock b : blocks) {
            entries += 1 + b.except().size();
        }
        int[] entryBlock = new int[entries];
        boolean[] entryIn = new boolean[entries];
        int[] nextEntry = new int[entries];
        int e = 0;
        for (int b = 0; b < blocks.size(); b++) {
            // The cidr first, then the excepts: on one node the later entry wins, so an except
            // equal to its cidr keeps the block out there.
            e = entry(blocks.get(b).cidr(), b, true, e, entryBlock, entryIn, nextEntry);
            for (Cidr except : blocks.get(b).except()) {
                e = entry(except, b, false, e, entryBlock, entryIn, nextEntry);
            }
        }
        fillVerdicts(entryBlock, entryIn, nextEntry);
        firstEntry = null;
    }

    private int entry(Cidr prefix, int block, boolean in, int e, int[] entryBlock, boolean[] entryIn, int[] nextEntry) {
        int node = insert(prefix.network(), prefix.prefixLength());
        entryBlock[e] = block;
        entryIn[e] = in;
        // Appended at the tail so entries apply in insertion order.
        nextEntry[e] = -1;
        if (firstEntry[node] < 0) {
            firstEntry[node] = e;
        } else {
            int last = firstEntry[node];
            while (nextEntry[last] >= 0) {
                last = nextEntry[last];
            }
            nextEntry[last] = e;
        }
        return e + 1;
    }

    /** The depth-first walk: each block's state carried down, the count of blocks in, undone on return. */
    private void fillVerdicts(int[] entryBlock, boolean[] entryIn, int[] nextEntry) {
        boolean[] state = new boolean[blocks.size()];
        int[] in = {0};
        int[] undoBlock = new int[entryBlock.length];
        boolean[] undoState = new boolean[entryBlock.length];
        walk(0, state, in, undoBlock, undoState, 0, entryBlock, entryIn, nextEntry);
    }

    private int walk(int node, boolean[] state, int[] in, int[] undoBlock, boolean[] undoState, int top,
            int[] entryBlock, boolean[] entryIn, int[] nextEntry) {
        int mark = top;
        for (int e = firstEntry[node]; e >= 0; e = nextEntry[e]) {
            int b = entryBlock[e];
            undoBlock[top] = b;
            undoState[top] = state[b];
            top++;
            if (state[b] != entryIn[e]) {
                in[0] += entryIn[e] ? 1 : -1;
                state[b] = entryIn[e];
            }
        }
        verdict[node] = in[0] > 0;
        if (child0[node] != 0) {
            top = walk(child0[node], state, in, undoBlock, undoState, top, entryBlock, entryIn, nextEntry);
        }
        if (child1[node] != 0) {
            top = walk(child1[node], state, in, undoBlock, undoState, top, entryBlock, entryIn, nextEntry);
        }
        while (top > mark) {
            top--;
            int b = undoBlock[top];
            if (state[b] != undoState[top]) {
                in[0] += undoState[top] ? 1 : -1;
                state[b] = undoState[top];
            }
        }
        return top;
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
            verdict = Arrays.copyOf(verdict, n);
            int old = firstEntry.length;
            firstEntry = Arrays.copyOf(firstEntry, n);
            Arrays.fill(firstEntry, old, n, -1);
        }
        return nodes++;
    }

    @Override
    boolean matches(int address) {
        boolean v = verdict[0];
        int node = 0;
        for (int depth = 0; depth < 32; depth++) {
            node = (address >>> (31 - depth) & 1) != 0 ? child1[node] : child0[node];
            if (node == 0) {
                break;
            }
            v = verdict[node];
        }
        return v;
    }

    /** The blocks this trie holds, for merging tries. */
    List<IpBlock> blocks() {
        return blocks;
    }

    /** Node {@code node}'s child for bit 0 (0: none; node 0 is the root). */
    int child0(int node) {
        return child0[node];
    }

    int child1(int node) {
        return child1[node];
    }

    /** The union's verdict for addresses whose deepest matching node is {@code node}. */
    boolean verdict(int node) {
        return verdict[node];
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
