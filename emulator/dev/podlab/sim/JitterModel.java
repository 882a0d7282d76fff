package dev.podlab.sim;

/**
 * Random variation added to a link direction's propagation delay, per frame, in the manner of
 * netem's {@code delay D J [distribution normal]}. The total delay of a frame is clamped at zero:
 * a frame never arrives before it has finished leaving the sender.
 *
 * <p>Samples come from Apache Commons Math distributions driven by the direction's own random
 * stream and are rounded to whole nanoseconds.
 */
public sealed interface JitterModel {

    /** No jitter. */
    static JitterModel none() {
        return None.INSTANCE;
    }

    /** Delay uniformly distributed in [delay − maxNs, delay + maxNs] (netem {@code delay D J}). */
    static JitterModel uniform(long maxNs) {
        return new Uniform(maxNs);
    }

    /** Delay normally distributed around the delay with {@code sigmaNs} (netem {@code distribution normal}). */
    static JitterModel normal(long sigmaNs) {
        return new Normal(sigmaNs);
    }

    /** No jitter. */
    enum None implements JitterModel {
        INSTANCE
    }

    /** Uniform jitter in [−maxNs, +maxNs]. */
    record Uniform(long maxNs) implements JitterModel {
        public Uniform {
            if (maxNs <= 0) {
                throw new IllegalArgumentException("maxNs must be > 0, got " + maxNs);
            }
        }
    }

    /** Normal jitter with mean 0 and standard deviation {@code sigmaNs}. */
    record Normal(long sigmaNs) implements JitterModel {
        public Normal {
            if (sigmaNs <= 0) {
                throw new IllegalArgumentException("sigmaNs must be > 0, got " + sigmaNs);
            }
        }
    }
}
