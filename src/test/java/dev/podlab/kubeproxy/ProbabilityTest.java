package dev.podlab.kubeproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Endpoint probabilities: {@code 1/(n−i)} written with {@code %0.10f}, stored by xt_statistic as
 * {@code lround(p × 2^31)}, printed by iptables-save as {@code stored / 2^31} with 11 decimals.
 */
class ProbabilityTest {

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void everyRuleOfNEndpoints(int n) {
        for (int i = 0; i < n - 1; i++) {
            // The exact rational 1/(n−i) rounded to 10 places (kube-proxy's %0.10f of the double agrees for these n).
            String want = BigDecimal.ONE.divide(BigDecimal.valueOf(n - i), 10, RoundingMode.HALF_EVEN).toPlainString();
            String written = Probability.writtenForRule(i, n);
            assertThat(written).as("rule %d of %d", i, n).isEqualTo(want);

            // The kernel's 31-bit fixed point, from the formula: round(p × 2^31), printed /2^31 with 11 decimals.
            long stored = Math.round(Double.parseDouble(want) * 2147483648.0);
            String wantSaved = String.format("%.11f", stored / 2147483648.0);
            assertThat(Probability.kernelValue(written)).isEqualTo(stored);
            assertThat(Probability.savedForm(written)).as("saved rule %d of %d", i, n).isEqualTo(wantSaved);
        }
    }

    @ParameterizedTest(name = "1/{0} written {1}, saved {2}")
    @CsvSource({
        // /work/shared/reference/kube-proxy.md §3 and §3.1
        "3, 0.3333333333, 0.33333333349",
        "2, 0.5000000000, 0.50000000000",
        "4, 0.2500000000, 0.25000000000",
        "5, 0.2000000000, 0.20000000019",
    })
    void referenceValues(int n, String written, String saved) {
        assertThat(Probability.written(n)).isEqualTo(written);
        assertThat(Probability.savedForm(written)).isEqualTo(saved);
    }

    @Test
    void halfIsExactlyTwoToThe30() {
        assertThat(Probability.kernelValue("0.5000000000")).isEqualTo(1L << 30);
    }
}
