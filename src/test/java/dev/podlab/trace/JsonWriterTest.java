package dev.podlab.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonWriterTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "plain", "", "quote \" and backslash \\", "newline\nreturn\rtab\tbell\u0007nul\u0000",
        "formfeed\f backspace\b unit-sep\u001f del\u007f", "line sep \u2028 para sep \u2029",
        "non-ASCII: Grüße, 東京, emoji \uD83D\uDE00", "slash / stays", "{\"not\":\"json\"}"})
    void stringsRoundTripThroughAnIndependentParser(String s) throws Exception {
        String json = JsonWriter.quote(s);
        String back = mapper.readValue(json, String.class);
        assertThat(back).as("got %s, want %s (json %s)", back, s, json).isEqualTo(s);
        for (char c : json.toCharArray()) {
            assertThat(c >= 0x20 && c != 0x2028 && c != 0x2029).as("raw control char U+%04X in %s", (int) c, json).isTrue();
        }
    }

    @Test
    void unpairedSurrogatesAreEscapedNotMangled() throws Exception {
        String s = "lone high \uD800 and lone low \uDC00";
        String json = JsonWriter.quote(s);
        assertThat(json).contains("\\ud800").contains("\\udc00");
        assertThat(mapper.readValue(json, String.class)).isEqualTo(s);
    }

    @Test
    void controlCharactersUseTheirShortEscapes() {
        assertThat(JsonWriter.quote("a\nb\u0001")).isEqualTo("\"a\\nb\\u0001\"");
    }

    @Test
    void nestedStructuresKeepKeyOrderAndParseBack() throws Exception {
        StringBuilder sb = new StringBuilder();
        new JsonWriter(sb).beginObject()
                .name("z").value(1)
                .name("a").beginArray().value("x").value(true).nullValue().value(-2.5).beginObject().endObject().endArray()
                .name("m").value(Long.MIN_VALUE)
                .endObject();
        assertThat(sb.toString()).isEqualTo("{\"z\":1,\"a\":[\"x\",true,null,-2.5,{}],\"m\":-9223372036854775808}");
        JsonNode n = mapper.readTree(sb.toString());
        List<String> keys = new ArrayList<>();
        n.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("z", "a", "m");
        assertThat(n.get("m").asLong()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void misuseIsRejected() {
        StringBuilder sb = new StringBuilder();
        assertThatThrownBy(() -> new JsonWriter(sb).beginObject().value(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonWriter(sb).beginArray().name("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonWriter(sb).beginArray().endObject()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonWriter(sb).value(1).value(2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonWriter(sb).value(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
