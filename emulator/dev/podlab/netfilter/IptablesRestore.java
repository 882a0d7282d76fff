package dev.podlab.netfilter;

import dev.podlab.net.Hook;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code iptables-restore} (iptables/xtables-restore.c) over an {@link Iptables}: {@code # comments},
 * {@code *table}, chain lines {@code :CHAIN POLICY [packets:bytes]} ({@code -} for user chains),
 * command lines ({@code -A -I -D -R -N -X -F -P -Z}, optionally prefixed with {@code [p:b]}) and
 * {@code COMMIT}. Without {@code --noflush} each table named is replaced entirely; with it, the
 * table is kept and a chain line for an existing chain flushes that chain.
 *
 * <p>Edits go to copies of the tables; nothing is installed unless the whole input is valid.
 */
final class IptablesRestore {
    private static final String PROGRAM = "iptables-restore";

    private final Iptables ipt;
    private final boolean noflush;
    private final boolean counters;
    private final Map<TableId, Table> staged = new EnumMap<>(TableId.class);
    private Table current;
    private int line;

    IptablesRestore(Iptables ipt, boolean noflush, boolean counters) {
        this.ipt = ipt;
        this.noflush = noflush;
        this.counters = counters;
    }

    void run(String text) {
        String[] lines = text.split("\n", -1);
        int count = lines.length;
        if (count > 0 && lines[count - 1].isEmpty()) {
            count--;
        }
        for (int i = 0; i < count; i++) {
            line = i + 1;
            String l = lines[i];
            if (l.endsWith("\r")) {
                l = l.substring(0, l.length() - 1);
            }
            try {
                processLine(l);
            } catch (IptablesException e) {
                throw new IptablesException(PROGRAM + ": line " + line + " failed: " + e.getMessage(), line);
            } catch (Iptables.RuleError e) {
                int at = e.rule.line == 0 ? line : e.rule.line;
                throw new IptablesException(PROGRAM + ": line " + at + " failed: " + e.getMessage(), at);
            }
        }
        if (current != null) {
            throw new IptablesException(PROGRAM + ": COMMIT expected at line " + (count + 1), count + 1);
        }
        ipt.install(staged);
    }

    /** One {@code iptables} command line (with optional {@code -t table} first). */
    void runCommand(String commandLine) {
        List<String> tokens = RuleParser.tokenize(commandLine.trim());
        TableId id = TableId.FILTER;
        int start = 0;
        if (tokens.size() >= 2 && (tokens.get(0).equals("-t") || tokens.get(0).equals("--table"))) {
            id = TableId.byName(tokens.get(1));
            if (id == null) {
                throw new IptablesException("can't initialize iptables table `" + tokens.get(1)
                        + "': Table does not exist (do you need to insmod?)");
            }
            start = 2;
        }
        current = ipt.table(id).copy();
        current.present = true;
        try {
            command(tokens, start);
            Iptables.validate(current);
        } catch (Iptables.RuleError e) {
            throw new IptablesException(e.getMessage());
        }
        Iptables.link(current);
        staged.put(id, current);
        ipt.install(staged);
    }

    private void processLine(String l) {
        String trimmed = l.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
            return;
        }
        if (trimmed.startsWith("*")) {
            if (current != null) {
                throw new IptablesException("table '" + current.id().tableName() + "' was not committed before *"
                        + trimmed.substring(1));
            }
            String name = trimmed.substring(1).strip();
            TableId id = TableId.byName(name);
            if (id == null) {
                throw new IptablesException("can't initialize iptables table `" + name
                        + "': Table does not exist (podlab emulates raw, mangle, nat, filter)");
            }
            Table base = staged.containsKey(id) ? staged.get(id) : ipt.table(id);
            current = noflush ? base.copy() : base.fresh();
            current.present = true;
            return;
        }
        if (current == null) {
            throw new IptablesException("no table specified (a *table line must come first)");
        }
        if (trimmed.equals("COMMIT")) {
            Iptables.validate(current);
            Iptables.link(current);
            staged.put(current.id(), current);
            current = null;
            return;
        }
        if (trimmed.startsWith(":")) {
            chainLine(trimmed.substring(1));
            return;
        }
        List<String> tokens = RuleParser.tokenize(trimmed);
        int start = 0;
        long[] ctr = null;
        if (!tokens.isEmpty() && tokens.get(0).startsWith("[")) {
            ctr = parseCounters(tokens.get(0));
            start = 1;
        }
        Rule added = command(tokens, start);
        if (added != null && ctr != null && counters) {
            added.packets = ctr[0];
            added.bytes = ctr[1];
        }
    }

    /** {@code :CHAIN POLICY [p:b]}. */
    private void chainLine(String rest) {
        List<String> parts = RuleParser.tokenize(rest);
        if (parts.size() < 2) {
            throw new IptablesException("chain line needs a name and a policy");
        }
        String name = parts.get(0);
        String policy = parts.get(1);
        Chain existing = current.chain(name);
        Hook builtinHook = Hook.byChainName(name);
        boolean builtin = builtinHook != null && current.builtin(builtinHook) != null;
        if (builtin) {
            NfVerdict v = parsePolicy(policy, name);
            Chain c = current.chain(name);
            if (!noflush) {
                c.rules.clear();
            }
            c.policy = v;
            if (!c.created) {
                // xtables-restore creates a declared base chain with a counter.
                c.createWithCounter();
            }
            if (counters) {
                if (parts.size() < 3) {
                    throw new IptablesException("invalid policy counters for chain '" + name + "'");
                }
                long[] ctr = parseCounters(parts.get(2));
                if (c.policyCounter) {
                    c.policyPackets = ctr[0];
                    c.policyBytes = ctr[1];
                }
            }
            return;
        }
        if (!policy.equals("-")) {
            throw new IptablesException("Can't set policy `" + policy + "' on `" + name + "': Bad built-in chain name");
        }
        if (existing != null) {
            if (!noflush) {
                throw new IptablesException("Chain already exists: " + name);
            }
            existing.rules.clear();
            return;
        }
        checkChainName(name);
        current.userChains.put(name, new Chain(current, name, null));
    }

    private static NfVerdict parsePolicy(String policy, String chain) {
        return switch (policy) {
            case "ACCEPT" -> NfVerdict.ACCEPT;
            case "DROP" -> NfVerdict.DROP;
            default -> throw new IptablesException("Bad policy name `" + policy + "' for chain " + chain);
        };
    }

    private static long[] parseCounters(String s) {
        int colon = s.indexOf(':');
        if (!s.startsWith("[") || !s.endsWith("]") || colon < 0) {
            throw new IptablesException("bad counters \"" + s + "\"");
        }
        try {
            return new long[] {Long.parseUnsignedLong(s.substring(1, colon)), Long.parseUnsignedLong(s.substring(colon + 1, s.length() - 1))};
        } catch (NumberFormatException e) {
            throw new IptablesException("bad counters \"" + s + "\"");
        }
    }

    private static void checkChainName(String name) {
        if (name.length() > Chain.MAX_NAME_LENGTH) {
            throw new IptablesException("chain name `" + name + "' too long (must be under " + (Chain.MAX_NAME_LENGTH + 1) + " chars)");
        }
        if (name.isEmpty() || name.startsWith("-") || name.startsWith("!")) {
            throw new IptablesException("Invalid chain name `" + name + "'");
        }
        if (RuleParser.isTargetName(name)) {
            throw new IptablesException("chain name may not clash with target name");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isWhitespace(name.charAt(i))) {
                throw new IptablesException("Invalid chain name `" + name + "'");
            }
        }
    }

    /** Runs one command on {@link #current}; returns the rule it added, if any. */
    private Rule command(List<String> tokens, int start) {
        if (start >= tokens.size()) {
            throw new IptablesException("no command specified");
        }
        String cmd = tokens.get(start);
        RuleParser.Args a = new RuleParser.Args(tokens, start + 1);
        switch (cmd) {
            case "-A", "--append" -> {
                Chain c = chain(a.value(cmd));
                Rule r = rule(a, c);
                c.rules.add(r);
                return r;
            }
            case "-I", "--insert" -> {
                Chain c = chain(a.value(cmd));
                int at = 1;
                String p = a.peek();
                if (p != null && !p.isEmpty() && Character.isDigit(p.charAt(0))) {
                    at = Text.parseDecimal(a.next(), 1, Integer.MAX_VALUE, "rule number");
                }
                if (at > c.rules.size() + 1) {
                    throw new IptablesException("Index of insertion too big.");
                }
                Rule r = rule(a, c);
                c.rules.add(at - 1, r);
                return r;
            }
            case "-R", "--replace" -> {
                Chain c = chain(a.value(cmd));
                int at = Text.parseDecimal(a.value(cmd), 1, Integer.MAX_VALUE, "rule number");
                if (at > c.rules.size()) {
                    throw new IptablesException("Index of replacement too big.");
                }
                Rule r = rule(a, c);
                c.rules.set(at - 1, r);
                return r;
            }
            case "-D", "--delete" -> {
                Chain c = chain(a.value(cmd));
                String p = a.peek();
                if (p != null && !p.isEmpty() && Character.isDigit(p.charAt(0)) && tokens.size() == a.pos() + 1) {
                    int at = Text.parseDecimal(a.next(), 1, Integer.MAX_VALUE, "rule number");
                    if (at > c.rules.size()) {
                        throw new IptablesException("Index of deletion too big.");
                    }
                    c.rules.remove(at - 1);
                    return null;
                }
                String spec = rule(a, c).text;
                for (int i = 0; i < c.rules.size(); i++) {
                    if (c.rules.get(i).text.equals(spec)) {
                        c.rules.remove(i);
                        return null;
                    }
                }
                throw new IptablesException("Bad rule (does a matching rule exist in that chain?).");
            }
            case "-N", "--new-chain" -> {
                String name = a.value(cmd);
                if (current.chain(name) != null) {
                    throw new IptablesException("Chain already exists.");
                }
                checkChainName(name);
                current.userChains.put(name, new Chain(current, name, null));
                noMore(a);
                return null;
            }
            case "-X", "--delete-chain" -> {
                if (a.hasNext()) {
                    deleteChain(chain(a.next()));
                    noMore(a);
                } else {
                    for (Chain c : List.copyOf(current.userChainList())) {
                        deleteChain(c);
                    }
                }
                return null;
            }
            case "-F", "--flush" -> {
                if (a.hasNext()) {
                    chain(a.next()).rules.clear();
                    noMore(a);
                } else {
                    for (Chain c : current.chains()) {
                        c.rules.clear();
                    }
                }
                return null;
            }
            case "-Z", "--zero" -> {
                List<Chain> which = a.hasNext() ? List.of(chain(a.next())) : current.chains();
                noMore(a);
                for (Chain c : which) {
                    c.policyPackets = 0;
                    c.policyBytes = 0;
                    for (Rule r : c.rules) {
                        r.packets = 0;
                        r.bytes = 0;
                    }
                }
                return null;
            }
            case "-P", "--policy" -> {
                String name = a.value(cmd);
                Chain c = current.chain(name);
                if (c == null || !c.isBuiltin()) {
                    throw new IptablesException("Bad built-in chain name");
                }
                c.policy = parsePolicy(a.value(cmd), name);
                // -P sends the base chain with a counter, creating or updating it.
                c.createWithCounter();
                noMore(a);
                return null;
            }
            case "-t", "--table" -> throw new IptablesException("The -t option (seen in line " + line
                    + ") cannot be used in " + PROGRAM + ".");
            default -> throw new IptablesException("unsupported command \"" + cmd + "\" (podlab supports -A -I -R -D -N -X -F -Z -P)");
        }
    }

    private static void noMore(RuleParser.Args a) {
        if (a.hasNext()) {
            throw new IptablesException("Bad argument `" + a.next() + "'");
        }
    }

    private Chain chain(String name) {
        Chain c = current.chain(name);
        if (c == null) {
            throw new IptablesException("Chain '" + name + "' does not exist");
        }
        if (c.isBuiltin() && !c.created) {
            // iptables-nft creates a missing base chain for the command, without a counter.
            c.createImplicitly();
        }
        return c;
    }

    private Rule rule(RuleParser.Args a, Chain c) {
        Rule r = RuleParser.parse(a, current, c.name(), ipt);
        r.line = line;
        r.chain = c;
        return r;
    }

    private void deleteChain(Chain c) {
        if (c.isBuiltin()) {
            throw new IptablesException("Can't delete built-in chain " + c.name());
        }
        if (!c.rules.isEmpty()) {
            throw new IptablesException("Directory not empty: chain " + c.name() + " is not empty");
        }
        for (Chain other : current.chains()) {
            for (Rule r : other.rules) {
                if (r.target instanceof Target.Jump j && j.name().equals(c.name())) {
                    throw new IptablesException("Too many links: chain " + c.name() + " is referenced from chain "
                            + other.name());
                }
            }
        }
        current.userChains.remove(c.name());
    }
}
