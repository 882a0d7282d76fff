package dev.podlab.net;

/**
 * The five IPv4 netfilter hooks ({@code enum nf_inet_hooks} in include/uapi/linux/netfilter.h),
 * in kernel numbering: PREROUTING 0, INPUT 1, FORWARD 2, OUTPUT 3, POSTROUTING 4. The built-in
 * chains of every table carry these names.
 */
public enum Hook {
    PREROUTING,
    INPUT,
    FORWARD,
    OUTPUT,
    POSTROUTING;

    private static final Hook[] VALUES = values();

    /** {@code 1 << NF_INET_*}, the bit a hook has in an {@code xt_match}/{@code xt_target} hook mask. */
    public int bit() {
        return 1 << ordinal();
    }

    /** The hook whose built-in chain is called {@code name}, or null. */
    public static Hook byChainName(String name) {
        for (Hook h : VALUES) {
            if (h.name().equals(name)) {
                return h;
            }
        }
        return null;
    }

    /** The hook names of a mask joined by '/', as the kernel's {@code textify_hooks} prints them. */
    public static String textify(int mask) {
        StringBuilder sb = new StringBuilder();
        for (Hook h : VALUES) {
            if ((mask & h.bit()) != 0) {
                if (sb.length() > 0) {
                    sb.append('/');
                }
                sb.append(h.name());
            }
        }
        return sb.toString();
    }

    public static final int ALL = (1 << 5) - 1;
}
