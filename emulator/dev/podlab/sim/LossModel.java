package dev.podlab.sim;

/**
 * How a link direction loses frames on the wire. A value object (configuration only); the state a
 * model needs while running (the Gilbert–Elliott channel state) lives in the link.
 *
 * <p>Loss is decided per frame, in transmission order, from the direction's own random stream.
 */
public sealed interface LossModel {

    /** No loss. */
    static LossModel none() {
        return None.INSTANCE;
    }

    /** Each frame is lost independently with {@code probability}. */
    static LossModel bernoulli(double probability) {
        return new Bernoulli(probability);
    }

    /**
     * The Gilbert–Elliott two-state burst-loss channel, as in netem's {@code loss gemodel p r 1-h
     * 1-k}.
     *
     * @param p probability of moving from the good to the bad state after a frame
     * @param r probability of moving from the bad to the good state after a frame
     * @param lossInGood probability a frame is lost while the channel is good (netem's 1-k)
     * @param lossInBad probability a frame is lost while the channel is bad (netem's 1-h)
     */
    static LossModel gilbertElliott(double p, double r, double lossInGood, double lossInBad) {
        return new GilbertElliott(p, r, lossInGood, lossInBad);
    }

    /** The long-run fraction of frames this model loses. */
    double stationaryLossRate();

    /** No loss. */
    enum None implements LossModel {
        INSTANCE;

        @Override
        public double stationaryLossRate() {
            return 0;
        }
    }

    /** Independent loss with a fixed probability. */
    record Bernoulli(double probability) implements LossModel {
        public Bernoulli {
            checkProbability("probability", probability);
        }

        @Override
        public double stationaryLossRate() {
            return probability;
        }
    }

    /**
     * Two-state Markov loss. The channel starts good. For each frame the loss is decided with the
     * probability of the current state, then the state moves (good to bad with {@code p}, bad to
     * good with {@code r}); the mean length of a bad period is {@code 1/r} frames.
     */
    record GilbertElliott(double p, double r, double lossInGood, double lossInBad) implements LossModel {
        public GilbertElliott {
            checkProbability("p", p);
            checkProbability("r", r);
            checkProbability("lossInGood", lossInGood);
            checkProbability("lossInBad", lossInBad);
            if (p + r == 0) {
                throw new IllegalArgumentException("p and r are both 0: the channel never changes state");
            }
        }

        /** Long-run fraction of frames sent while the channel is bad: p / (p + r). */
        public double stationaryBadFraction() {
            return p / (p + r);
        }

        @Override
        public double stationaryLossRate() {
            double bad = stationaryBadFraction();
            return (1 - bad) * lossInGood + bad * lossInBad;
        }
    }

    private static void checkProbability(String name, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + v);
        }
    }
}
