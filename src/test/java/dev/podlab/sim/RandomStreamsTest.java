package dev.podlab.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.commons.math3.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RandomStreamsTest {

    private static long[] draw(RandomGenerator g, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = g.nextLong();
        }
        return out;
    }

    @Test
    void sameRootSeedAndNameGiveTheSameSequence() {
        long[] a = draw(new RandomStreams(7).stream("link/x/loss"), 100);
        long[] b = draw(new RandomStreams(7).stream("link/x/loss"), 100);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void differentNamesOrSeedsGiveDifferentSequences() {
        RandomStreams s = new RandomStreams(7);
        long[] a = draw(s.stream("a"), 10);
        long[] b = draw(s.stream("b"), 10);
        long[] c = draw(new RandomStreams(8).stream("a"), 10);
        assertThat(a).isNotEqualTo(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void addingAComponentDoesNotPerturbAnotherComponentsStream() {
        RandomStreams alone = new RandomStreams(99);
        long[] want = draw(alone.stream("traffic"), 50);

        RandomStreams crowded = new RandomStreams(99);
        draw(crowded.stream("new-component"), 1000);
        long[] got = draw(crowded.stream("traffic"), 50);
        assertThat(got).isEqualTo(want);
    }

    @Test
    void askingTwiceForTheSameNameIsRejected() {
        RandomStreams s = new RandomStreams(1);
        s.stream("x");
        assertThatThrownBy(() -> s.stream("x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void simulatorExposesItsRootSeed() {
        Simulator sim = new Simulator(1234);
        assertThat(sim.seed()).isEqualTo(1234);
        assertThat(sim.random().rootSeed()).isEqualTo(1234);
    }
}
