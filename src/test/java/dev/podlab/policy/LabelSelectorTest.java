package dev.podlab.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.policy.LabelSelector.Operator;
import dev.podlab.policy.LabelSelector.Requirement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Selector matching as {@code k8s.io/apimachinery/pkg/labels} defines it. */
class LabelSelectorTest {
    private static final Map<String, String> WEB = Map.of("app", "web", "tier", "fe");
    private static final Map<String, String> NONE = Map.of();

    @Test
    void emptySelectorMatchesEverything() {
        assertThat(LabelSelector.EVERYTHING.matches(WEB)).isTrue();
        assertThat(LabelSelector.EVERYTHING.matches(NONE)).isTrue();
    }

    @Test
    void matchLabelsNeedEveryPair() {
        assertThat(LabelSelector.matchLabels(Map.of("app", "web")).matches(WEB)).isTrue();
        assertThat(LabelSelector.matchLabels(Map.of("app", "web", "tier", "be")).matches(WEB)).isFalse();
        assertThat(LabelSelector.matchLabels(Map.of("app", "web")).matches(NONE)).isFalse();
    }

    @Test
    void operators() {
        assertThat(req("app", Operator.In, "web", "db").matches(WEB)).isTrue();
        assertThat(req("app", Operator.In, "db").matches(WEB)).isFalse();
        assertThat(req("app", Operator.In, "web").matches(NONE)).isFalse();
        assertThat(req("app", Operator.NotIn, "web").matches(WEB)).isFalse();
        assertThat(req("app", Operator.NotIn, "db").matches(WEB)).isTrue();
        assertThat(req("app", Operator.NotIn, "web").matches(NONE)).as("NotIn holds without the key").isTrue();
        assertThat(req("app", Operator.Exists).matches(WEB)).isTrue();
        assertThat(req("app", Operator.Exists).matches(NONE)).isFalse();
        assertThat(req("app", Operator.DoesNotExist).matches(WEB)).isFalse();
        assertThat(req("app", Operator.DoesNotExist).matches(NONE)).isTrue();
    }

    @Test
    void labelsAndExpressionsAreAnded() {
        LabelSelector s = new LabelSelector(Map.of("app", "web"), List.of(new Requirement("tier", Operator.In, List.of("be"))));
        assertThat(s.matches(WEB)).isFalse();
        assertThat(s.matches(Map.of("app", "web", "tier", "be"))).isTrue();
        assertThat(s).hasToString("app=web,tier in (be)");
    }

    private static Requirement req(String key, Operator op, String... values) {
        return new Requirement(key, op, List.of(values));
    }
}
