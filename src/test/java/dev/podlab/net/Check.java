package dev.podlab.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** Assertion helpers that report "got …, want …". */
final class Check {
    private Check() {}

    static void lines(List<String> got, List<String> want) {
        assertThat(got).as("got:%n%s%nwant:%n%s", String.join("\n", got), String.join("\n", want))
                .containsExactlyElementsOf(want);
    }

    static void text(String got, String want) {
        assertThat(got).as("got %s, want %s", show(got), show(want)).isEqualTo(want);
    }

    static void equal(Object got, Object want, String what) {
        assertThat(got).as("%s: got %s, want %s", what, got, want).isEqualTo(want);
    }

    private static String show(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }
}
