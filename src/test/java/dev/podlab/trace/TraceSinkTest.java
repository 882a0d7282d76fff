package dev.podlab.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.sim.Simulator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceSinkTest {
    private final ObjectMapper mapper = new ObjectMapper();

    private static final TraceEvent DROP = new TraceEvent(1_234_567_890_123L, "node1", "pod-a", "eth0",
            Step.ROUTE_LOOKUP, Verdict.DROP, DropReason.IP_INNOROUTES, "no route to \"10.0.0.9\"\nsecond line");
    private static final TraceEvent LINK = new TraceEvent(12_000, null, null, "wire:a", Step.LINK_TX,
            Verdict.TRANSMIT, null, "len=60");

    @Test
    void timeIsPrintedAsSecondsWithNineDecimals() {
        assertThat(TraceEvent.formatSeconds(0)).isEqualTo("0.000000000");
        assertThat(TraceEvent.formatSeconds(12_000)).isEqualTo("0.000012000");
        assertThat(TraceEvent.formatSeconds(1_234_567_890_123L)).isEqualTo("1234.567890123");
        assertThat(TraceEvent.formatSeconds(5_000_000_001L)).isEqualTo("5.000000001");
    }

    @Test
    void textLinesHaveFixedColumns() {
        String line = TextTraceSink.format(LINK);
        // Built by hand from the documented widths: time 15 right-aligned, two spaces, then
        // node 10, netns 14, device 14, step 15, verdict 10, reason 21, detail.
        String want = String.format("%15s  %-10s%-14s%-14s%-15s%-10s%-21s%s",
                "0.000012000", "-", "-", "wire:a", "link-tx", "TRANSMIT", "-", "len=60");
        assertThat(line).as("got [%s], want [%s]", line, want).isEqualTo(want);
        String header = TextTraceSink.HEADER;
        assertThat(header.indexOf("NODE")).isEqualTo(line.indexOf("-"));
        assertThat(header.indexOf("DEVICE")).isEqualTo(line.indexOf("wire:a"));
        assertThat(header.indexOf("STEP")).isEqualTo(line.indexOf("link-tx"));
        assertThat(header.indexOf("DETAIL")).isEqualTo(line.indexOf("len=60"));
    }

    @Test
    void textLineKeepsOneEventPerLineAndNamesTheKernelReason() {
        StringBuilder out = new StringBuilder();
        TextTraceSink sink = new TextTraceSink(out);
        sink.accept(DROP);
        sink.accept(LINK);
        String[] lines = out.toString().split("\n", -1);
        assertThat(lines).as("two lines plus the empty tail: %s", List.of(lines)).hasSize(3);
        assertThat(lines[0]).startsWith(" 1234.567890123  node1     pod-a         eth0          route-lookup   DROP      IP_INNOROUTES");
        assertThat(lines[0]).endsWith("no route to \"10.0.0.9\" second line");
        assertThat(lines[2]).isEmpty();
    }

    @Test
    void overlongValuesAreKeptWholeAndStillSeparated() {
        TraceEvent e = new TraceEvent(0, "a-very-long-node-name", null, "dev", Step.DEV_RX, Verdict.RECEIVE, null, "");
        String line = TextTraceSink.format(e);
        assertThat(line).contains("a-very-long-node-name -");
        assertThat(line).doesNotEndWith(" ");
    }

    @Test
    void jsonLinesParseBackWithStableKeyOrderAndNulls() throws Exception {
        StringBuilder out = new StringBuilder();
        JsonLinesTraceSink sink = new JsonLinesTraceSink(out);
        sink.accept(DROP);
        sink.accept(LINK);
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode d = mapper.readTree(lines[0]);
        List<String> keys = new ArrayList<>();
        d.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("time_ns", "node", "netns", "device", "step", "verdict", "reason", "detail");
        assertThat(d.get("time_ns").asLong()).isEqualTo(1_234_567_890_123L);
        assertThat(d.get("node").asText()).isEqualTo("node1");
        assertThat(d.get("step").asText()).isEqualTo("route-lookup");
        assertThat(d.get("verdict").asText()).isEqualTo("DROP");
        assertThat(d.get("reason").asText()).isEqualTo("IP_INNOROUTES");
        assertThat(d.get("detail").asText()).isEqualTo(DROP.detail());
        JsonNode l = mapper.readTree(lines[1]);
        assertThat(l.get("node").isNull()).isTrue();
        assertThat(l.get("reason").isNull()).isTrue();
        assertThat(lines[1]).isEqualTo("{\"time_ns\":12000,\"node\":null,\"netns\":null,\"device\":\"wire:a\","
                + "\"step\":\"link-tx\",\"verdict\":\"TRANSMIT\",\"reason\":null,\"detail\":\"len=60\"}");
    }

    @Test
    void dropNeedsAReasonAndOnlyDropHasOne() {
        assertThatThrownBy(() -> new TraceEvent(0, null, null, null, Step.DEV_RX, Verdict.DROP, null, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TraceEvent(0, null, null, null, Step.DEV_RX, Verdict.PASS, DropReason.QDISC_DROP, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Step.of("Route Lookup")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Step.of("route-lookup")).isEqualTo(Step.ROUTE_LOOKUP);
    }

    @Test
    void tracerStampsVirtualTimeAndTeesToEverySink() {
        Simulator sim = new Simulator(1);
        ListTraceSink first = new ListTraceSink();
        ListTraceSink second = new ListTraceSink();
        Tracer tracer = new Tracer(sim, TraceSink.tee(first, second));
        sim.schedule(42, () -> tracer.drop("n", "ns", "d", Step.NF_FORWARD, DropReason.NETFILTER_DROP, "policy"));
        sim.run();
        TraceEvent want = new TraceEvent(42, "n", "ns", "d", Step.NF_FORWARD, Verdict.DROP, DropReason.NETFILTER_DROP, "policy");
        assertThat(first.events()).containsExactly(want);
        assertThat(second.events()).containsExactly(want);
    }
}
