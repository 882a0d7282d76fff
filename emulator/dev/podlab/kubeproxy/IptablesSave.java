package dev.podlab.kubeproxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code iptables-save} prints for the tables kube-proxy owns: rules are parsed the way
 * iptables-restore parses them and printed back the way iptables-save prints a rule
 * ({@code print_rule4} / {@code save_ipv4_addr}, each extension's {@code save}): addresses as
 * {@code a.b.c.d/len}, then {@code -p}, then the matches in the order given, then the target;
 * comments quoted by {@code xtables_save_string}; MARK as {@code --set-xmark}; probabilities
 * after the 31-bit rounding ({@link Probability}).
 *
 * <p>Only the vocabulary kube-proxy writes is understood (comment, tcp/udp/sctp, statistic,
 * recent, mark, conntrack, addrtype, nfacct matches; jumps, ACCEPT/DROP/RETURN, REJECT, DNAT,
 * MARK, MASQUERADE targets). Anything else is rejected with an exception rather than printed
 * wrongly.
 *
 * <p>Layout of a table, as iptables-save prints it: {@code *table}; built-in chains in hook order
 * with policy and counters ({@code :INPUT ACCEPT [0:0]}); user chains sorted by name
 * ({@code :KUBE-… - [0:0]}; libiptc keeps them sorted, as does iptables-nft-save); the
 * {@code -A} lines grouped by chain in that same order; {@code COMMIT}. The {@code # Generated
 * by …} comment lines carry a wall-clock date and are left out.
 */
public final class IptablesSave {
    private IptablesSave() {}

    /** Built-in chains per table in hook order (PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING). */
    static List<String> builtinChains(String table) {
        return switch (table) {
            case "filter" -> List.of("INPUT", "FORWARD", "OUTPUT");
            case "nat" -> List.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING");
            case "mangle" -> List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING");
            case "raw" -> List.of("PREROUTING", "OUTPUT");
            default -> throw new IllegalArgumentException("unknown table " + table);
        };
    }

    /**
     * One table's chains and rules (rules stored in iptables-save form). Mutated by
     * {@link #restore} with {@code --noflush} semantics, and by {@link #ensureChain} /
     * {@link #ensureRuleFirst} for what kube-proxy installs outside iptables-restore.
     */
    public static final class Table {
        private final String name;
        private final Map<String, List<String>> builtins = new LinkedHashMap<>();
        private final Map<String, List<String>> userChains = new TreeMap<>();

        public Table(String name) {
            this.name = name;
            for (String chain : builtinChains(name)) {
                builtins.put(chain, new ArrayList<>());
            }
        }

        public String name() {
            return name;
        }

        private List<String> chain(String chain) {
            List<String> rules = builtins.containsKey(chain) ? builtins.get(chain) : userChains.get(chain);
            if (rules == null) {
                throw new IllegalArgumentException("table " + name + " has no chain " + chain);
            }
            return rules;
        }

        /** {@code iptables -N}, when the chain does not exist yet ({@code EnsureChain}). */
        public void ensureChain(String chain) {
            if (!builtins.containsKey(chain)) {
                userChains.computeIfAbsent(chain, c -> new ArrayList<>());
            }
        }

        /**
         * {@code EnsureRule(Prepend, …)}: {@code iptables -C}, then {@code -I chain} (position 1)
         * if no identical rule exists.
         */
        public void ensureRuleFirst(String restoreRuleLine) {
            String saved = canonicalRule(restoreRuleLine);
            List<String> rules = chain(chainOf(saved));
            if (!rules.contains(saved)) {
                rules.add(0, saved);
            }
        }

        /** The rules of a chain, in iptables-save form. */
        public List<String> rules(String chain) {
            return List.copyOf(chain(chain));
        }

        /** Whether the chain exists. */
        public boolean hasChain(String chain) {
            return builtins.containsKey(chain) || userChains.containsKey(chain);
        }

        /** This table as iptables-save prints it. */
        public void appendTo(StringBuilder out) {
            out.append('*').append(name).append('\n');
            for (String chain : builtins.keySet()) {
                out.append(':').append(chain).append(" ACCEPT [0:0]\n");
            }
            for (String chain : userChains.keySet()) {
                out.append(':').append(chain).append(" - [0:0]\n");
            }
            for (List<String> rules : builtins.values()) {
                rules.forEach(r -> out.append(r).append('\n'));
            }
            for (List<String> rules : userChains.values()) {
                rules.forEach(r -> out.append(r).append('\n'));
            }
            out.append("COMMIT\n");
        }
    }

    /**
     * Applies iptables-restore input to {@code tables} as {@code iptables-restore --noflush} does:
     * {@code :CHAIN} lines create or flush a user chain, {@code -A} appends, {@code -X} deletes;
     * a table is taken from {@code tables} by its {@code *name}.
     */
    public static void restore(String restoreInput, Map<String, Table> tables) {
        Table table = null;
        for (String line : restoreInput.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("*")) {
                table = tables.get(line.substring(1));
                if (table == null) {
                    throw new IllegalArgumentException("no table " + line.substring(1));
                }
            } else if (table == null) {
                throw new IllegalArgumentException("line outside a table: " + line);
            } else if (line.equals("COMMIT")) {
                table = null;
            } else if (line.startsWith(":")) {
                String chain = line.substring(1, line.indexOf(' '));
                if (!table.builtins.containsKey(chain)) {
                    table.userChains.put(chain, new ArrayList<>());
                }
            } else if (line.startsWith("-A ")) {
                String saved = canonicalRule(line);
                table.chain(chainOf(saved)).add(saved);
            } else if (line.startsWith("-X ")) {
                table.userChains.remove(line.substring(3).trim());
            } else {
                throw new IllegalArgumentException("unsupported iptables-restore line: " + line);
            }
        }
    }

    private static String chainOf(String savedRule) {
        int end = savedRule.indexOf(' ', 3);
        return end < 0 ? savedRule.substring(3) : savedRule.substring(3, end);
    }

    /** Prints the tables in order (kube-proxy's view: mangle, filter, nat, the iptables-nft-save order). */
    public static String print(List<Table> tables) {
        StringBuilder out = new StringBuilder();
        tables.forEach(t -> t.appendTo(out));
        return out.toString();
    }

    // ---------------------------------------------------------------- rule canonicalisation

    /**
     * Splits an iptables-restore rule line into arguments as iptables-restore does
     * ({@code add_param_to_argv}): whitespace separates, double quotes group, a backslash
     * escapes the next character.
     */
    public static List<String> tokenize(String line) {
        List<String> args = new ArrayList<>();
        StringBuilder arg = new StringBuilder();
        boolean quoted = false;
        boolean inArg = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                arg.append(line.charAt(++i));
                inArg = true;
            } else if (c == '"') {
                quoted = !quoted;
                inArg = true;
            } else if ((c == ' ' || c == '\t') && !quoted) {
                if (inArg) {
                    args.add(arg.toString());
                    arg.setLength(0);
                    inArg = false;
                }
            } else {
                arg.append(c);
                inArg = true;
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unterminated quote: " + line);
        }
        if (inArg) {
            args.add(arg.toString());
        }
        return args;
    }

    /** {@code xtables_save_string}: bare when only [_-0-9a-zA-Z], else double-quoted with " \ ' escaped. */
    static String saveString(String value) {
        boolean bare = !value.isEmpty();
        for (int i = 0; i < value.length() && bare; i++) {
            char c = value.charAt(i);
            bare = c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        }
        if (bare) {
            return value;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c == '\'') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** A loaded match and the options given to it. */
    private static final class Match {
        final String name;
        final Map<String, String> options = new LinkedHashMap<>();
        final Map<String, Boolean> inverted = new LinkedHashMap<>();

        Match(String name) {
            this.name = name;
        }

        boolean accepts(String option) {
            return switch (name) {
                case "comment" -> option.equals("--comment");
                case "tcp", "udp", "sctp" -> option.equals("--dport") || option.equals("--sport")
                        || option.equals("--destination-port") || option.equals("--source-port");
                case "statistic" -> option.equals("--mode") || option.equals("--probability");
                case "recent" -> switch (option) {
                    case "--name", "--set", "--rcheck", "--update", "--remove", "--seconds", "--reap",
                            "--hitcount", "--rttl", "--mask", "--rsource", "--rdest" -> true;
                    default -> false;
                };
                case "mark" -> option.equals("--mark");
                case "conntrack" -> option.equals("--ctstate");
                case "addrtype" -> option.equals("--src-type") || option.equals("--dst-type");
                case "nfacct" -> option.equals("--nfacct-name");
                default -> throw new IllegalArgumentException("unsupported match -m " + name);
            };
        }

        static boolean takesValue(String option) {
            return switch (option) {
                case "--set", "--rcheck", "--update", "--remove", "--reap", "--rttl", "--rsource", "--rdest" -> false;
                default -> true;
            };
        }

        String save() {
            StringBuilder sb = new StringBuilder(" -m ").append(name);
            switch (name) {
                case "comment" -> sb.append(" --comment ").append(saveString(options.get("--comment")));
                case "tcp", "udp", "sctp" -> {
                    port(sb, "--sport", "--source-port");
                    port(sb, "--dport", "--destination-port");
                }
                case "statistic" -> {
                    if (!"random".equals(options.get("--mode"))) {
                        throw new IllegalArgumentException("unsupported statistic mode " + options.get("--mode"));
                    }
                    sb.append(" --mode random");
                    if (Boolean.TRUE.equals(inverted.get("--probability"))) {
                        sb.append(" !");
                    }
                    sb.append(" --probability ").append(Probability.savedForm(options.get("--probability")));
                }
                case "recent" -> saveRecent(sb);
                case "mark" -> {
                    if (Boolean.TRUE.equals(inverted.get("--mark"))) {
                        sb.append(" !");
                    }
                    sb.append(" --mark ").append(markAndMask(options.get("--mark")));
                }
                case "conntrack" -> {
                    if (Boolean.TRUE.equals(inverted.get("--ctstate"))) {
                        sb.append(" !");
                    }
                    sb.append(" --ctstate ").append(ctstates(options.get("--ctstate")));
                }
                case "addrtype" -> {
                    addrtype(sb, "--src-type");
                    addrtype(sb, "--dst-type");
                }
                case "nfacct" -> sb.append(" --nfacct-name ").append(options.get("--nfacct-name"));
                default -> throw new IllegalArgumentException("unsupported match -m " + name);
            }
            return sb.toString();
        }

        private void port(StringBuilder sb, String option, String longOption) {
            String value = options.containsKey(option) ? options.get(option) : options.get(longOption);
            if (value != null) {
                boolean inv = Boolean.TRUE.equals(inverted.get(option)) || Boolean.TRUE.equals(inverted.get(longOption));
                sb.append(inv ? " ! " : " ").append(option).append(' ').append(value);
            }
        }

        private void addrtype(StringBuilder sb, String option) {
            String value = options.get(option);
            if (value != null) {
                sb.append(Boolean.TRUE.equals(inverted.get(option)) ? " ! " : " ").append(option).append(' ')
                        .append(value.toUpperCase(Locale.ROOT));
            }
        }

        /** libxt_recent {@code recent_save}: mode, --seconds, --hitcount, --rttl, --reap, --name, --mask, side. */
        private void saveRecent(StringBuilder sb) {
            for (String mode : List.of("--set", "--rcheck", "--update", "--remove")) {
                if (options.containsKey(mode)) {
                    if (Boolean.TRUE.equals(inverted.get(mode))) {
                        sb.append(" !");
                    }
                    sb.append(' ').append(mode);
                }
            }
            if (options.containsKey("--seconds")) {
                sb.append(" --seconds ").append(Integer.parseInt(options.get("--seconds")));
            }
            if (options.containsKey("--hitcount")) {
                sb.append(" --hitcount ").append(Integer.parseInt(options.get("--hitcount")));
            }
            if (options.containsKey("--rttl")) {
                sb.append(" --rttl");
            }
            if (options.containsKey("--reap")) {
                sb.append(" --reap");
            }
            sb.append(" --name ").append(options.getOrDefault("--name", "DEFAULT"));
            sb.append(" --mask ").append(options.getOrDefault("--mask", "255.255.255.255"));
            sb.append(options.containsKey("--rdest") ? " --rdest" : " --rsource");
        }
    }

    /** {@code print_mark}: {@code 0x%x/0x%x}, or {@code 0x%x} when the mask is all ones. */
    static String markAndMask(String text) {
        int slash = text.indexOf('/');
        long mark = parseNumber(slash < 0 ? text : text.substring(0, slash));
        long mask = slash < 0 ? 0xffffffffL : parseNumber(text.substring(slash + 1));
        return mask == 0xffffffffL ? "0x" + Long.toHexString(mark)
                : "0x" + Long.toHexString(mark) + "/0x" + Long.toHexString(mask);
    }

    private static long parseNumber(String text) {
        return text.startsWith("0x") || text.startsWith("0X") ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
    }

    /** libxt_conntrack {@code conntrack_print_states} order. */
    private static final List<String> CTSTATE_ORDER =
            List.of("INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT");

    static String ctstates(String list) {
        List<String> given = List.of(list.toUpperCase(Locale.ROOT).split(","));
        for (String s : given) {
            if (!CTSTATE_ORDER.contains(s)) {
                throw new IllegalArgumentException("unknown ctstate " + s);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String s : CTSTATE_ORDER) {
            if (given.contains(s)) {
                sb.append(sb.length() == 0 ? "" : ",").append(s);
            }
        }
        return sb.toString();
    }

    /**
     * One {@code -A chain …} iptables-restore line as iptables-save prints the stored rule.
     *
     * @throws IllegalArgumentException for syntax or extensions outside kube-proxy's vocabulary
     */
    public static String canonicalRule(String restoreLine) {
        List<String> args = tokenize(restoreLine);
        if (args.size() < 2 || !args.get(0).equals("-A")) {
            throw new IllegalArgumentException("not an append rule: " + restoreLine);
        }
        String chain = args.get(1);
        Cidr src = null;
        Cidr dst = null;
        boolean srcInv = false;
        boolean dstInv = false;
        String proto = null;
        boolean protoInv = false;
        List<Match> matches = new ArrayList<>();
        String target = null;
        List<String> targetArgs = new ArrayList<>();
        boolean negate = false;

        for (int i = 2; i < args.size(); i++) {
            String a = args.get(i);
            if (target != null) {
                targetArgs.add(a);
                continue;
            }
            switch (a) {
                case "!" -> {
                    negate = true;
                    continue;
                }
                case "-s", "--source", "--src" -> {
                    src = Cidr.parse(args.get(++i));
                    srcInv = negate;
                }
                case "-d", "--destination", "--dst" -> {
                    dst = Cidr.parse(args.get(++i));
                    dstInv = negate;
                }
                case "-p", "--protocol" -> {
                    proto = args.get(++i).toLowerCase(Locale.ROOT);
                    protoInv = negate;
                }
                case "-m", "--match" -> matches.add(new Match(args.get(++i)));
                case "-j", "--jump" -> target = args.get(++i);
                default -> {
                    if (!a.startsWith("--")) {
                        throw new IllegalArgumentException("unexpected argument \"" + a + "\" in: " + restoreLine);
                    }
                    Match owner = null;
                    for (int m = matches.size() - 1; m >= 0 && owner == null; m--) {
                        if (matches.get(m).accepts(a)) {
                            owner = matches.get(m);
                        }
                    }
                    if (owner == null && proto != null && (proto.equals("tcp") || proto.equals("udp") || proto.equals("sctp"))) {
                        // iptables loads the protocol match implicitly for -p tcp --dport …
                        owner = new Match(proto);
                        matches.add(owner);
                    }
                    if (owner == null) {
                        throw new IllegalArgumentException("no match takes " + a + " in: " + restoreLine);
                    }
                    owner.options.put(a, Match.takesValue(a) ? args.get(++i) : "");
                    owner.inverted.put(a, negate);
                }
            }
            negate = false;
        }

        StringBuilder sb = new StringBuilder("-A ").append(chain);
        if (src != null && (src.prefixLength() != 0 || srcInv)) {
            sb.append(srcInv ? " ! -s " : " -s ").append(src);
        }
        if (dst != null && (dst.prefixLength() != 0 || dstInv)) {
            sb.append(dstInv ? " ! -d " : " -d ").append(dst);
        }
        if (proto != null) {
            sb.append(protoInv ? " ! -p " : " -p ").append(proto);
        }
        for (Match m : matches) {
            sb.append(m.save());
        }
        if (target != null) {
            sb.append(" -j ").append(target).append(saveTarget(target, targetArgs, restoreLine));
        }
        return sb.toString();
    }

    private static String saveTarget(String target, List<String> args, String line) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            boolean flag = a.equals("--random-fully") || a.equals("--random");
            opts.put(a, flag ? "" : args.get(++i));
        }
        switch (target) {
            case "MARK" -> {
                long mark;
                long mask;
                if (opts.containsKey("--or-mark")) {
                    mark = parseNumber(opts.get("--or-mark"));
                    mask = mark;
                } else if (opts.containsKey("--xor-mark")) {
                    mark = parseNumber(opts.get("--xor-mark"));
                    mask = 0;
                } else if (opts.containsKey("--and-mark")) {
                    mark = 0;
                    mask = ~parseNumber(opts.get("--and-mark")) & 0xffffffffL;
                } else if (opts.containsKey("--set-xmark")) {
                    String[] mm = opts.get("--set-xmark").split("/");
                    mark = parseNumber(mm[0]);
                    mask = mm.length > 1 ? parseNumber(mm[1]) : 0xffffffffL;
                } else if (opts.containsKey("--set-mark")) {
                    String[] mm = opts.get("--set-mark").split("/");
                    mark = parseNumber(mm[0]);
                    mask = (mm.length > 1 ? parseNumber(mm[1]) : 0xffffffffL) | mark;
                } else {
                    throw new IllegalArgumentException("MARK without a mark in: " + line);
                }
                return " --set-xmark 0x" + Long.toHexString(mark) + "/0x" + Long.toHexString(mask);
            }
            case "MASQUERADE" -> {
                StringBuilder sb = new StringBuilder();
                if (opts.containsKey("--to-ports")) {
                    sb.append(" --to-ports ").append(opts.get("--to-ports"));
                }
                if (opts.containsKey("--random")) {
                    sb.append(" --random");
                }
                if (opts.containsKey("--random-fully")) {
                    sb.append(" --random-fully");
                }
                return sb.toString();
            }
            case "DNAT" -> {
                return " --to-destination " + opts.get("--to-destination");
            }
            case "REJECT" -> {
                return " --reject-with " + opts.getOrDefault("--reject-with", "icmp-port-unreachable");
            }
            default -> {
                if (!opts.isEmpty()) {
                    throw new IllegalArgumentException("unsupported options for -j " + target + " in: " + line);
                }
                return "";
            }
        }
    }
}
