package dev.podlab.netfilter;

/**
 * {@code -m conntrack} ({@code conntrack_mt}, net/netfilter/xt_conntrack.c, revision 3) with
 * {@code [!] --ctstate}, {@code [!] --ctstatus}, {@code [!] --ctorigsrc/--ctorigdst/--ctreplsrc/
 * --ctrepldst} and {@code --ctdir}; and {@code -m state --state} ({@code state_mt},
 * net/netfilter/xt_state.c), which has no SNAT/DNAT virtual states. Printed as
 * extensions/libxt_conntrack.c saves them.
 */
final class ConntrackMatch extends Match {
    private static final String[] STATE_NAMES = {"INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT"};
    private static final int[] STATE_BITS = {Ct.XT_STATE_INVALID, Ct.XT_STATE_NEW, Ct.XT_STATE_RELATED,
        Ct.XT_STATE_ESTABLISHED, Ct.XT_STATE_UNTRACKED, Ct.XT_STATE_SNAT, Ct.XT_STATE_DNAT};
    private static final String[] STATUS_NAMES = {"EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"};
    private static final int[] STATUS_BITS = {Ct.IPS_EXPECTED, Ct.IPS_SEEN_REPLY, Ct.IPS_ASSURED, Ct.IPS_CONFIRMED};

    private static final int F_STATE = 1;
    private static final int F_ORIGSRC = 1 << 2;
    private static final int F_ORIGDST = 1 << 3;
    private static final int F_REPLSRC = 1 << 4;
    private static final int F_REPLDST = 1 << 5;
    private static final int F_STATUS = 1 << 6;
    private static final int F_DIRECTION = 1 << 12;

    /** True for {@code -m state}. */
    private final boolean stateMatch;
    private int flags;
    private int invFlags;
    private int stateMask;
    private int statusMask;
    /** Addresses and masks: origsrc, origdst, replsrc, repldst. */
    private final int[] addr = new int[4];
    private final int[] mask = new int[4];
    ConntrackMatch(boolean stateMatch) {
        this.stateMatch = stateMatch;
    }

    @Override
    boolean flowInvariant() {
        return true;
    }

    @Override
    String name() {
        return stateMatch ? "state" : "conntrack";
    }

    /**
     * The state bits {@code --ctstate} tests for a packet: its state's bit, plus the virtual SNAT
     * and DNAT states when it has an entry whose status says so ({@code conntrack_mt_v3}).
     */
    static int stateBits(int state, int status) {
        int statebit = Ct.stateBit(state);
        if (state != Ct.STATE_INVALID && state != Ct.STATE_UNTRACKED) {
            if ((status & Ct.IPS_SRC_NAT) != 0) {
                statebit |= Ct.XT_STATE_SNAT;
            }
            if ((status & Ct.IPS_DST_NAT) != 0) {
                statebit |= Ct.XT_STATE_DNAT;
            }
        }
        return statebit;
    }

    /** True when the match tests nothing but {@code [!] --ctstate} (or {@code --state}): {@link Rule} then tests it itself. */
    boolean stateOnly() {
        return flags == F_STATE;
    }

    int stateMask() {
        return stateMask;
    }

    boolean stateInverted() {
        return (invFlags & F_STATE) != 0;
    }

    @Override
    boolean matches(PacketContext c) {
        int st = c.ctState;
        boolean haveCt = st != Ct.STATE_INVALID && st != Ct.STATE_UNTRACKED;
        if ((flags & F_STATE) != 0) {
            if (((stateMask & c.ctStateBits) != 0) == ((invFlags & F_STATE) != 0)) {
                return false;
            }
        }
        if (!haveCt) {
            return (flags & F_STATE) != 0;
        }
        if ((flags & F_DIRECTION) != 0 && (!c.ctReply) == ((invFlags & F_DIRECTION) != 0)) {
            return false;
        }
        if (!addressOk(F_ORIGSRC, 0, c.ctOrigSrc) || !addressOk(F_ORIGDST, 1, c.ctOrigDst)
                || !addressOk(F_REPLSRC, 2, c.ctReplySrc) || !addressOk(F_REPLDST, 3, c.ctReplyDst)) {
            return false;
        }
        return (flags & F_STATUS) == 0 || ((statusMask & c.ctStatus) != 0) != ((invFlags & F_STATUS) != 0);
    }

    private boolean addressOk(int flag, int i, int value) {
        if ((flags & flag) == 0) {
            return true;
        }
        return (((value ^ addr[i]) & mask[i]) == 0) != ((invFlags & flag) != 0);
    }

    @Override
    boolean parse(String option, boolean invert, RuleParser.Args args) {
        if (stateMatch) {
            if (!option.equals("--state")) {
                return false;
            }
            once(F_STATE, option);
            stateMask = parseStates(args.value(option), false);
            set(F_STATE, invert);
            return true;
        }
        switch (option) {
            case "--ctstate" -> {
                once(F_STATE, option);
                stateMask = parseStates(args.value(option), true);
                set(F_STATE, invert);
            }
            case "--ctstatus" -> {
                once(F_STATUS, option);
                statusMask = parseStatus(args.value(option));
                set(F_STATUS, invert);
            }
            case "--ctorigsrc" -> address(F_ORIGSRC, 0, option, invert, args);
            case "--ctorigdst" -> address(F_ORIGDST, 1, option, invert, args);
            case "--ctreplsrc" -> address(F_REPLSRC, 2, option, invert, args);
            case "--ctrepldst" -> address(F_REPLDST, 3, option, invert, args);
            case "--ctdir" -> {
                once(F_DIRECTION, option);
                requireNoInvert(invert, option);
                String v = args.value(option);
                if (v.equalsIgnoreCase("ORIGINAL")) {
                    set(F_DIRECTION, false);
                } else if (v.equalsIgnoreCase("REPLY")) {
                    set(F_DIRECTION, true);
                } else {
                    throw new IptablesException("Unknown --ctdir value \"" + v + "\"");
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private void once(int flag, String option) {
        if ((flags & flag) != 0) {
            throw new IptablesException(option + " may only be given once");
        }
    }

    private void set(int flag, boolean invert) {
        flags |= flag;
        if (invert) {
            invFlags |= flag;
        }
    }

    private void address(int flag, int i, String option, boolean invert, RuleParser.Args args) {
        once(flag, option);
        long am = Text.parseAddressMask(args.value(option));
        addr[i] = (int) (am >>> 32);
        mask[i] = (int) am;
        set(flag, invert);
    }

    private static int parseStates(String list, boolean conntrack) {
        int m = 0;
        for (String s : list.split(",", -1)) {
            int bit = 0;
            for (int i = 0; i < STATE_NAMES.length; i++) {
                if (STATE_NAMES[i].equalsIgnoreCase(s) && (conntrack || i < 5)) {
                    bit = STATE_BITS[i];
                }
            }
            if (bit == 0) {
                throw new IptablesException("Bad ctstate \"" + s + "\"");
            }
            m |= bit;
        }
        return m;
    }

    private static int parseStatus(String list) {
        int m = 0;
        for (String s : list.split(",", -1)) {
            if (s.equalsIgnoreCase("NONE")) {
                continue;
            }
            int bit = 0;
            for (int i = 0; i < STATUS_NAMES.length; i++) {
                if (STATUS_NAMES[i].equalsIgnoreCase(s)) {
                    bit = STATUS_BITS[i];
                }
            }
            if (bit == 0) {
                throw new IptablesException("Bad ctstatus \"" + s + "\"");
            }
            m |= bit;
        }
        return m;
    }

    @Override
    void finish(Rule rule) {
        if (flags == 0) {
            throw new IptablesException(stateMatch ? "state match: You must specify \"--state\""
                    : "conntrack: At least one option is required");
        }
    }

    @Override
    void save(StringBuilder sb) {
        if (stateMatch) {
            inv(sb, F_STATE).append(" --state ");
            appendStates(sb, stateMask);
            return;
        }
        if ((flags & F_STATE) != 0) {
            inv(sb, F_STATE).append(" --ctstate ");
            appendStates(sb, stateMask);
        }
        String[] names = {"--ctorigsrc", "--ctorigdst", "--ctreplsrc", "--ctrepldst"};
        int[] fl = {F_ORIGSRC, F_ORIGDST, F_REPLSRC, F_REPLDST};
        for (int i = 0; i < 4; i++) {
            if ((flags & fl[i]) != 0) {
                inv(sb, fl[i]).append(' ').append(names[i]).append(' ');
                Text.appendAddressShortMask(sb, addr[i], mask[i]);
            }
        }
        if ((flags & F_STATUS) != 0) {
            inv(sb, F_STATUS).append(" --ctstatus ");
            if (statusMask == 0) {
                sb.append("NONE");
            }
            boolean first = true;
            for (int i = 0; i < STATUS_NAMES.length; i++) {
                if ((statusMask & STATUS_BITS[i]) != 0) {
                    sb.append(first ? "" : ",").append(STATUS_NAMES[i]);
                    first = false;
                }
            }
        }
        if ((flags & F_DIRECTION) != 0) {
            sb.append((invFlags & F_DIRECTION) != 0 ? " --ctdir REPLY" : " --ctdir ORIGINAL");
        }
    }

    private StringBuilder inv(StringBuilder sb, int flag) {
        return (invFlags & flag) != 0 ? sb.append(" !") : sb;
    }

    private static void appendStates(StringBuilder sb, int mask) {
        boolean first = true;
        for (int i = 0; i < STATE_NAMES.length; i++) {
            if ((mask & STATE_BITS[i]) != 0) {
                sb.append(first ? "" : ",").append(STATE_NAMES[i]);
                first = false;
            }
        }
    }
}
