package dev.podlab.netfilter;

import dev.podlab.net.Hook;

/**
 * The four IPv4 tables podlab emulates, with the built-in chains each one registers and its hook
 * priorities ({@code enum nf_ip_hook_priorities}, include/uapi/linux/netfilter_ipv4.h). The
 * {@code security} table is not emulated.
 */
public enum TableId {
    /** {@code iptable_raw}: PREROUTING and OUTPUT at NF_IP_PRI_RAW (-300). */
    RAW("raw", Hook.PREROUTING.bit() | Hook.OUTPUT.bit()),
    /** {@code iptable_mangle}: all five hooks at NF_IP_PRI_MANGLE (-150). */
    MANGLE("mangle", Hook.ALL),
    /**
     * {@code iptable_nat}: PREROUTING/OUTPUT at NF_IP_PRI_NAT_DST (-100), INPUT/POSTROUTING at
     * NF_IP_PRI_NAT_SRC (100).
     */
    NAT("nat", Hook.PREROUTING.bit() | Hook.INPUT.bit() | Hook.OUTPUT.bit() | Hook.POSTROUTING.bit()),
    /** {@code iptable_filter}: INPUT, FORWARD, OUTPUT at NF_IP_PRI_FILTER (0). */
    FILTER("filter", Hook.INPUT.bit() | Hook.FORWARD.bit() | Hook.OUTPUT.bit());

    public static final int PRI_RAW = -300;
    public static final int PRI_CONNTRACK = -200;
    public static final int PRI_MANGLE = -150;
    public static final int PRI_NAT_DST = -100;
    public static final int PRI_FILTER = 0;
    public static final int PRI_NAT_SRC = 100;

    private final String tableName;
    private final int hooks;

    TableId(String tableName, int hooks) {
        this.tableName = tableName;
        this.hooks = hooks;
    }

    /** The name iptables uses: {@code raw}, {@code mangle}, {@code nat}, {@code filter}. */
    public String tableName() {
        return tableName;
    }

    /** Mask of {@link Hook#bit()} for the built-in chains of this table. */
    public int hookMask() {
        return hooks;
    }

    public boolean hasHook(Hook hook) {
        return (hooks & hook.bit()) != 0;
    }

    /** The priority this table's chain at {@code hook} is registered with. */
    public int priority(Hook hook) {
        return switch (this) {
            case RAW -> PRI_RAW;
            case MANGLE -> PRI_MANGLE;
            case FILTER -> PRI_FILTER;
            case NAT -> hook == Hook.PREROUTING || hook == Hook.OUTPUT ? PRI_NAT_DST : PRI_NAT_SRC;
        };
    }

    public static TableId byName(String name) {
        for (TableId t : values()) {
            if (t.tableName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /**
     * The order {@code iptables-save} (nf_tables backend, v1.8.5 and later) prints tables: the
     * index order of {@code enum nft_table_type} in iptables/nft.h, i.e. mangle, (security), raw,
     * filter, nat.
     */
    static final TableId[] SAVE_ORDER = {MANGLE, RAW, FILTER, NAT};
}
