package dev.podlab.netfilter;

/**
 * One rule ({@code struct ipt_entry}): the fixed IPv4 header part ({@code struct ipt_ip}: source,
 * destination, interfaces, protocol, fragment flag, each invertible), its matches in order, its
 * target and its packet/byte counters. {@link #toString()} is the rule as {@code iptables-save}
 * prints it after {@code -A CHAIN}.
 */
public final class Rule {
    // struct ipt_ip
    int src;
    int srcMask;
    boolean invSrc;
    int dst;
    int dstMask;
    boolean invDst;
    /** Input interface name without a trailing '+', or null for any. */
    String inIface;
    boolean inPrefix;
    boolean invIn;
    String outIface;
    boolean outPrefix;
    boolean invOut;
    /** 0 means any protocol. */
    int proto;
    boolean invProto;
    boolean fragment;
    boolean invFragment;

    Match[] matches = new Match[0];
    /**
     * What a packet is tested against after the header part: {@link #matches} without those that
     * accept every packet ({@code -m comment}) and without a leading {@code --ctstate} and
     * {@code --mark} test, which the fields below hold and {@link #matches(PacketContext)} tests
     * inline, in the same order (the rules of kube-proxy, flannel and Felix are mostly these).
     */
    Match[] tests = new Match[0];
    boolean ctStateTest;
    int ctStateMask;
    boolean ctStateInverted;
    boolean markTest;
    int markValue;
    int markMask;
    boolean markInverted;
    Target target;
    /**
     * Not {@link #flowInvariant()}: a walk that tries this rule is not kept by {@link FlowMemo}.
     * Set when the table is committed.
     */
    boolean variant = true;

    long packets;
    long bytes;

    /** The chain the rule is in (set when inserted). */
    Chain chain;
    /** 1-based position in {@link #chain}, set when the table is committed. */
    int number;
    /** The input line the rule came from (for error messages), 0 if none. */
    int line;
    /** The canonical rule text (iptables-save form, without "-A CHAIN"), set after parsing. */
    String text;

    Rule() {}

    /** Sets the matches in their written order and the tests a packet must pass. */
    void setMatches(Match[] all) {
        matches = all;
        ctStateTest = false;
        markTest = false;
        int n = 0;
        Match[] t = new Match[all.length];
        boolean leading = true; // inline only what no other test precedes: a test may hotdrop
        for (Match m : all) {
            if (m instanceof CommentMatch) {
                continue;
            }
            if (leading && !ctStateTest && !markTest && m instanceof ConntrackMatch ct && ct.stateOnly()) {
                ctStateTest = true;
                ctStateMask = ct.stateMask();
                ctStateInverted = ct.stateInverted();
            } else if (leading && !markTest && m instanceof MarkMatch mk) {
                markTest = true;
                markValue = mk.mark();
                markMask = mk.mask();
                markInverted = mk.inverted();
            } else {
                leading = false;
                t[n++] = m;
            }
        }
        tests = java.util.Arrays.copyOf(t, n);
    }

    /** True when the rule's header part and all its matches accept the packet ({@code ip_packet_match} + matches). */
    boolean matches(PacketContext c) {
        if (((c.src & srcMask) != src) ^ invSrc) {
            return false;
        }
        if (((c.dst & dstMask) != dst) ^ invDst) {
            return false;
        }
        if (inIface != null && !ifaceEquals(c.inName, inIface, inPrefix) ^ invIn) {
            return false;
        }
        if (outIface != null && !ifaceEquals(c.outName, outIface, outPrefix) ^ invOut) {
            return false;
        }
        if (proto != 0 && (c.protocol != proto) ^ invProto) {
            return false;
        }
        if (fragment && (c.fragOffset == 0) ^ invFragment) {
            return false;
        }
        if (ctStateTest && ((ctStateMask & c.ctStateBits) != 0) == ctStateInverted) {
            return false;
        }
        if (markTest && ((c.mark & markMask) == markValue) == markInverted) {
            return false;
        }
        Match[] m = tests;
        for (int i = 0; i < m.length; i++) {
            if (!m[i].matches(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when whether the rule matches, and what its target does, depend only on what a
     * connection's packets share at one hook ({@link Match#flowInvariant()}): no fragment test
     * (a fragment's offset is its own), every test and the target flow-invariant.
     */
    boolean flowInvariant() {
        if (fragment || target == null || !target.flowInvariant()) {
            return false;
        }
        for (Match m : tests) {
            if (!m.flowInvariant()) {
                return false;
            }
        }
        return true;
    }

    /** {@code ifname_compare_aligned}: exact, or a prefix when the rule's name ended in '+'. */
    static boolean ifaceEquals(String name, String pattern, boolean prefix) {
        return prefix ? name.startsWith(pattern) : name.equals(pattern);
    }

    /** Rejects interface names the kernel cannot hold (IFNAMSIZ 16 including the NUL). */
    static String checkIface(String name) {
        if (name.length() >= 16) {
            throw new IptablesException("interface name `" + name + "' must be shorter than IFNAMSIZ (16)");
        }
        return name;
    }

    private void settleCounters() {
        if (chain != null && chain.table != null) {
            chain.table.settleCounters();
        }
    }

    /** The chain the rule is in. */
    public Chain chain() {
        return chain;
    }

    /** 1-based position of the rule in its chain (as {@code iptables -L --line-numbers}). */
    public int number() {
        return number;
    }

    /** Packets that matched this rule. */
    public long packets() {
        settleCounters();
        return packets;
    }

    /** Bytes (IPv4 total length) of the packets that matched this rule. */
    public long bytes() {
        settleCounters();
        return bytes;
    }

    /** The target's name: ACCEPT, DROP, RETURN, an extension name or the chain jumped to. */
    public String targetName() {
        return target == null ? "" : target.name();
    }

    /** The rule as iptables-save prints it after {@code -A CHAIN}, e.g. {@code -s 10.0.0.1/32 -p tcp -m tcp --dport 80 -j ACCEPT}. */
    @Override
    public String toString() {
        return text;
    }

    /** Builds the canonical text, in the order {@code nft_ipv4_save_rule} prints the parts. */
    String buildText() {
        StringBuilder sb = new StringBuilder(64);
        if (srcMask != 0 || invSrc) {
            sb.append(invSrc ? " !" : "").append(" -s ");
            Text.appendAddressMask(sb, src, srcMask);
        }
        if (dstMask != 0 || invDst) {
            sb.append(invDst ? " !" : "").append(" -d ");
            Text.appendAddressMask(sb, dst, dstMask);
        }
        // save_iface: nothing for no interface or a bare "+" that is not inverted.
        if (inIface != null && (!(inPrefix && inIface.isEmpty()) || invIn)) {
            sb.append(invIn ? " !" : "").append(" -i ").append(inIface).append(inPrefix ? "+" : "");
        }
        if (outIface != null && (!(outPrefix && outIface.isEmpty()) || invOut)) {
            sb.append(invOut ? " !" : "").append(" -o ").append(outIface).append(outPrefix ? "+" : "");
        }
        if (proto != 0) {
            sb.append(invProto ? " !" : "").append(" -p ").append(Protocols.saveName(proto));
        }
        if (fragment) {
            sb.append(invFragment ? " !" : "").append(" -f");
        }
        for (Match m : matches) {
            sb.append(" -m ").append(m.name());
            m.save(sb);
        }
        if (target != null && target.kind() != Target.KIND_NONE) {
            if (target instanceof Target.Jump j && j.isGoto()) {
                sb.append(" -g ").append(j.name());
            } else {
                sb.append(" -j ").append(target.name());
                target.save(sb);
            }
        }
        return sb.length() == 0 ? "" : sb.substring(1);
    }
}
