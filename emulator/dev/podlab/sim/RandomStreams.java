package dev.podlab.sim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

/**
 * The random streams of one simulation, all derived from one root seed.
 *
 * <p>Each component asks for its own stream under a stable name (for example
 * {@code "link/node1-eth0/a>b/loss"}). A stream's seed is a function of the root seed and the name
 * only, so adding, removing or reordering components never perturbs the numbers another component
 * draws, and a whole run is repeatable from its root seed.
 *
 * <p>Derivation: the SHA-256 digest of the root seed (8 bytes, big-endian) followed by the UTF-8
 * bytes of the name gives 256 bits, used as eight 32-bit words to seed a {@link Well19937c}. A
 * full-width seed avoids the weak, mostly-zero initial states that a WELL generator is slow to
 * escape when seeded from a single {@code long}.
 *
 * <p>Names must be unique within a simulation: two components sharing a name would draw perfectly
 * correlated numbers, so asking twice for the same name is an error.
 */
public final class RandomStreams {
    private final long rootSeed;
    private final Set<String> issued = new HashSet<>(); // membership only; never iterated

    /** The streams derived from {@code rootSeed}. */
    public RandomStreams(long rootSeed) {
        this.rootSeed = rootSeed;
    }

    /** The root seed. */
    public long rootSeed() {
        return rootSeed;
    }

    /**
     * A new generator for the component named {@code name}.
     *
     * @throws IllegalStateException if a stream of that name was already handed out
     */
    public RandomGenerator stream(String name) {
        Objects.requireNonNull(name, "name");
        if (!issued.add(name)) {
            throw new IllegalStateException("random stream \"" + name + "\" was already handed out");
        }
        return new Lazy(rootSeed, name);
    }

    /**
     * A new generator for one of several components that share a name (two connections a client
     * opens at the same virtual instant): the first gets {@code name}, the next {@code name#2},
     * and so on, in the order they ask, which a seeded run repeats.
     */
    public RandomGenerator streamFor(String name) {
        Objects.requireNonNull(name, "name");
        String unique = name;
        for (int n = 2; issued.contains(unique); n++) {
            unique = name + "#" + n;
        }
        return stream(unique);
    }

    /**
     * A stream whose generator is made on its first draw: a WELL generator's 2.5 KB state costs
     * more to set up than most components ever draw from it (a pod's namespace has several
     * streams and may never use them), and large clusters build thousands. The numbers are those
     * of {@code new Well19937c(seedWords(root, name))}, drawn in the same order.
     */
    private static final class Lazy implements RandomGenerator {
        private final long root;
        private final String name;
        private RandomGenerator g;

        Lazy(long root, String name) {
            this.root = root;
            this.name = name;
        }

        private RandomGenerator g() {
            if (g == null) {
                g = new Well19937c(seedWords(root, name));
            }
            return g;
        }

        @Override
        public void setSeed(int seed) {
            g().setSeed(seed);
        }

        @Override
        public void setSeed(int[] seed) {
            g().setSeed(seed);
        }

        @Override
        public void setSeed(long seed) {
            g().setSeed(seed);
        }

        @Override
        public void nextBytes(byte[] bytes) {
            g().nextBytes(bytes);
        }

        @Override
        public int nextInt() {
            return g().nextInt();
        }

        @Override
        public int nextInt(int n) {
            return g().nextInt(n);
        }

        @Override
        public long nextLong() {
            return g().nextLong();
        }

        @Override
        public boolean nextBoolean() {
            return g().nextBoolean();
        }

        @Override
        public float nextFloat() {
            return g().nextFloat();
        }

        @Override
        public double nextDouble() {
            return g().nextDouble();
        }

        @Override
        public double nextGaussian() {
            return g().nextGaussian();
        }
    }

    /** The eight seed words of the stream {@code name} under {@code rootSeed}. */
    static int[] seedWords(long rootSeed, String name) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
        for (int shift = 56; shift >= 0; shift -= 8) {
            sha.update((byte) (rootSeed >>> shift));
        }
        byte[] d = sha.digest(name.getBytes(StandardCharsets.UTF_8));
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = ((d[4 * i] & 0xff) << 24) | ((d[4 * i + 1] & 0xff) << 16)
                    | ((d[4 * i + 2] & 0xff) << 8) | (d[4 * i + 3] & 0xff);
        }
        return words;
    }
}
