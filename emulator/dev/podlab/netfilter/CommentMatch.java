package dev.podlab.netfilter;

/** {@code -m comment --comment text}: always true (net/netfilter/xt_comment.c); at most 255 bytes. */
final class CommentMatch extends Match {
    /** XT_MAX_COMMENT_LEN (256) including the terminating NUL. */
    private static final int MAX_LENGTH = 255;
    private String comment;

    String comment() {
        return comment;
    }

    @Override
    boolean flowInvariant() {
        return true;
    }

    @Override
    String name() {
        return "comment";
    }

    @Override
    boolean matches(PacketContext c) {
        return true;
    }

    @Override
    boolean parse(String option, boolean invert, RuleParser.Args args) {
        if (!option.equals("--comment")) {
            return false;
        }
        requireNoInvert(invert, option);
        String v = args.value(option);
        if (v.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_LENGTH) {
            throw new IptablesException("comment may not exceed " + MAX_LENGTH + " characters");
        }
        comment = v;
        return true;
    }

    @Override
    void finish(Rule rule) {
        if (comment == null) {
            throw new IptablesException("comment: option \"--comment\" must be specified");
        }
    }

    @Override
    void save(StringBuilder sb) {
        sb.append(" --comment");
        Text.saveString(sb, comment);
    }
}
