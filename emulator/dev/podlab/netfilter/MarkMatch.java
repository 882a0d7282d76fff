package dev.podlab.netfilter;

/** {@code -m mark [!] --mark value[/mask]}: {@code mark_mt} (net/netfilter/xt_mark.c). */
final class MarkMatch extends Match {
    private boolean given;
    private int mark;
    private int mask = -1;
    private boolean invert;

    @Override
    boolean flowInvariant() {
        return true;
    }

    @Override
    String name() {
        return "mark";
    }

    int mark() {
        return mark;
    }

    int mask() {
        return mask;
    }

    boolean inverted() {
        return invert;
    }

    @Override
    boolean matches(PacketContext c) {
        return ((c.mark & mask) == mark) != invert;
    }

    @Override
    boolean parse(String option, boolean inv, RuleParser.Args args) {
        if (!option.equals("--mark")) {
            return false;
        }
        String v = args.value(option);
        int slash = v.indexOf('/');
        mark = (int) Text.parseUnsigned(slash < 0 ? v : v.substring(0, slash), 0xffffffffL, "mark value");
        mask = slash < 0 ? -1 : (int) Text.parseUnsigned(v.substring(slash + 1), 0xffffffffL, "mark mask");
        invert = inv;
        given = true;
        return true;
    }

    @Override
    void finish(Rule rule) {
        if (!given) {
            throw new IptablesException("mark match: You must specify `--mark'");
        }
    }

    @Override
    void save(StringBuilder sb) {
        if (invert) {
            sb.append(" !");
        }
        sb.append(" --mark ");
        Text.appendHex(sb, mark);
        if (mask != -1) {
            sb.append('/');
            Text.appendHex(sb, mask);
        }
    }
}
