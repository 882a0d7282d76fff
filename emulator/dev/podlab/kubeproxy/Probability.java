package dev.podlab.kubeproxy;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The {@code statistic --mode random --probability} values of endpoint rules, in the two forms
 * a node shows them.
 *
 * <p>kube-proxy writes {@code 1/n} as {@code fmt.Sprintf("%0.10f", 1.0/float64(n))}
 * ({@code computeProbability}); libxt_statistic parses it and stores
 * {@code lround(0x80000000 * p)}, a 31-bit fixed-point value the kernel compares with
 * {@code get_random_u32() & 0x7FFFFFFF} ({@code statistic_mt}); iptables-save prints
 * {@code stored / 0x80000000} with {@code %.11f}. Hence 0.3333333333 written, 0.33333333349 read.
 */
public final class Probability {
    private Probability() {}

    /** 2^31: the scale of the kernel's fixed-point probability. */
    public static final long SCALE = 0x80000000L;

    /**
     * The text kube-proxy writes for {@code 1/n} ({@code computeProbability}). Go rounds the
     * exact binary value half-to-even, as BigDecimal does here.
     */
    public static String written(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be positive: " + n);
        }
        return new BigDecimal(1.0 / n).setScale(10, RoundingMode.HALF_EVEN).toPlainString();
    }

    /**
     * {@code xt_statistic_info.u.random.probability} for a probability text:
     * {@code lround(0x80000000 * strtod(text))} (libxt_statistic {@code statistic_parse}).
     */
    public static long kernelValue(String text) {
        double product = (double) SCALE * Double.parseDouble(text);
        return new BigDecimal(product).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    /** What iptables-save prints for a stored value: {@code printf("%.11f", stored / 0x80000000)}. */
    public static String saved(long kernelValue) {
        return new BigDecimal(kernelValue).divide(BigDecimal.valueOf(SCALE))
                .setScale(11, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** What iptables-save prints back for a probability kube-proxy wrote as {@code text}. */
    public static String savedForm(String text) {
        return saved(kernelValue(text));
    }

    /** The written probability of endpoint rule {@code i} (0-based) of {@code n}: {@code 1/(n−i)}. */
    public static String writtenForRule(int i, int n) {
        if (i < 0 || i >= n - 1) {
            throw new IllegalArgumentException("rule " + i + " of " + n + " has no probability (the last matches always)");
        }
        return written(n - i);
    }
}
