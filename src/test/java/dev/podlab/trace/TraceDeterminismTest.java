package dev.podlab.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.sim.EventHandler;
import dev.podlab.sim.JitterModel;
import dev.podlab.sim.Link;
import dev.podlab.sim.LinkConfig;
import dev.podlab.sim.LinkEnd;
import dev.podlab.sim.LossModel;
import dev.podlab.sim.Simulator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.commons.math3.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The trace of a run is a function of its seed: the same seed gives byte-identical text and JSON
 * output, another seed gives a different trace.
 *
 * <pre>
 *   host1 ──── wan (1 Gbit/s, 20 us ± 5 us uniform, 2% Bernoulli loss, queue 8) ──── router
 *   router ─── lan (100 Mbit/s, 3 us, normal jitter σ 1 us, Gilbert–Elliott loss, no reorder) ─── host2
 * </pre>
 * host1 sends 3000 frames of random size at random (exponential) intervals; the router forwards
 * everything from wan to lan; host2 records delivery.
 */
class TraceDeterminismTest {

    private record Output(byte[] text, byte[] json, int events) {}

    private static Output run(long seed) {
        Simulator sim = new Simulator(seed);
        StringBuilder text = new StringBuilder();
        StringBuilder json = new StringBuilder();
        ListTraceSink list = new ListTraceSink();
        Tracer tracer = new Tracer(sim, TraceSink.tee(new TextTraceSink(text), new JsonLinesTraceSink(json), list));

        Link wan = new Link(sim, "wan", LinkConfig.builder().rateBitsPerSecond(1_000_000_000L).delayNs(20_000)
                .jitter(JitterModel.uniform(5_000)).loss(LossModel.bernoulli(0.02)).queueLimit(8).build());
        Link lan = new Link(sim, "lan", LinkConfig.builder().rateBitsPerSecond(100_000_000L).delayNs(3_000)
                .jitter(JitterModel.normal(1_000)).allowReorder(false)
                .loss(LossModel.gilbertElliott(0.02, 0.3, 0.0, 0.6)).queueLimit(16).build());
        LinkTracer linkTracer = new LinkTracer(tracer);
        wan.observer(linkTracer);
        lan.observer(linkTracer);

        wan.b().attach((LinkEnd end, Packet p) -> {
            tracer.event("router", "host", "eth0", Step.of("forward"), Verdict.FORWARD, "to lan");
            lan.a().transmit(p);
        });
        lan.b().attach((LinkEnd end, Packet p) -> {
            if (tracer.enabled()) {
                tracer.event("host2", "host", "eth0", Step.LOCAL_DELIVER, Verdict.DELIVER,
                        "seq=" + p.buf().getInt(p.start()) + " len=" + p.length());
            }
            p.release();
        });

        RandomGenerator traffic = sim.random().stream("traffic");
        EventHandler send = new EventHandler() {
            @Override
            public void handle(Object arg, long seq) {
                int len = 60 + traffic.nextInt(1514 - 60 + 1);
                ByteBuf buf = Unpooled.buffer(len).writeZero(len);
                buf.setInt(0, (int) seq);
                tracer.event("host1", "host", "eth0", Step.DEV_TX, Verdict.TRANSMIT, "seq=" + seq);
                wan.a().transmit(new Packet(buf, LinkType.ETHERNET));
                if (seq + 1 < 3_000) {
                    // exponential gaps with a 10 us mean: bursts that overflow the queues now and then
                    long gap = (long) (-Math.log(1 - traffic.nextDouble()) * 10_000);
                    sim.schedule(gap, this, null, seq + 1);
                }
            }
        };
        sim.schedule(0, send, null, 0);
        sim.runEvents(1_000_000);
        assertThat(sim.pendingCount()).as("scenario should finish").isZero();
        return new Output(text.toString().getBytes(StandardCharsets.UTF_8),
                json.toString().getBytes(StandardCharsets.UTF_8), list.events().size());
    }

    @Test
    void sameSeedGivesByteIdenticalTextAndJsonTraces() {
        Output first = run(20240601L);
        Output second = run(20240601L);
        assertThat(first.events()).as("a sizeable trace").isGreaterThan(10_000);
        assertThat(Arrays.equals(first.text(), second.text()))
                .as("text traces differ (%d vs %d bytes)", first.text().length, second.text().length).isTrue();
        assertThat(Arrays.equals(first.json(), second.json()))
                .as("JSON traces differ (%d vs %d bytes)", first.json().length, second.json().length).isTrue();
    }

    @Test
    void anotherSeedGivesADifferentTrace() {
        Output a = run(20240601L);
        Output b = run(20240602L);
        assertThat(Arrays.equals(a.text(), b.text())).as("text traces of different seeds are identical").isFalse();
        assertThat(Arrays.equals(a.json(), b.json())).as("JSON traces of different seeds are identical").isFalse();
    }

    @Test
    void traceShowsEveryKindOfLinkOutcomeAndEveryJsonLineParses() throws Exception {
        Output out = run(7);
        String json = new String(out.json(), StandardCharsets.UTF_8);
        ObjectMapper mapper = new ObjectMapper();
        int drops = 0;
        int loss = 0;
        int qdisc = 0;
        int delivered = 0;
        for (String line : json.split("\n")) {
            JsonNode n = mapper.readTree(line);
            if ("DROP".equals(n.get("verdict").asText())) {
                drops++;
                String reason = n.get("reason").asText();
                loss += reason.equals("LINK_LOSS") ? 1 : 0;
                qdisc += reason.equals("QDISC_DROP") ? 1 : 0;
            }
            delivered += "DELIVER".equals(n.get("verdict").asText()) ? 1 : 0;
        }
        assertThat(loss).as("LINK_LOSS drops in trace").isPositive();
        assertThat(qdisc).as("QDISC_DROP drops in trace").isPositive();
        assertThat(delivered + drops).as("every frame is delivered or dropped: got %d + %d, want 3000", delivered, drops)
                .isEqualTo(3_000);
    }
}
