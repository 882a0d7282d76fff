package dev.podlab.netfilter;

import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Address;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One ipset (net/netfilter/ipset/): hash:ip, hash:net, hash:ip,port, hash:net,port or list:set,
 * family inet. Members live in primitive-keyed {@link LongHashSet}s, one per prefix length for
 * the net types, so a membership test allocates nothing. hash:net and hash:net,port test the
 * prefix lengths present from the longest to the shortest and the first hit decides, so a more
 * specific {@code nomatch} entry excludes addresses from a wider one ({@code mtype_test_cidrs}).
 *
 * <p>Key layout: address (32 bits) shifted left 24, protocol (8 bits) shifted left 16, port (16
 * bits); the plain types use protocol and port 0.
 */
public final class IpSet {
    /** The set types podlab emulates, with the kernel's revision of each (Linux 5.11+). */
    public enum Type {
        HASH_IP("hash:ip", 1, 6),
        HASH_NET("hash:net", 1, 7),
        HASH_IP_PORT("hash:ip,port", 2, 6),
        HASH_NET_PORT("hash:net,port", 2, 8),
        LIST_SET("list:set", 0, 3);

        private final String text;
        final int dimension;
        final int revision;

        Type(String text, int dimension, int revision) {
            this.text = text;
            this.dimension = dimension;
            this.revision = revision;
        }

        public String text() {
            return text;
        }

        boolean isNet() {
            return this == HASH_NET || this == HASH_NET_PORT;
        }

        boolean hasPort() {
            return this == HASH_IP_PORT || this == HASH_NET_PORT;
        }

        static Type parse(String s) {
            for (Type t : values()) {
                if (t.text.equals(s)) {
                    return t;
                }
            }
            return null;
        }
    }

    private String name;
    // Everything below is the set's content, exchanged by swap.
    Type type;
    int hashsize = 1024;
    int maxelem = 65536;
    int listSize = 8;
    boolean withTimeout;
    int timeout;
    boolean withComment;
    int bucketsize;
    long initval = -1;
    private LongHashSet[] match = new LongHashSet[33];
    private LongHashSet[] nomatch = new LongHashSet[33];
    private int[] cidrCount = new int[33];
    /** Prefix lengths present, longest first. */
    private int[] cidrs = new int[0];
    private int size;
    private Map<Long, String> comments = new HashMap<>();
    private List<IpSet> members = new ArrayList<>();
    int references;

    IpSet(String name, Type type) {
        this.name = name;
        this.type = type;
    }

    public String name() {
        return name;
    }

    void rename(String newName) {
        this.name = newName;
    }

    public Type type() {
        return type;
    }

    /** Number of entries. */
    public int size() {
        return type == Type.LIST_SET ? members.size() : size;
    }

    /** Rules and list:sets referring to this set. */
    public int references() {
        return references;
    }

    List<IpSet> members() {
        return members;
    }

    // ------------------------------------------------------------------ test (datapath)

    /**
     * {@code ip_set_test}: does the packet's address (and port) of the directions in
     * {@code srcBits} (bit i: dimension i+1 from the source) belong to the set?
     */
    boolean test(PacketContext c, int srcBits, int dim, boolean returnNomatch) {
        if (dim < type.dimension) {
            return false;
        }
        int addr = (srcBits & 1) != 0 ? c.src : c.dst;
        switch (type) {
            case HASH_IP:
                return match[32] != null && match[32].contains((addr & 0xffffffffL) << 24);
            case HASH_IP_PORT: {
                long pk = portKey(c, (srcBits & 2) != 0);
                return pk >= 0 && match[32] != null && match[32].contains((addr & 0xffffffffL) << 24 | pk);
            }
            case HASH_NET:
                return lookupNet(addr, 0, returnNomatch);
            case HASH_NET_PORT: {
                long pk = portKey(c, (srcBits & 2) != 0);
                return pk >= 0 && lookupNet(addr, pk, returnNomatch);
            }
            default: {
                List<IpSet> m = members;
                for (int i = 0; i < m.size(); i++) {
                    if (m.get(i).test(c, srcBits, dim, returnNomatch)) {
                        return true;
                    }
                }
                return false;
            }
        }
    }

    private boolean lookupNet(int addr, long pk, boolean returnNomatch) {
        int[] cs = cidrs;
        for (int i = 0; i < cs.length; i++) {
            int cidr = cs[i];
            long key = (addr & Ipv4Address.mask(cidr) & 0xffffffffL) << 24 | pk;
            if (match[cidr] != null && match[cidr].contains(key)) {
                return !returnNomatch;
            }
            if (nomatch[cidr] != null && nomatch[cidr].contains(key)) {
                return returnNomatch;
            }
        }
        return false;
    }

    /** {@code ip_set_get_ip4_port}: protocol << 16 | port, or -1 when the packet has none to offer. */
    private static long portKey(PacketContext c, boolean src) {
        int p = c.protocol;
        boolean ported = p == IpProtocol.TCP || p == IpProtocol.UDP || p == IpProtocol.SCTP;
        if (c.fragOffset != 0) {
            return ported || p == IpProtocol.ICMP ? -1 : (long) p << 16;
        }
        if (ported) {
            return c.l4Ok ? (long) p << 16 | (src ? c.srcPort : c.dstPort) : -1;
        }
        if (p == IpProtocol.ICMP) {
            return c.l4Ok ? (long) p << 16 | c.icmpType << 8 | c.icmpCode : -1;
        }
        return (long) p << 16;
    }

    // ------------------------------------------------------------------ content

    /** Adds one member key at {@code cidr}; false if present. */
    boolean addKey(int cidr, long key, boolean isNomatch, String comment) {
        LongHashSet[] target = isNomatch ? nomatch : match;
        LongHashSet[] other = isNomatch ? match : nomatch;
        if (other[cidr] != null && other[cidr].remove(key)) {
            // Re-adding with the other flag replaces the entry (kernel: the nomatch flag is updated).
            cidrCount[cidr]--;
            size--;
        }
        if (target[cidr] == null) {
            target[cidr] = new LongHashSet(type.isNet() ? 16 : Math.max(16, hashsize));
        }
        if (!target[cidr].add(key)) {
            return false;
        }
        if (cidrCount[cidr]++ == 0) {
            recomputeCidrs();
        }
        size++;
        if (comment != null) {
            comments.put(commentKey(cidr, key), comment);
        }
        return true;
    }

    boolean removeKey(int cidr, long key) {
        boolean removed = match[cidr] != null && match[cidr].remove(key)
                || nomatch[cidr] != null && nomatch[cidr].remove(key);
        if (!removed) {
            return false;
        }
        size--;
        comments.remove(commentKey(cidr, key));
        if (--cidrCount[cidr] == 0) {
            recomputeCidrs();
        }
        return true;
    }

    boolean isNomatch(int cidr, long key) {
        return nomatch[cidr] != null && nomatch[cidr].contains(key);
    }

    String comment(int cidr, long key) {
        return comments.get(commentKey(cidr, key));
    }

    private static long commentKey(int cidr, long key) {
        return (long) cidr << 58 ^ key;
    }

    private void recomputeCidrs() {
        int n = 0;
        int[] cs = new int[33];
        for (int cidr = 32; cidr >= 0; cidr--) {
            if (cidrCount[cidr] > 0) {
                cs[n++] = cidr;
            }
        }
        cidrs = Arrays.copyOf(cs, n);
    }

    void flush() {
        match = new LongHashSet[33];
        nomatch = new LongHashSet[33];
        cidrCount = new int[33];
        cidrs = new int[0];
        size = 0;
        comments = new HashMap<>();
        members = new ArrayList<>();
    }

    /** Member entries (cidr, key) in ascending key order, longest prefix first for equal keys. */
    long[][] sortedEntries() {
        List<long[]> out = new ArrayList<>();
        for (int cidr = 32; cidr >= 0; cidr--) {
            for (LongHashSet s : new LongHashSet[] {match[cidr], nomatch[cidr]}) {
                if (s != null) {
                    for (long k : s.sortedKeys()) {
                        out.add(new long[] {k, cidr});
                    }
                }
            }
        }
        out.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(b[1], a[1]));
        return out.toArray(new long[0][]);
    }

    /** {@code ip_set_swap}: the two sets exchange content; names (and references) stay. */
    void swapContents(IpSet o) {
        Type t = type;
        type = o.type;
        o.type = t;
        int i = hashsize;
        hashsize = o.hashsize;
        o.hashsize = i;
        i = maxelem;
        maxelem = o.maxelem;
        o.maxelem = i;
        i = listSize;
        listSize = o.listSize;
        o.listSize = i;
        boolean b = withTimeout;
        withTimeout = o.withTimeout;
        o.withTimeout = b;
        i = timeout;
        timeout = o.timeout;
        o.timeout = i;
        b = withComment;
        withComment = o.withComment;
        o.withComment = b;
        i = bucketsize;
        bucketsize = o.bucketsize;
        o.bucketsize = i;
        long l = initval;
        initval = o.initval;
        o.initval = l;
        LongHashSet[] s = match;
        match = o.match;
        o.match = s;
        s = nomatch;
        nomatch = o.nomatch;
        o.nomatch = s;
        int[] a = cidrCount;
        cidrCount = o.cidrCount;
        o.cidrCount = a;
        a = cidrs;
        cidrs = o.cidrs;
        o.cidrs = a;
        i = size;
        size = o.size;
        o.size = i;
        Map<Long, String> m = comments;
        comments = o.comments;
        o.comments = m;
        List<IpSet> ms = members;
        members = o.members;
        o.members = ms;
    }

    @Override
    public String toString() {
        return name + " " + type.text;
    }
}
