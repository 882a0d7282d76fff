package dev.podlab.netfilter;

import java.util.Locale;

/**
 * {@code -m statistic --mode random [!] --probability p} and
 * {@code --mode nth [!] --every n [--packet p]}: {@code statistic_mt} (net/netfilter/xt_statistic.c)
 * with the parameters extensions/libxt_statistic.c stores.
 *
 * <p>Random mode keeps {@code lround(p * 2^31)} and matches when
 * {@code (get_random_u32() & 0x7FFFFFFF) < stored}; the 32 random bits come from the context's
 * {@link org.apache.commons.math3.random.RandomGenerator#nextInt()}. iptables-save prints
 * {@code stored / 2^31} with 11 decimals (so kube-proxy's 0.3333333333 reads back as
 * 0.33333333349). Nth mode keeps {@code every = n - 1} and a counter started at
 * {@code every - p}; each packet advances it ({@code every} wraps to 0) and a packet matches when
 * it wraps, so the packets numbered p, p + n, p + 2n, ... (from 0) match.
 */
final class StatisticMatch extends Match {
    private static final int MODE_RANDOM = 0;
    private static final int MODE_NTH = 1;

    private int mode = -1;
    private boolean invert;
    private boolean hasProbability;
    /** u32 in the kernel: p = 1 is 0x80000000, which an int cannot hold. */
    private long probability;
    private boolean hasEvery;
    private int every;
    private int packet;
    /** The nth counter ({@code info->master->count}); per rule, like the kernel's. */
    private int count;

    @Override
    String name() {
        return "statistic";
    }

    @Override
    boolean matches(PacketContext c) {
        boolean ret = invert;
        if (mode == MODE_RANDOM) {
            if (c.random == null) {
                throw new IllegalStateException("-m statistic --mode random needs PacketContext.random(...)");
            }
            if ((c.random.nextInt() & 0x7fffffff) < probability) {
                ret = !ret;
            }
        } else {
            int next = count == every ? 0 : count + 1;
            count = next;
            if (next == 0) {
                ret = !ret;
            }
        }
        return ret;
    }

    @Override
    boolean parse(String option, boolean inv, RuleParser.Args args) {
        switch (option) {
            case "--mode" -> {
                requireNoInvert(inv, option);
                String v = args.value(option);
                if (v.equals("random")) {
                    mode = MODE_RANDOM;
                } else if (v.equals("nth")) {
                    mode = MODE_NTH;
                } else {
                    throw new IptablesException("Bad mode \"" + v + "\"");
                }
            }
            case "--probability" -> {
                String v = args.value(option);
                double p;
                try {
                    p = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    p = -1;
                }
                if (!(p >= 0 && p <= 1)) {
                    throw new IptablesException("--probability must be between 0 and 1");
                }
                probability = Math.round(0x80000000L * p);
                hasProbability = true;
                invert |= inv;
            }
            case "--every" -> {
                every = (int) Text.parseUnsigned(args.value(option), 0xffffffffL, "--every") - 1;
                if (every < 0) {
                    throw new IptablesException("--every must be at least 1");
                }
                hasEvery = true;
                invert |= inv;
            }
            case "--packet" -> {
                requireNoInvert(inv, option);
                packet = (int) Text.parseUnsigned(args.value(option), 0xffffffffL, "--packet");
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    @Override
    void finish(Rule rule) {
        if (mode == MODE_RANDOM && !hasProbability) {
            throw new IptablesException("--probability must be specified when using random mode");
        }
        if (mode == MODE_NTH && !hasEvery) {
            throw new IptablesException("--every and --packet must be specified when using nth mode");
        }
        if (mode < 0) {
            throw new IptablesException("no mode specified");
        }
        if (mode == MODE_RANDOM && hasEvery || mode == MODE_NTH && hasProbability) {
            throw new IptablesException(hasEvery ? "--every can only be used in nth mode"
                    : "--probability can only be used in random mode");
        }
        if (packet > every) {
            throw new IptablesException("the --packet p must be 0 <= p <= n-1");
        }
        count = every - packet;
    }

    @Override
    void save(StringBuilder sb) {
        if (mode == MODE_RANDOM) {
            sb.append(" --mode random").append(invert ? " !" : "").append(" --probability ")
                    .append(String.format(Locale.ROOT, "%.11f", probability / (double) 0x80000000L));
        } else {
            sb.append(" --mode nth").append(invert ? " !" : "").append(" --every ").append(Integer.toUnsignedLong(every) + 1);
            if (packet != 0) {
                sb.append(" --packet ").append(Integer.toUnsignedLong(packet));
            }
        }
    }
}
