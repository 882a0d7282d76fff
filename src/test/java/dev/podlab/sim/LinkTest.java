package dev.podlab.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinkTest {

    private static final long GBIT = 1_000_000_000L;

    /** A zero-filled Ethernet frame of {@code length} bytes whose first 4 bytes carry {@code id}. */
    private static Packet frame(int length, int id) {
        ByteBuf buf = Unpooled.buffer(length);
        buf.writeZero(length);
        buf.setInt(0, id);
        return new Packet(buf, LinkType.ETHERNET);
    }

    /** Records (arrival time, id) of every frame reaching an end; releases them like a sink would. */
    private static final class Recorder implements FrameReceiver {
        final List<long[]> got = new ArrayList<>();
        final Simulator sim;

        Recorder(Simulator sim) {
            this.sim = sim;
        }

        @Override
        public void receive(LinkEnd end, Packet packet) {
            got.add(new long[] {sim.now(), packet.buf().getInt(packet.start())});
            packet.release();
        }

        long[] times() {
            return got.stream().mapToLong(g -> g[0]).toArray();
        }

        long[] ids() {
            return got.stream().mapToLong(g -> g[1]).toArray();
        }
    }

    @Test
    void frameArrivesAfterSerializationPlusPropagationDelay() {
        Simulator sim = new Simulator(1);
        long delay = 5_000;
        Link link = new Link(sim, "l", LinkConfig.builder().rateBitsPerSecond(GBIT).delayNs(delay).build());
        Recorder rx = new Recorder(sim);
        link.b().attach(rx);
        sim.runUntil(1_000);
        link.a().transmit(frame(1500, 1));
        sim.run();
        long want = 1_000 + 1500 * 8 * 1_000_000_000L / GBIT + delay; // 1000 + 12000 + 5000
        assertThat(rx.times()).as("got %s, want [%d]", java.util.Arrays.toString(rx.times()), want).containsExactly(want);
    }

    @Test
    void serializationRoundsUpToWholeNanoseconds() {
        // 64 bytes at 3 Gbit/s = 512 bits / 3 bit/ns = 170.67 ns: the frame has left at 171 ns.
        LinkConfig c = LinkConfig.builder().rateBitsPerSecond(3 * GBIT).build();
        assertThat(c.serializationNs(64)).isEqualTo(171);
        LinkConfig eth = c.toBuilder().rateBitsPerSecond(GBIT).wireOverheadBytes(LinkConfig.ETHERNET_WIRE_OVERHEAD).build();
        assertThat(eth.serializationNs(1500)).as("1500 + 24 bytes at 1 Gbit/s").isEqualTo((1500 + 24) * 8);
    }

    @Test
    void backToBackFramesQueueBehindEachOther() {
        Simulator sim = new Simulator(1);
        long delay = 2_000;
        Link link = new Link(sim, "l", LinkConfig.builder().rateBitsPerSecond(GBIT).delayNs(delay).build());
        Recorder rx = new Recorder(sim);
        link.b().attach(rx);
        for (int i = 0; i < 3; i++) {
            link.a().transmit(frame(1500, i));
        }
        sim.runUntil(40_000);
        link.a().transmit(frame(100, 3)); // the line is idle again by now: no queueing
        sim.run();
        long ser = 12_000;
        long[] want = {ser + delay, 2 * ser + delay, 3 * ser + delay, 40_000 + 800 + delay};
        assertThat(rx.times()).as("got %s, want %s", java.util.Arrays.toString(rx.times()), java.util.Arrays.toString(want))
                .containsExactly(want);
        assertThat(rx.ids()).containsExactly(0, 1, 2, 3);
    }

    @Test
    void fullQueueTailDropsAndReleasesTheFrame() {
        Simulator sim = new Simulator(1);
        Link link = new Link(sim, "l", LinkConfig.builder().rateBitsPerSecond(GBIT).queueLimit(2).build());
        Recorder rx = new Recorder(sim);
        link.b().attach(rx);
        List<ByteBuf> sent = new ArrayList<>();
        boolean[] accepted = new boolean[5];
        for (int i = 0; i < 5; i++) {
            Packet p = frame(1500, i);
            sent.add(p.buf());
            p.buf().retain(); // keep a reference so the test can see whether the link released its own
            accepted[i] = link.a().transmit(p);
        }
        // One on the wire + two waiting = three accepted; the last two find the queue full.
        assertThat(accepted).containsExactly(true, true, true, false, false);
        assertThat(link.a().stats().drops(LinkDropReason.QDISC_DROP)).isEqualTo(2);
        assertThat(sent.get(3).refCnt()).as("dropped frame refCnt: got %d, want 1 (ours)", sent.get(3).refCnt()).isEqualTo(1);
        assertThat(sent.get(0).refCnt()).as("queued frame refCnt: got %d, want 2", sent.get(0).refCnt()).isEqualTo(2);
        sim.run();
        assertThat(rx.ids()).containsExactly(0, 1, 2);
        // After the queue drained, frames are accepted again.
        assertThat(link.a().transmit(frame(60, 9))).isTrue();
    }

    @Test
    void queueLimitZeroStillSendsWhenTheLineIsIdle() {
        Simulator sim = new Simulator(1);
        Link link = new Link(sim, "l", LinkConfig.builder().rateBitsPerSecond(GBIT).queueLimit(0).build());
        link.b().attach(new Recorder(sim));
        assertThat(link.a().transmit(frame(60, 0))).isTrue();
        assertThat(link.a().transmit(frame(60, 1))).isFalse();
    }

    @Test
    void frameWhoseL3PayloadExceedsTheMtuIsDroppedAndCounted() {
        Simulator sim = new Simulator(1);
        Link link = new Link(sim, "l", LinkConfig.builder().mtu(1500).build());
        Recorder rx = new Recorder(sim);
        link.b().attach(rx);
        assertThat(link.a().transmit(frame(14 + 1500, 1))).as("1514-byte untagged frame").isTrue();
        assertThat(link.a().transmit(frame(14 + 1501, 2))).as("1515-byte untagged frame").isFalse();
        Packet tagged = frame(14 + 4 + 1500, 3);
        tagged.buf().setShort(12, 0x8100);
        tagged.buf().setShort(16, 0x0800);
        assertThat(link.a().transmit(tagged)).as("1518-byte frame with one 802.1Q tag").isTrue();
        Packet tooBigTagged = frame(14 + 4 + 1501, 4);
        tooBigTagged.buf().setShort(12, 0x8100);
        tooBigTagged.buf().setShort(16, 0x0800);
        assertThat(link.a().transmit(tooBigTagged)).as("1519-byte frame with one 802.1Q tag").isFalse();
        Packet qinq = frame(14 + 8 + 1500, 5);
        qinq.buf().setShort(12, 0x88A8);
        qinq.buf().setShort(16, 0x8100);
        qinq.buf().setShort(20, 0x0800);
        assertThat(link.a().transmit(qinq)).as("1522-byte QinQ frame").isTrue();
        ByteBuf raw = Unpooled.buffer(1501).writeZero(1501);
        assertThat(link.a().transmit(new Packet(raw, LinkType.RAW))).as("1501-byte raw IP packet").isFalse();
        assertThat(raw.refCnt()).as("dropped packet released").isZero();
        sim.run();
        assertThat(rx.ids()).containsExactly(1, 3, 5);
        LinkStats s = link.a().stats();
        assertThat(s.drops(LinkDropReason.PKT_TOO_BIG)).as("MTU drops: got %d, want 3", s.drops(LinkDropReason.PKT_TOO_BIG)).isEqualTo(3);
        assertThat(s.txPackets()).isEqualTo(3);
        assertThat(s.txBytes()).isEqualTo(1514 + 1518 + 1522);
        assertThat(s.rxPackets()).isEqualTo(3);
        assertThat(s.rxBytes()).isEqualTo(1514 + 1518 + 1522);
    }

    @Test
    void directionsAreIndependent() {
        Simulator sim = new Simulator(1);
        Link link = new Link(sim, "l",
                LinkConfig.builder().delayNs(100).build(),
                LinkConfig.builder().delayNs(7_000).build());
        Recorder atA = new Recorder(sim);
        Recorder atB = new Recorder(sim);
        link.a().attach(atA);
        link.b().attach(atB);
        link.a().transmit(frame(60, 1));
        link.b().transmit(frame(60, 2));
        sim.run();
        assertThat(atB.times()).containsExactly(100);
        assertThat(atA.times()).containsExactly(7_000);
        assertThat(link.a().stats().rxPackets()).isEqualTo(1);
        assertThat(link.b().stats().rxPackets()).isEqualTo(1);
    }

    @Test
    void frameArrivingAtAnEndWithNoReceiverIsDroppedAndReleased() {
        Simulator sim = new Simulator(1);
        Link link = new Link(sim, "l", LinkConfig.builder().build());
        Packet p = frame(60, 1);
        link.a().transmit(p);
        sim.run();
        assertThat(link.a().stats().drops(LinkDropReason.DEV_READY)).isEqualTo(1);
        assertThat(p.buf()).isNull(); // Packet.release() clears the buffer reference
    }

    @Test
    void bernoulliLossRateOver100kFramesIsWithinStatisticalBound() {
        double p = 0.1;
        int n = 100_000;
        Simulator sim = new Simulator(2024);
        Link link = new Link(sim, "l", LinkConfig.builder().loss(LossModel.bernoulli(p)).build());
        Recorder rx = new Recorder(sim);
        link.b().attach(rx);
        for (int i = 0; i < n; i++) {
            link.a().transmit(frame(60, i));
        }
        sim.run();
        long lost = link.a().stats().drops(LinkDropReason.LINK_LOSS);
        double rate = (double) lost / n;
        double bound = 5 * Math.sqrt(p * (1 - p) / n); // five standard deviations of a binomial mean
        assertThat(rate).as("loss rate: got %.5f, want %.5f ± %.5f", rate, p, bound).isCloseTo(p, within(bound));
        assertThat(rx.got.size() + lost).isEqualTo(n);
        assertThat(link.a().stats().txPackets()).as("lost frames were still sent").isEqualTo(n);
    }

    /**
     * Gilbert–Elliott: with P(good→bad) = p and P(bad→good) = r the chain spends p/(p+r) of the
     * time bad, so the expected loss is (r·lossGood + p·lossBad)/(p+r). Losses are correlated, so
     * the standard deviation of the mean is inflated by √((1+λ)/(1−λ)), λ = 1−p−r (the chain's
     * second eigenvalue). Also checks burstiness: P(loss | previous frame lost) must match the model.
     */
    @Test
    void gilbertElliottLossMatchesTheStationaryRateAndIsBursty() {
        double p = 0.01;
        double r = 0.1;
        double lg = 0.001;
        double lb = 0.5;
        int n = 100_000;
        Simulator sim = new Simulator(7);
        Link link = new Link(sim, "l", LinkConfig.builder().loss(LossModel.gilbertElliott(p, r, lg, lb)).build());
        boolean[] delivered = new boolean[n];
        link.b().attach((end, pkt) -> {
            delivered[pkt.buf().getInt(pkt.start())] = true;
            pkt.release();
        });
        for (int i = 0; i < n; i++) {
            link.a().transmit(frame(60, i));
        }
        sim.run();

        double piBad = p / (p + r);
        double want = (1 - piBad) * lg + piBad * lb;
        long lost = link.a().stats().drops(LinkDropReason.LINK_LOSS);
        double rate = (double) lost / n;
        double lambda = 1 - p - r;
        double sdState = Math.sqrt(piBad * (1 - piBad) / n * (1 + lambda) / (1 - lambda));
        double sd = Math.sqrt(Math.pow((lb - lg) * sdState, 2) + want * (1 - want) / n);
        double bound = 5 * sd;
        assertThat(rate).as("loss rate: got %.5f, want %.5f ± %.5f", rate, want, bound).isCloseTo(want, within(bound));

        // P(lost at k+1 | lost at k): the loss at k depends on the state at k, which then moves.
        double bothLost = (1 - piBad) * lg * ((1 - p) * lg + p * lb) + piBad * lb * (r * lg + (1 - r) * lb);
        double wantCond = bothLost / want;
        long pairs = 0;
        long lostAfterLost = 0;
        for (int i = 1; i < n; i++) {
            if (!delivered[i - 1]) {
                pairs++;
                if (!delivered[i]) {
                    lostAfterLost++;
                }
            }
        }
        double cond = (double) lostAfterLost / pairs;
        assertThat(cond).as("P(loss | previous lost): got %.4f, want %.4f", cond, wantCond).isCloseTo(wantCond, within(0.05));
        assertThat(cond).as("losses must be bursty: P(loss|loss) %.3f vs P(loss) %.3f", cond, want).isGreaterThan(3 * want);
        assertThat(LossModel.gilbertElliott(p, r, lg, lb).stationaryLossRate()).isCloseTo(want, within(1e-12));
    }

    @Test
    void uniformJitterStaysWithinItsBoundsAndCoversThem() {
        Simulator sim = new Simulator(3);
        long delay = 100_000;
        long j = 10_000;
        Link link = new Link(sim, "l", LinkConfig.builder().delayNs(delay).jitter(JitterModel.uniform(j)).build());
        long[] sentAt = new long[10_000];
        long[] lat = new long[10_000];
        link.b().attach((end, pkt) -> {
            int id = pkt.buf().getInt(pkt.start());
            lat[id] = sim.now() - sentAt[id];
            pkt.release();
        });
        for (int i = 0; i < sentAt.length; i++) {
            int id = i;
            sim.scheduleAt(i * 1_000L, () -> {
                sentAt[id] = sim.now();
                link.a().transmit(frame(60, id));
            });
        }
        sim.run();
        long min = java.util.Arrays.stream(lat).min().getAsLong();
        long max = java.util.Arrays.stream(lat).max().getAsLong();
        assertThat(min).as("min latency: got %d, want >= %d", min, delay - j).isGreaterThanOrEqualTo(delay - j);
        assertThat(max).as("max latency: got %d, want <= %d", max, delay + j).isLessThanOrEqualTo(delay + j);
        assertThat(min).as("jitter should reach near its lower bound").isLessThan(delay - j + j / 50);
        assertThat(max).as("jitter should reach near its upper bound").isGreaterThan(delay + j - j / 50);
    }

    @Test
    void normalJitterNeverMakesTheDelayNegative() {
        Simulator sim = new Simulator(4);
        Link link = new Link(sim, "l", LinkConfig.builder().delayNs(1_000).jitter(JitterModel.normal(10_000)).build());
        long[] sentAt = new long[5_000];
        long[] minLatency = {Long.MAX_VALUE};
        int[] zero = {0};
        link.b().attach((end, pkt) -> {
            long l = sim.now() - sentAt[pkt.buf().getInt(pkt.start())];
            minLatency[0] = Math.min(minLatency[0], l);
            if (l == 0) {
                zero[0]++;
            }
            pkt.release();
        });
        for (int i = 0; i < sentAt.length; i++) {
            int id = i;
            sim.scheduleAt(i * 100_000L, () -> {
                sentAt[id] = sim.now();
                link.a().transmit(frame(60, id));
            });
        }
        sim.run();
        assertThat(minLatency[0]).as("min latency: got %d, want >= 0", minLatency[0]).isGreaterThanOrEqualTo(0);
        // Φ(−0.1) ≈ 46% of samples fall below −delay: those are clamped to zero.
        assertThat(zero[0]).as("clamped samples: got %d of 5000, want about 2300", zero[0]).isBetween(2000, 2600);
    }

    @Test
    void jitterReordersFramesByDefaultButNotWhenReorderIsOff() {
        for (boolean allow : new boolean[] {true, false}) {
            Simulator sim = new Simulator(5);
            Link link = new Link(sim, "l", LinkConfig.builder().delayNs(50_000)
                    .jitter(JitterModel.uniform(20_000)).allowReorder(allow).build());
            Recorder rx = new Recorder(sim);
            link.b().attach(rx);
            for (int i = 0; i < 1_000; i++) {
                int id = i;
                sim.scheduleAt(i * 1_000L, () -> link.a().transmit(frame(60, id)));
            }
            sim.run();
            long[] ids = rx.ids();
            int inversions = 0;
            for (int i = 1; i < ids.length; i++) {
                if (ids[i] < ids[i - 1]) {
                    inversions++;
                }
            }
            assertThat(ids).hasSize(1_000);
            if (allow) {
                assertThat(inversions).as("reorder allowed: got %d inversions, want many", inversions).isGreaterThan(100);
            } else {
                assertThat(inversions).as("reorder off: got %d inversions, want 0", inversions).isZero();
            }
        }
    }

    @Test
    void sameSeedGivesIdenticalArrivalsAndAnotherSeedDoesNot() {
        long[][] a = lossyJitteryRun(11);
        long[][] b = lossyJitteryRun(11);
        long[][] c = lossyJitteryRun(12);
        assertThat(a[0]).isEqualTo(b[0]);
        assertThat(a[1]).isEqualTo(b[1]);
        assertThat(a[0].length > 0 && !java.util.Arrays.equals(a[0], c[0])).as("another seed should differ").isTrue();
    }

    private static long[][] lossyJitteryRun(long seed) {
        Simulator sim = new Simulator(seed);
        Link link = new Link(sim, "l", LinkConfig.builder().rateBitsPerSecond(GBIT).delayNs(10_000)
                .jitter(JitterModel.normal(3_000)).loss(LossModel.bernoulli(0.2)).build());
        Recorder rx = new Recorder(sim);
        link.b().attach(rx);
        for (int i = 0; i < 2_000; i++) {
            int id = i;
            sim.scheduleAt(i * 500L, () -> link.a().transmit(frame(60 + id % 1400, id)));
        }
        sim.run();
        return new long[][] {rx.times(), rx.ids()};
    }

    @Test
    void observerSeesTransmitReceiveAndDropsWithTheirReasons() {
        Simulator sim = new Simulator(1);
        Link link = new Link(sim, "wire", LinkConfig.builder().mtu(100).rateBitsPerSecond(GBIT).build());
        List<String> seen = new ArrayList<>();
        link.observer(new LinkObserver() {
            @Override
            public void onTransmit(LinkEnd from, Packet packet, long txStartNs) {
                seen.add(sim.now() + " tx " + from.name() + " start=" + txStartNs);
            }

            @Override
            public void onReceive(LinkEnd to, Packet packet) {
                seen.add(sim.now() + " rx " + to.name());
            }

            @Override
            public void onDrop(LinkEnd at, Packet packet, LinkDropReason reason) {
                seen.add(sim.now() + " drop " + at.name() + " " + reason);
            }
        });
        link.b().attach((end, p) -> p.release());
        link.a().transmit(frame(60, 1));
        link.a().transmit(frame(60, 2));
        link.a().transmit(frame(200, 3));
        link.b().transmit(frame(60, 4)); // end a has no receiver
        sim.run();
        assertThat(seen).containsExactly(
                "0 tx wire:a start=0",
                "0 tx wire:a start=480",
                "0 drop wire:a PKT_TOO_BIG",
                "0 tx wire:b start=0",
                "480 rx wire:b",
                "480 drop wire:a DEV_READY",
                "960 rx wire:b");
    }
}
