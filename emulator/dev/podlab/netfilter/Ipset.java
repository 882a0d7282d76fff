package dev.podlab.netfilter;

import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ipsets of one network namespace, with the {@code ipset} command, {@code ipset restore},
 * {@code ipset save} and {@code ipset list} formats (ipset's lib/ and src/). Sets are kept in
 * index order: a new set takes the lowest free index, as {@code ip_set_create} does, and save and
 * list print in that order. Members are printed in ascending address (then protocol, port)
 * order: the kernel prints hash-bucket order, which depends on a random {@code initval}.
 *
 * <p>Supported: family inet; hash:ip, hash:net (with {@code nomatch}), hash:ip,port,
 * hash:net,port, list:set; options hashsize, maxelem, bucketsize, initval, {@code timeout 0} and
 * {@code comment}. Entry timeouts other than 0 (expiry), counters, skbinfo, netmask and inet6 are
 * refused with an error.
 */
public final class Ipset {
    /** IPSET_DIM_MAX */
    static final int MAX_DIM = 6;
    /** IPSET_MAXNAMELEN 32 including the NUL. */
    static final int MAX_NAME_LENGTH = 31;

    private final List<IpSet> slots = new ArrayList<>();
    private final Map<String, IpSet> byName = new HashMap<>(); // lookups only, never iterated
    private Iptables owner;

    void attach(Iptables iptables) {
        this.owner = iptables;
    }

    /** The set called {@code name}, or null. */
    public IpSet get(String name) {
        return byName.get(name);
    }

    /** All sets in index order. */
    public List<IpSet> sets() {
        List<IpSet> out = new ArrayList<>();
        for (IpSet s : slots) {
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** Recomputes reference counts: rules with {@code -m set} and list:set memberships. */
    void recountReferences() {
        for (IpSet s : sets()) {
            s.references = 0;
        }
        if (owner != null) {
            for (Rule r : owner.allRules()) {
                for (Match m : r.matches) {
                    if (m instanceof SetMatch sm) {
                        sm.set().references++;
                    }
                }
            }
        }
        for (IpSet s : sets()) {
            if (s.type == IpSet.Type.LIST_SET) {
                for (IpSet m : s.members()) {
                    m.references++;
                }
            }
        }
    }

    // ================================================================== commands

    /**
     * {@code ipset restore [-exist]}: one command per line ({@code create add del flush destroy swap
     * rename}, or their short forms), {@code #} comments ignored. Lines run in order; the first
     * error stops the restore with {@code ipset v7.17: Error in line N: <reason>} and the lines
     * before it stay applied, as with the real tool.
     */
    public void restore(String text, boolean exist) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            if (l.equals("COMMIT")) {
                continue;
            }
            try {
                command(RuleParser.tokenize(l), exist);
            } catch (IptablesException e) {
                throw new IptablesException("ipset v7.17: Error in line " + (i + 1) + ": " + e.getMessage(), i + 1);
            }
        }
    }

    public void restore(String text) {
        restore(text, false);
    }

    /** One {@code ipset} command line without the program name, e.g. {@code add KUBE-X 10.0.0.1}. */
    public void execute(String commandLine) {
        List<String> tokens = RuleParser.tokenize(commandLine.strip());
        boolean exist = tokens.remove("-exist") | tokens.remove("-!");
        command(tokens, exist);
    }

    private void command(List<String> t, boolean exist) {
        if (t.remove("-exist") | t.remove("-!")) {
            exist = true;
        }
        if (t.isEmpty()) {
            return;
        }
        if (owner != null) {
            owner.changed(); // set contents decide matches: walks kept for flows are void
        }
        String cmd = t.get(0);
        switch (cmd) {
            case "create", "n", "-N", "--create" -> create(t, exist);
            case "add", "a", "-A", "--add" -> addDel(t, true, exist);
            case "del", "d", "-D", "--del" -> addDel(t, false, exist);
            case "flush", "f", "-F", "--flush" -> {
                if (t.size() > 1) {
                    existing(t.get(1)).flush();
                } else {
                    for (IpSet s : sets()) {
                        s.flush();
                    }
                }
                recountReferences();
            }
            case "destroy", "x", "-X", "--destroy" -> {
                if (t.size() > 1) {
                    destroy(existing(t.get(1)));
                } else {
                    for (IpSet s : sets()) {
                        if (s.references > 0) {
                            throw new IptablesException("Set cannot be destroyed: it is in use by a kernel component");
                        }
                    }
                    slots.clear();
                    byName.clear();
                }
            }
            case "swap", "w", "-W", "--swap" -> {
                arity(t, 3);
                IpSet a = existing(t.get(1));
                IpSet b = existing(t.get(2));
                if (a.type.dimension != b.type.dimension || a.type.isNet() != b.type.isNet()
                        || a.type.hasPort() != b.type.hasPort() || (a.type == IpSet.Type.LIST_SET) != (b.type == IpSet.Type.LIST_SET)) {
                    throw new IptablesException("The sets cannot be swapped: their type does not match");
                }
                a.swapContents(b);
                recountReferences();
            }
            case "rename", "e", "-E", "--rename" -> {
                arity(t, 3);
                IpSet a = existing(t.get(1));
                if (byName.containsKey(t.get(2))) {
                    throw new IptablesException("Set cannot be renamed: a set with the new name already exists");
                }
                byName.remove(a.name());
                a.rename(t.get(2));
                byName.put(a.name(), a);
            }
            default -> throw new IptablesException("Unknown command `" + cmd + "'");
        }
    }

    private static void arity(List<String> t, int n) {
        if (t.size() < n) {
            throw new IptablesException("Syntax error: " + t.get(0) + " needs " + (n - 1) + " set names");
        }
        if (t.size() > n) {
            throw new IptablesException("Unknown argument: `" + t.get(n) + "'");
        }
    }

    private IpSet existing(String name) {
        IpSet s = byName.get(name);
        if (s == null) {
            throw new IptablesException("The set with the given name does not exist");
        }
        return s;
    }

    private void destroy(IpSet s) {
        if (s.references > 0) {
            throw new IptablesException("Set cannot be destroyed: it is in use by a kernel component");
        }
        slots.set(slots.indexOf(s), null);
        byName.remove(s.name());
    }

    private void create(List<String> t, boolean exist) {
        if (t.size() < 3) {
            throw new IptablesException("Syntax error: create needs a set name and a type");
        }
        String name = t.get(1);
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IptablesException("Syntax error: setname '" + name + "' is longer than " + MAX_NAME_LENGTH + " characters");
        }
        IpSet.Type type = IpSet.Type.parse(t.get(2));
        if (type == null) {
            throw new IptablesException("Syntax error: unsupported set type \"" + t.get(2)
                    + "\" (podlab emulates hash:ip, hash:net, hash:ip,port, hash:net,port, list:set)");
        }
        IpSet s = new IpSet(name, type);
        for (int i = 3; i < t.size(); i++) {
            String o = t.get(i);
            switch (o) {
                case "family" -> {
                    String f = value(t, ++i, o);
                    if (!f.equals("inet") && !f.equals("ipv4")) {
                        throw new IptablesException("Syntax error: family " + f + " is not supported by podlab (inet only)");
                    }
                }
                case "hashsize" -> {
                    long v = Text.parseUnsigned(value(t, ++i, o), 0xffffffffL, "hashsize");
                    // htable_bits: rounded up to a power of two, at least 64 (IPSET_MIMINAL_HASHSIZE).
                    long p = Math.max(64, Long.highestOneBit(Math.max(1, v - 1)) << 1);
                    s.hashsize = (int) Math.min(p, 1L << 30);
                }
                case "maxelem" -> s.maxelem = (int) Text.parseUnsigned(value(t, ++i, o), 0x7fffffffL, "maxelem");
                case "size" -> s.listSize = (int) Text.parseUnsigned(value(t, ++i, o), 0x7fffffffL, "size");
                case "bucketsize" -> s.bucketsize = (int) Text.parseUnsigned(value(t, ++i, o), 64, "bucketsize");
                case "initval" -> s.initval = Text.parseUnsigned(value(t, ++i, o), 0xffffffffL, "initval");
                case "timeout" -> {
                    s.withTimeout = true;
                    s.timeout = (int) Text.parseUnsigned(value(t, ++i, o), 2147483L, "timeout");
                    if (s.timeout != 0) {
                        throw new IptablesException("timeout " + s.timeout + ": podlab does not emulate ipset entry expiry (only timeout 0)");
                    }
                }
                case "comment" -> s.withComment = true;
                default -> throw new IptablesException("Unknown argument: `" + o + "'"
                        + (o.equals("counters") || o.equals("skbinfo") || o.equals("netmask") || o.equals("forceadd")
                        ? " (not emulated by podlab)" : ""));
            }
        }
        IpSet old = byName.get(name);
        if (old != null) {
            if (exist && old.type == type) {
                return;
            }
            throw new IptablesException("Set cannot be created: set with the same name already exists");
        }
        int free = slots.indexOf(null);
        if (free >= 0) {
            slots.set(free, s);
        } else {
            slots.add(s);
        }
        byName.put(name, s);
    }

    private static String value(List<String> t, int i, String option) {
        if (i >= t.size()) {
            throw new IptablesException("Syntax error: argument expected after " + option);
        }
        return t.get(i);
    }

    private void addDel(List<String> t, boolean add, boolean exist) {
        if (t.size() < 3) {
            throw new IptablesException("Syntax error: " + t.get(0) + " needs a set name and an entry");
        }
        IpSet s = existing(t.get(1));
        String entry = t.get(2);
        boolean isNomatch = false;
        String comment = null;
        for (int i = 3; i < t.size(); i++) {
            String o = t.get(i);
            switch (o) {
                case "nomatch" -> {
                    if (!s.type.isNet()) {
                        throw new IptablesException("Unknown argument: `nomatch'");
                    }
                    isNomatch = true;
                }
                case "timeout" -> {
                    if (!s.withTimeout) {
                        throw new IptablesException("Syntax error: timeout cannot be used: set was created without timeout support");
                    }
                    long v = Text.parseUnsigned(value(t, ++i, o), 2147483L, "timeout");
                    if (v != 0) {
                        throw new IptablesException("timeout " + v + ": podlab does not emulate ipset entry expiry (only timeout 0)");
                    }
                }
                case "comment" -> {
                    if (!s.withComment) {
                        throw new IptablesException("Syntax error: comment cannot be used: set was created without comment support");
                    }
                    comment = value(t, ++i, o);
                }
                case "before", "after" -> throw new IptablesException("Unknown argument: `" + o + "' (not emulated by podlab)");
                default -> throw new IptablesException("Unknown argument: `" + o + "'");
            }
        }
        if (s.type == IpSet.Type.LIST_SET) {
            IpSet m = byName.get(entry);
            if (m == null) {
                throw new IptablesException("Set to be added/deleted/tested as element does not exist.");
            }
            if (m.type == IpSet.Type.LIST_SET) {
                throw new IptablesException("Sets with list:set type cannot be added to the set.");
            }
            if (add) {
                if (s.members().contains(m)) {
                    if (!exist) {
                        throw new IptablesException("Element cannot be added to the set: it's already added");
                    }
                } else if (s.members().size() >= s.listSize) {
                    throw new IptablesException("Hash is full, cannot add more elements");
                } else {
                    s.members().add(m);
                }
            } else if (!s.members().remove(m) && !exist) {
                throw new IptablesException("Element cannot be deleted from the set: it's not added");
            }
            recountReferences();
            return;
        }
        List<long[]> keys = parseEntry(s.type, entry);
        for (long[] k : keys) {
            int cidr = (int) k[1];
            if (add) {
                if (s.size() >= s.maxelem && !s.isNomatch(cidr, k[0])) {
                    throw new IptablesException("Hash is full, cannot add more elements");
                }
                boolean wasNomatch = s.isNomatch(cidr, k[0]);
                if (!s.addKey(cidr, k[0], isNomatch, comment) && !exist && wasNomatch == isNomatch) {
                    throw new IptablesException("Element cannot be added to the set: it's already added");
                }
            } else if (!s.removeKey(cidr, k[0]) && !exist) {
                throw new IptablesException("Element cannot be deleted from the set: it's not added");
            }
        }
    }

    /** The (key, cidr) pairs an entry denotes; hash:ip and the port types expand ranges. */
    private static List<long[]> parseEntry(IpSet.Type type, String entry) {
        String addrPart = entry;
        long protoPortFrom = 0;
        long protoPortTo = 0;
        if (type.hasPort()) {
            int comma = entry.indexOf(',');
            if (comma < 0) {
                throw new IptablesException("Syntax error: cannot parse " + entry + ": resolving to IPv4 address failed");
            }
            addrPart = entry.substring(0, comma);
            String pp = entry.substring(comma + 1);
            int proto = IpProtocol.TCP;
            int colon = pp.indexOf(':');
            if (colon >= 0) {
                proto = switch (pp.substring(0, colon)) {
                    case "tcp" -> IpProtocol.TCP;
                    case "udp" -> IpProtocol.UDP;
                    case "sctp" -> IpProtocol.SCTP;
                    default -> throw new IptablesException("Syntax error: protocol " + pp.substring(0, colon)
                            + " is not supported by podlab (tcp, udp, sctp)");
                };
                pp = pp.substring(colon + 1);
            }
            int dash = pp.indexOf('-');
            int lo = Text.parsePort(dash < 0 ? pp : pp.substring(0, dash));
            int hi = dash < 0 ? lo : Text.parsePort(pp.substring(dash + 1));
            if (lo > hi) {
                throw new IptablesException("Syntax error: port range " + pp + " is reversed");
            }
            protoPortFrom = (long) proto << 16 | lo;
            protoPortTo = (long) proto << 16 | hi;
        }
        List<long[]> out = new ArrayList<>();
        int slash = addrPart.indexOf('/');
        int dash = addrPart.indexOf('-');
        if (type.isNet()) {
            int cidr = 32;
            String a = addrPart;
            if (slash >= 0) {
                a = addrPart.substring(0, slash);
                cidr = Text.parseDecimal(addrPart.substring(slash + 1), 1, 32, "cidr");
            }
            if (dash >= 0) {
                throw new IptablesException("Syntax error: address ranges are not supported by podlab for " + type.text());
            }
            int addr = parseAddr(a) & Ipv4Address.mask(cidr);
            for (long pp = protoPortFrom; pp <= protoPortTo; pp++) {
                out.add(new long[] {(addr & 0xffffffffL) << 24 | pp, cidr});
            }
            return out;
        }
        long first;
        long last;
        if (slash >= 0) {
            int cidr = Text.parseDecimal(addrPart.substring(slash + 1), 1, 32, "cidr");
            int addr = parseAddr(addrPart.substring(0, slash)) & Ipv4Address.mask(cidr);
            first = addr & 0xffffffffL;
            last = first + (1L << (32 - cidr)) - 1;
        } else if (dash >= 0) {
            first = parseAddr(addrPart.substring(0, dash)) & 0xffffffffL;
            last = parseAddr(addrPart.substring(dash + 1)) & 0xffffffffL;
            if (first > last) {
                throw new IptablesException("Syntax error: range " + addrPart + " is reversed");
            }
        } else {
            first = last = parseAddr(addrPart) & 0xffffffffL;
        }
        if ((last - first + 1) * (protoPortTo - protoPortFrom + 1) > 65536) {
            throw new IptablesException("Hash is full, cannot add more elements");
        }
        for (long a = first; a <= last; a++) {
            for (long pp = protoPortFrom; pp <= protoPortTo; pp++) {
                out.add(new long[] {a << 24 | pp, 32});
            }
        }
        return out;
    }

    private static int parseAddr(String s) {
        try {
            return Ipv4Address.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IptablesException("Syntax error: cannot parse " + s + ": resolving to IPv4 address failed");
        }
    }

    // ================================================================== output

    /** {@code ipset save}: per set, its {@code create} line followed by its {@code add} lines. */
    public String save() {
        StringBuilder sb = new StringBuilder();
        for (IpSet s : sets()) {
            sb.append("create ").append(s.name()).append(' ').append(s.type.text());
            header(sb, s);
            sb.append('\n');
            for (String m : memberTexts(s)) {
                sb.append("add ").append(s.name()).append(' ').append(m).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * {@code ipset list}: Name, Type, Revision, Header, Size in memory, References, Number of
     * entries, Members; sets separated by a blank line. "Size in memory" is podlab's estimate of
     * the kernel's allocation (the real value depends on slab sizes).
     */
    public String list() {
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (IpSet s : sets()) {
            if (!first) {
                sb.append('\n');
            }
            first = false;
            sb.append("Name: ").append(s.name()).append('\n');
            sb.append("Type: ").append(s.type.text()).append('\n');
            sb.append("Revision: ").append(s.type.revision).append('\n');
            sb.append("Header:");
            int mark = sb.length();
            header(sb, s);
            if (sb.length() == mark) {
                sb.append(' ');
            }
            sb.append('\n');
            sb.append("Size in memory: ").append(memoryEstimate(s)).append('\n');
            sb.append("References: ").append(s.references()).append('\n');
            sb.append("Number of entries: ").append(s.size()).append('\n');
            sb.append("Members:\n");
            for (String m : memberTexts(s)) {
                sb.append(m).append('\n');
            }
        }
        return sb.toString();
    }

    private static void header(StringBuilder sb, IpSet s) {
        if (s.type == IpSet.Type.LIST_SET) {
            sb.append(" size ").append(s.listSize);
        } else {
            sb.append(" family inet hashsize ").append(s.hashsize).append(" maxelem ").append(s.maxelem);
            if (s.bucketsize > 0) {
                sb.append(" bucketsize ").append(s.bucketsize);
            }
            if (s.initval >= 0) {
                sb.append(" initval 0x").append(String.format("%08x", s.initval));
            }
        }
        if (s.withTimeout) {
            sb.append(" timeout ").append(s.timeout);
        }
        if (s.withComment) {
            sb.append(" comment");
        }
    }

    private static long memoryEstimate(IpSet s) {
        return s.type == IpSet.Type.LIST_SET ? 88 + 16L * s.size() : 200 + 16L * s.size();
    }

    private static List<String> memberTexts(IpSet s) {
        List<String> out = new ArrayList<>();
        if (s.type == IpSet.Type.LIST_SET) {
            for (IpSet m : s.members()) {
                out.add(m.name());
            }
            return out;
        }
        for (long[] e : s.sortedEntries()) {
            long key = e[0];
            int cidr = (int) e[1];
            StringBuilder sb = new StringBuilder();
            Ipv4Address.appendTo(sb, (int) (key >>> 24));
            if (s.type.isNet() && cidr != 32) {
                sb.append('/').append(cidr);
            }
            if (s.type.hasPort()) {
                int proto = (int) (key >>> 16) & 0xff;
                sb.append(',').append(IpProtocol.name(proto).toLowerCase(java.util.Locale.ROOT)).append(':')
                        .append(key & 0xffff);
            }
            if (s.withTimeout) {
                sb.append(" timeout 0");
            }
            if (s.isNomatch(cidr, key)) {
                sb.append(" nomatch");
            }
            String c = s.comment(cidr, key);
            if (c != null) {
                sb.append(" comment \"").append(c).append('"');
            }
            out.add(sb.toString());
        }
        return out;
    }
}
