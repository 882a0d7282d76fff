package dev.podlab.netfilter;

import dev.podlab.net.Hook;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The iptables state of one network namespace: the tables raw, mangle, nat and filter, and the
 * namespace's {@link Ipset}s that {@code -m set} refers to.
 *
 * <p>Running a hook: {@link #run(TableId, Hook, PacketContext)} walks one table's built-in chain
 * as {@code ipt_do_table} (net/ipv4/netfilter/ip_tables.c) does; the datapath calls it at each
 * table's priority, with conntrack in between (see {@link TableId}). {@link #run(Hook, PacketContext)}
 * walks all tables of a hook in priority order for callers without conntrack.
 *
 * <p>Loading rules: {@link #restore} takes {@code iptables-restore} input; {@link #save} prints
 * {@code iptables-save} output; {@link #execute} runs one {@code iptables} command line.
 */
public final class Iptables {
    /** The version iptables-save prints by default. */
    public static final String DEFAULT_VERSION = "1.8.9 (nf_tables)";

    private final Table[] tables = new Table[TableId.values().length];
    private final Ipset ipsets;
    private final PinnedBpf bpf = new PinnedBpf();
    /** Raised by every commit and every ipset command: see {@link #stamp()}. */
    private long generation;
    /** See {@link #flowMemoReplays()}. */
    long replays;
    /** Hook memos whose replays counted packets their rules do not show yet. */
    private final ArrayList<HookMemo> unsettled = new ArrayList<>();
    /** The table walks and hook runs kept for connections, shared between them. */
    final MemoInterner<FlowMemo> flowMemos = new MemoInterner<>(FlowMemo::new);
    final MemoInterner<HookMemo> hookMemos = new MemoInterner<>(HookMemo::new);
    /** The sets of them conntrack entries hold, shared the same way. */
    final MemoInterner<FlowMemo.Memos> memoSets = new MemoInterner<>(FlowMemo.Memos::new);

    /** A namespace with its own empty ipset registry. */
    public Iptables() {
        this(new Ipset());
    }

    public Iptables(Ipset ipsets) {
        this.ipsets = ipsets;
        for (TableId id : TableId.values()) {
            tables[id.ordinal()] = new Table(id);
            tables[id.ordinal()].owner = this;
        }
        ipsets.attach(this);
    }

    public Table table(TableId id) {
        return tables[id.ordinal()];
    }

    public Ipset ipsets() {
        return ipsets;
    }

    /** The BPF programs pinned in this namespace's bpffs, for {@code -m bpf --object-pinned}. */
    public PinnedBpf bpf() {
        return bpf;
    }

    /**
     * A number that changes whenever a table walk could decide differently for the same packet:
     * raised by every commit, every ipset command, every pin and unpin of a BPF program and every
     * change a pinned {@link PinnedBpf.FlowProgram} reports. Its parts only grow, so equal stamps
     * mean nothing changed in between. {@link FlowMemo} keeps a walk's outcome under it.
     */
    public long stamp() {
        return generation + bpf.versions();
    }

    /** Table walks replayed from a connection's {@link FlowMemo} instead of walked. */
    public long flowMemoReplays() {
        return replays;
    }

    /** {@code m} has replays to add to its rules' counters: see {@link #settleCounters()}. */
    void defer(HookMemo m) {
        unsettled.add(m);
    }

    /**
     * Adds to the rules' and chains' counters what hook-memo replays counted since the last
     * settlement. Called before anything reads or rewrites counters: {@code iptables-save},
     * every commit, and the counters' getters.
     */
    void settleCounters() {
        for (int i = 0, n = unsettled.size(); i < n; i++) {
            unsettled.get(i).settled();
        }
        unsettled.clear();
    }

    /** Something a rule reads changed outside a commit (an ipset command). */
    void changed() {
        generation++;
    }

    // ====================================================================== evaluation

    /**
     * Runs {@code table}'s built-in chain for {@code hook} over the packet in {@code c}:
     * {@code ipt_do_table}. Rules are tried in order; a rule whose header part and matches all
     * accept the packet has its counters incremented and its target applied: ACCEPT/DROP (and
     * REJECT, NAT targets) end the walk, a jump pushes a return point, a goto does not, RETURN
     * (or falling off a user chain) pops one, and an empty stack falls to the built-in chain's
     * policy, whose counters are incremented. Non-terminal targets (LOG, TRACE, MARK) continue.
     * A match that cannot read its header drops the packet ({@code hotdrop}).
     *
     * <p>The verdict, the REJECT type, the NAT request and the deciding rule are also left in
     * {@code c}. Allocates nothing unless a LOG or TRACE line is written.
     *
     * @throws IllegalArgumentException if the table has no chain at this hook
     */
    public NfVerdict run(TableId tableId, Hook hook, PacketContext c) {
        Table table = tables[tableId.ordinal()];
        Chain start = table.builtins[hook.ordinal()];
        if (start == null) {
            throw new IllegalArgumentException("table " + tableId.tableName() + " has no " + hook + " chain");
        }
        c.parse();
        c.hook = hook;
        c.hotdrop = false;
        c.rejectWith = null;
        c.variant = false;
        c.countedRules = 0;
        c.policyCounted = null;
        NfVerdict v = doTable(tableId.tableName(), start, c);
        c.verdict = v;
        return v;
    }

    /**
     * Runs every table registered at {@code hook} in priority order (raw -300, mangle -150, nat
     * -100 for PREROUTING/OUTPUT, filter 0, nat 100 for INPUT/POSTROUTING), stopping at the first
     * DROP. The nat table is walked only for a packet whose conntrack state is NEW or RELATED and
     * whose entry is not yet confirmed (the first packet of a connection, see
     * netfilter-conntrack.md section 2); conntrack itself is not part of this walk.
     */
    public NfVerdict run(Hook hook, PacketContext c) {
        c.resetResults();
        for (TableId id : HOOK_ORDER[hook.ordinal()]) {
            if (id == TableId.NAT && !natApplies(c)) {
                continue;
            }
            if (run(id, hook, c) == NfVerdict.DROP) {
                return NfVerdict.DROP;
            }
        }
        c.verdict = NfVerdict.ACCEPT;
        return NfVerdict.ACCEPT;
    }

    private static boolean natApplies(PacketContext c) {
        return (c.ctState == Ct.STATE_NEW || c.ctState == Ct.STATE_RELATED) && (c.ctStatus & Ct.IPS_CONFIRMED) == 0;
    }

    private static final TableId[][] HOOK_ORDER = new TableId[Hook.values().length][];

    static {
        for (Hook h : Hook.values()) {
            List<TableId> ids = new ArrayList<>();
            for (TableId id : TableId.values()) {
                if (id.hasHook(h)) {
                    ids.add(id);
                }
            }
            ids.sort((a, b) -> Integer.compare(a.priority(h), b.priority(h)));
            HOOK_ORDER[h.ordinal()] = ids.toArray(new TableId[0]);
        }
    }

    /** The walk of {@code ipt_do_table} from built-in chain {@code start}. */
    private static NfVerdict doTable(String tableName, Chain start, PacketContext c) {
        Chain chain = start;
        Rule[] rules = chain.compiled;
        int i = 0;
        int sp = 0;
        for (;;) {
            if (i < rules.length) {
                Rule r = rules[i];
                if (r.variant) {
                    c.variant = true;
                }
                if (!r.matches(c)) {
                    if (c.hotdrop) {
                        c.variant = true;
                        return decide(c, tableName, chain, i + 1, NfVerdict.DROP);
                    }
                    i++;
                    continue;
                }
                r.packets++;
                r.bytes += c.length;
                c.counted(r);
                if (c.trace) {
                    trace(c, tableName, chain.name(), "rule", i + 1);
                }
                Target t = r.target;
                switch (t.kind()) {
                    case Target.KIND_ACCEPT:
                        return decide(c, tableName, chain, i + 1, NfVerdict.ACCEPT);
                    case Target.KIND_DROP:
                        return decide(c, tableName, chain, i + 1, NfVerdict.DROP);
                    case Target.KIND_RETURN:
                        if (sp == 0) {
                            return policy(tableName, start, c);
                        }
                        sp--;
                        chain = c.stackChain[sp];
                        i = c.stackIndex[sp];
                        rules = chain.compiled;
                        continue;
                    case Target.KIND_JUMP:
                        c.pushFrame(sp++, chain, i + 1);
                        chain = ((Target.Jump) t).chain;
                        rules = chain.compiled;
                        i = 0;
                        continue;
                    case Target.KIND_GOTO:
                        chain = ((Target.Jump) t).chain;
                        rules = chain.compiled;
                        i = 0;
                        continue;
                    case Target.KIND_EXTENSION: {
                        int v = t.execute(c, r);
                        if (v == Target.CONTINUE) {
                            i++;
                            continue;
                        }
                        return decide(c, tableName, chain, i + 1, v == Target.VERDICT_ACCEPT ? NfVerdict.ACCEPT : NfVerdict.DROP);
                    }
                    default:
                        i++;
                        continue;
                }
            }
            if (chain.isBuiltin()) {
                return policy(tableName, chain, c);
            }
            // Falling off a user chain: its implicit RETURN.
            if (c.trace) {
                trace(c, tableName, chain.name(), "return", rules.length + 1);
            }
            if (sp == 0) {
                return policy(tableName, start, c);
            }
            sp--;
            chain = c.stackChain[sp];
            i = c.stackIndex[sp];
            rules = chain.compiled;
        }
    }

    private static NfVerdict policy(String tableName, Chain builtin, PacketContext c) {
        if (builtin.policyCounter) {
            builtin.policyPackets++;
            builtin.policyBytes += c.length;
            c.policyCounted = builtin;
        }
        if (c.trace) {
            trace(c, tableName, builtin.name(), "policy", builtin.compiled.length + 1);
        }
        return decide(c, tableName, builtin, 0, builtin.policy);
    }

    private static NfVerdict decide(PacketContext c, String table, Chain chain, int rule, NfVerdict v) {
        c.decidingTable = table;
        c.decidingChain = chain.name();
        c.decidingRule = rule;
        return v;
    }

    /** {@code trace_packet}/{@code nf_log_trace}: "TRACE: table:chain:type:rulenum " plus the packet. */
    private static void trace(PacketContext c, String table, String chain, String type, int number) {
        StringBuilder sb = new StringBuilder(160).append("TRACE: ").append(table).append(':').append(chain)
                .append(':').append(type).append(':').append(number).append(' ');
        Targets.dumpPacket(sb, c, false);
        c.log(new NfLog(4, table, chain, number, sb.toString()));
    }

    // ====================================================================== loading

    /** {@code iptables-restore} (flushing each table it names) of {@code text}. */
    public void restore(String text) {
        restore(text, false, false);
    }

    /**
     * {@code iptables-restore [--noflush] [--counters]}. All tables in the input are committed
     * together, or none (the nf_tables backend sends one batch); on error the state is unchanged.
     *
     * @throws IptablesException naming the line, e.g.
     *         {@code iptables-restore: line 12 failed: unsupported match "-m recent"}
     */
    public void restore(String text, boolean noflush, boolean counters) {
        settleCounters();
        new IptablesRestore(this, noflush, counters).run(text);
    }

    /**
     * Runs one {@code iptables} command (without the program name), e.g.
     * {@code -t nat -A POSTROUTING -o eth0 -j MASQUERADE} or {@code -P FORWARD DROP}.
     *
     * @throws IptablesException with iptables' message for the error
     */
    public void execute(String commandLine) {
        settleCounters();
        new IptablesRestore(this, true, false).runCommand(commandLine);
    }

    /** {@code iptables-save} output with the default version string and the given date. */
    public String save(String date) {
        return IptablesSave.save(this, DEFAULT_VERSION, date, false);
    }

    /**
     * {@code iptables-save [-c]}.
     *
     * @param version e.g. {@code "1.8.9 (nf_tables)"}, printed after "v"
     * @param date    the text {@code ctime} would print, e.g. {@code "Mon Mar  4 10:00:00 2024"}
     * @param counters print rule counters ({@code -c})
     */
    public String save(String version, String date, boolean counters) {
        settleCounters();
        return IptablesSave.save(this, version, date, counters);
    }

    // ====================================================================== commit

    /**
     * Checks a staged table as the kernel's {@code translate_table}/{@code mark_source_chains} and
     * {@code xt_check_match}/{@code xt_check_target} would, then links and installs it. Errors name
     * the rule's input line.
     */
    static void validate(Table staged) {
        // Resolve jumps.
        for (Chain chain : staged.chains()) {
            for (Rule r : chain.rules) {
                if (r.target instanceof Target.Jump j) {
                    Chain to = staged.chain(j.name());
                    if (to == null) {
                        throw new RuleError(r, "Couldn't load target `" + j.name() + "':No such file or directory");
                    }
                    if (to.isBuiltin()) {
                        throw new RuleError(r, "cannot jump to built-in chain " + j.name());
                    }
                }
            }
        }
        // mark_source_chains: hooks reaching each chain; loops are refused (ELOOP).
        Map<Chain, Integer> hooks = new IdentityHashMap<>();
        for (Chain b : staged.builtins) {
            if (b != null) {
                reach(staged, b, b.hook().bit(), hooks, new ArrayList<>());
            }
        }
        for (Chain chain : staged.chains()) {
            int mask = hooks.getOrDefault(chain, 0);
            if (mask == 0) {
                continue;
            }
            for (Rule r : chain.rules) {
                for (Match m : r.matches) {
                    checkHooks(r, m.name() + " match", mask, m.hooks());
                }
                checkHooks(r, r.target.name() + " target", mask, r.target.hooks());
            }
        }
    }

    private static void reach(Table t, Chain chain, int hook, Map<Chain, Integer> hooks, List<Chain> path) {
        if (path.contains(chain)) {
            throw new IptablesException("loop detected: chain " + chain.name() + " is reached again through "
                    + path.get(path.size() - 1).name() + " (Too many levels of symbolic links)");
        }
        int before = hooks.getOrDefault(chain, 0);
        hooks.put(chain, before | hook);
        path.add(chain);
        for (Rule r : chain.rules) {
            if (r.target instanceof Target.Jump j) {
                Chain to = t.chain(j.name());
                if ((hooks.getOrDefault(to, 0) & hook) == 0 || path.contains(to)) {
                    reach(t, to, hook, hooks, path);
                }
            }
        }
        path.remove(path.size() - 1);
    }

    private static void checkHooks(Rule r, String what, int used, int allowed) {
        if ((used & ~allowed) != 0) {
            throw new RuleError(r, what + ": used from hooks " + Hook.textify(used) + ", but only usable from "
                    + Hook.textify(allowed));
        }
    }

    /** Links a validated table: compiled arrays, rule numbers, jump targets. */
    static void link(Table staged) {
        for (Chain chain : staged.chains()) {
            Rule[] compiled = chain.rules.toArray(new Rule[0]);
            for (int i = 0; i < compiled.length; i++) {
                Rule r = compiled[i];
                r.chain = chain;
                r.number = i + 1;
                if (r.target instanceof Target.Jump j) {
                    j.chain = staged.chain(j.name());
                }
                r.variant = !r.flowInvariant();
            }
            chain.compiled = compiled;
        }
    }

    void install(Map<TableId, Table> staged) {
        for (Map.Entry<TableId, Table> e : staged.entrySet()) {
            table(e.getKey()).install(e.getValue());
        }
        generation++;
        ipsets.recountReferences();
    }

    /** Every rule of every table (for reference counts). */
    List<Rule> allRules() {
        List<Rule> out = new ArrayList<>();
        for (Table t : tables) {
            for (Chain c : t.chains()) {
                out.addAll(c.rules);
            }
        }
        return out;
    }

    /** A rule error that knows its rule's input line. */
    static final class RuleError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Rule rule;

        RuleError(Rule rule, String message) {
            super(message);
            this.rule = rule;
        }
    }
}
