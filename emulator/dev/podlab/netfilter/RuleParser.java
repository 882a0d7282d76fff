package dev.podlab.netfilter;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns iptables arguments into a {@link Rule}, as {@code do_parse}/{@code command_default}
 * (iptables/xshared.c) do: the header options ({@code -s -d -p -i -o -f}, each after an optional
 * {@code !}), {@code -m} loading a match, options offered to the target and then to the loaded
 * matches (latest first), and an unclaimed option loading the implicit match of {@code -p tcp|udp|
 * sctp|icmp}. Unknown matches and targets are errors, never ignored.
 */
final class RuleParser {
    private RuleParser() {}

    /** A cursor over one line's arguments. */
    static final class Args {
        private final List<String> tokens;
        private int pos;

        Args(List<String> tokens, int pos) {
            this.tokens = tokens;
            this.pos = pos;
        }

        boolean hasNext() {
            return pos < tokens.size();
        }

        String next() {
            return tokens.get(pos++);
        }

        int pos() {
            return pos;
        }

        String peek() {
            return pos < tokens.size() ? tokens.get(pos) : null;
        }

        /** The argument of {@code option}. */
        String value(String option) {
            if (pos >= tokens.size()) {
                throw new IptablesException("option \"" + option + "\" requires an argument");
            }
            String v = tokens.get(pos++);
            if (v.equals("!")) {
                throw new IptablesException("Using intrapositioned negation (`" + option
                        + " ! this`) is deprecated in favor of extrapositioned (`! " + option + " this`).");
            }
            return v;
        }
    }

    /** Splits a line into arguments as {@code add_param_to_argv}: whitespace, double quotes, {@code \} escapes inside quotes. */
    static List<String> tokenize(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inToken = false;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '\\' && i + 1 < line.length()) {
                    cur.append(line.charAt(++i));
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cur.append(ch);
                }
                continue;
            }
            if (ch == '"') {
                quoted = true;
                inToken = true;
            } else if (ch == ' ' || ch == '\t') {
                if (inToken) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inToken = false;
                }
            } else {
                cur.append(ch);
                inToken = true;
            }
        }
        if (quoted) {
            throw new IptablesException("Unterminated quoted string");
        }
        if (inToken) {
            out.add(cur.toString());
        }
        return out;
    }

    /**
     * Parses a rule specification.
     *
     * @param table  the (staged) table the rule goes to: jump targets are looked up in it
     * @param chain  the chain the rule goes to (for the built-in {@code -i}/{@code -o} checks)
     */
    static Rule parse(Args a, Table table, String chain, Iptables ipt) {
        Rule r = new Rule();
        List<Match> matches = new ArrayList<>();
        Target target = null;
        boolean invert = false;
        boolean srcSet = false;
        boolean dstSet = false;
        boolean protoSet = false;
        boolean inSet = false;
        boolean outSet = false;
        boolean implicitLoaded = false;
        while (a.hasNext()) {
            String tok = a.next();
            if (tok.equals("!")) {
                if (invert) {
                    throw new IptablesException("multiple consecutive ! not allowed");
                }
                invert = true;
                continue;
            }
            boolean inv = invert;
            invert = false;
            switch (tok) {
                case "-s", "--source", "--src" -> {
                    srcSet = once(srcSet, "-s");
                    long am = Text.parseAddressMask(a.value(tok));
                    r.src = (int) (am >>> 32);
                    r.srcMask = (int) am;
                    r.invSrc = inv;
                }
                case "-d", "--destination", "--dst" -> {
                    dstSet = once(dstSet, "-d");
                    long am = Text.parseAddressMask(a.value(tok));
                    r.dst = (int) (am >>> 32);
                    r.dstMask = (int) am;
                    r.invDst = inv;
                }
                case "-p", "--protocol" -> {
                    protoSet = once(protoSet, "-p");
                    r.proto = Protocols.parse(a.value(tok));
                    r.invProto = inv;
                    if (inv && r.proto == 0) {
                        throw new IptablesException("rule would never match protocol");
                    }
                }
                case "-i", "--in-interface" -> {
                    inSet = once(inSet, "-i");
                    String v = Rule.checkIface(a.value(tok));
                    r.inPrefix = v.endsWith("+");
                    r.inIface = r.inPrefix ? v.substring(0, v.length() - 1) : v;
                    r.invIn = inv;
                }
                case "-o", "--out-interface" -> {
                    outSet = once(outSet, "-o");
                    String v = Rule.checkIface(a.value(tok));
                    r.outPrefix = v.endsWith("+");
                    r.outIface = r.outPrefix ? v.substring(0, v.length() - 1) : v;
                    r.invOut = inv;
                }
                case "-f", "--fragment" -> {
                    if (r.fragment) {
                        throw new IptablesException("multiple -f flags not allowed");
                    }
                    r.fragment = true;
                    r.invFragment = inv;
                }
                case "-m", "--match" -> {
                    Match.requireNoInvert(inv, tok);
                    String name = a.value(tok);
                    Match m = Matches.create(name, ipt);
                    if (m == null) {
                        throw new IptablesException("unsupported match \"-m " + name + "\" (podlab does not emulate it)");
                    }
                    matches.add(m);
                }
                case "-j", "--jump", "-g", "--goto" -> {
                    Match.requireNoInvert(inv, tok);
                    if (target != null) {
                        throw new IptablesException("multiple -j flags not allowed");
                    }
                    target = resolveTarget(a.value(tok), tok.equals("-g") || tok.equals("--goto"), table);
                }
                case "-c", "--set-counters" -> {
                    Match.requireNoInvert(inv, tok);
                    r.packets = Text.parseUnsigned(a.value(tok), Long.MAX_VALUE, "packet counter");
                    r.bytes = Text.parseUnsigned(a.value(tok), Long.MAX_VALUE, "byte counter");
                }
                case "-t", "--table" -> throw new IptablesException("The -t option cannot be used here");
                default -> {
                    if (!tok.startsWith("-")) {
                        throw new IptablesException("Bad argument `" + tok + "'");
                    }
                    boolean done = target != null && target.parse(tok, inv, a);
                    for (int k = matches.size() - 1; k >= 0 && !done; k--) {
                        done = matches.get(k).parse(tok, inv, a);
                    }
                    if (!done && !implicitLoaded && r.proto != 0 && !r.invProto) {
                        Match m = Matches.implicitFor(r.proto);
                        if (m != null && !hasMatch(matches, m.name()) && m.parse(tok, inv, a)) {
                            matches.add(m);
                            implicitLoaded = true;
                            done = true;
                        }
                    }
                    if (!done) {
                        throw new IptablesException("unknown option \"" + tok + "\"");
                    }
                }
            }
        }
        if (invert) {
            throw new IptablesException("trailing ! without an option");
        }
        if ((chain.equals("PREROUTING") || chain.equals("INPUT")) && r.outIface != null) {
            throw new IptablesException("Can't use -o with " + chain);
        }
        if ((chain.equals("POSTROUTING") || chain.equals("OUTPUT")) && r.inIface != null) {
            throw new IptablesException("Can't use -i with " + chain);
        }
        r.setMatches(matches.toArray(new Match[0]));
        r.target = target == null ? Target.NONE : target;
        for (Match m : r.matches) {
            m.finish(r);
        }
        r.target.finish(r);
        String only = r.target.table();
        if (only != null && !only.equals(table.id().tableName())) {
            // xt_check_target
            throw new IptablesException(r.target.name() + " target: only valid in " + only + " table, not "
                    + table.id().tableName());
        }
        r.text = r.buildText();
        return r;
    }

    private static boolean once(boolean seen, String option) {
        if (seen) {
            throw new IptablesException("multiple " + option + " flags not allowed");
        }
        return true;
    }

    private static boolean hasMatch(List<Match> matches, String name) {
        for (Match m : matches) {
            if (m.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static Target resolveTarget(String name, boolean isGoto, Table table) {
        if (table.chain(name) != null && !table.chain(name).isBuiltin()) {
            return new Target.Jump(name, isGoto);
        }
        if (isGoto) {
            throw new IptablesException("goto '" + name + "' is not a chain");
        }
        switch (name) {
            case "ACCEPT":
                return new Target.Standard(Target.KIND_ACCEPT, name);
            case "DROP":
                return new Target.Standard(Target.KIND_DROP, name);
            case "RETURN":
                return new Target.Standard(Target.KIND_RETURN, name);
            default:
                break;
        }
        Target t = Targets.create(name);
        if (t != null) {
            return t;
        }
        if (isKnownTarget(name)) {
            throw new IptablesException("unsupported target \"-j " + name + "\" (podlab does not emulate it)");
        }
        throw new IptablesException("Couldn't load target `" + name + "':No such file or directory");
    }

    /** Targets that exist in iptables but not in podlab, for a precise error. */
    static boolean isKnownTarget(String name) {
        for (String s : Targets.NOT_EMULATED.split(", ")) {
            if (s.equals(name)) {
                return true;
            }
        }
        return name.equals("QUEUE");
    }

    /** True if {@code name} may not be used as a chain name (a standard or extension target). */
    static boolean isTargetName(String name) {
        return name.equals("ACCEPT") || name.equals("DROP") || name.equals("RETURN") || Targets.create(name) != null
                || isKnownTarget(name);
    }
}
