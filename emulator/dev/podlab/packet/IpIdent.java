package dev.podlab.packet;

import java.util.SplittableRandom;

/**
 * IPv4 Identification values chosen the way Linux chooses them, made deterministic.
 *
 * <p>Linux ({@code ip_select_ident_segs} in include/net/ip.h, {@code __ip_select_ident} and
 * {@code ip_idents_reserve} in net/ipv4/route.c) picks the ID of a locally generated packet in
 * this order:
 * <ol>
 *   <li>a <em>connected</em> socket ({@code inet_daddr} set: every TCP socket once connected or
 *       accepted, a connected UDP socket) uses its private counter {@code inet_id}, seeded with a
 *       random 16-bit value at connect/accept and advanced by the number of segments: see
 *       {@link SocketCounter};</li>
 *   <li>otherwise a packet with DF set and {@code ignore_df} clear gets ID 0. {@code ignore_df}
 *       is set for sockets whose PMTU mode is below {@code IP_PMTUDISC_DO}, i.e. for the default
 *       {@code IP_PMTUDISC_WANT}; so in practice ID 0 is seen on the TCP control socket's RSTs
 *       and ACKs ({@code ip_send_unicast_reply}, PMTUDISC_DO) and on SYN-ACKs built by
 *       {@code ip_build_and_send_pkt}, which sets DF and ID 0 directly;</li>
 *   <li>everything else (unconnected UDP and ping sockets even with DF set, the ICMP socket's
 *       errors and echo replies, tunnel outer headers built by {@code iptunnel_xmit}) takes the
 *       next value of one of a table of counters selected by a hash of (daddr, saddr, protocol)
 *       with a boot-time random key: {@link #hashed}.</li>
 * </ol>
 *
 * <p>Modelling choices: the hash key and the initial counters come from the seed, never from the
 * clock; the kernel also adds a random jump proportional to the time a bucket sat idle
 * ({@code ip_idents_reserve}'s {@code delta}), which is left out so that IDs of one flow are
 * strictly consecutive. One instance per network namespace; not thread-safe.
 */
public final class IpIdent {
    /** Number of counter buckets (a power of two; the kernel sizes its table from memory). */
    public static final int BUCKETS = 2048;

    private final int[] counters = new int[BUCKETS];
    private final int key;

    public IpIdent(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        this.key = random.nextInt();
        for (int i = 0; i < BUCKETS; i++) {
            counters[i] = random.nextInt();
        }
    }

    /**
     * The next hashed ID for a packet from {@code src} to {@code dst} with {@code protocol}
     * ({@code __ip_select_ident}), reserving {@code segs} consecutive values for a GSO packet.
     */
    public int hashed(int src, int dst, int protocol, int segs) {
        int bucket = mix(dst, src, protocol ^ key) & (BUCKETS - 1);
        int id = counters[bucket];
        counters[bucket] = id + segs;
        return id & 0xffff;
    }

    /** {@link #hashed(int, int, int, int)} for one segment. */
    public int hashed(int src, int dst, int protocol) {
        return hashed(src, dst, protocol, 1);
    }

    /**
     * The ID rule of {@code ip_select_ident_segs} for a packet that is not from a connected
     * socket: 0 when DF is set and not ignored, else {@link #hashed}.
     */
    public int unconnected(boolean df, boolean ignoreDf, int src, int dst, int protocol) {
        return df && !ignoreDf ? 0 : hashed(src, dst, protocol, 1);
    }

    private static int mix(int a, int b, int c) {
        // murmur3-style finalisation of the three words: any good mix serves, the kernel's key is
        // random anyway, so bit-exact jhash values would carry no meaning.
        int h = a * 0xcc9e2d51;
        h ^= Integer.rotateLeft(b * 0x1b873593, 13);
        h ^= Integer.rotateLeft(c * 0xe6546b64, 7);
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /**
     * The private ID counter of a connected socket ({@code inet_sk(sk)->inet_id}). Linux seeds it
     * with {@code get_random_u16()} in {@code tcp_v4_connect} and for an accepted socket in
     * {@code tcp_v4_syn_recv_sock}; the caller passes a value from its seeded random source.
     */
    public static final class SocketCounter {
        private int next;

        public SocketCounter(int initial) {
            this.next = initial & 0xffff;
        }

        /**
         * The ID for a TCP packet of {@code segs} segments: the current value, then the counter
         * advances (TCP holds the socket lock, so the kernel does a plain read then set).
         */
        public int nextTcp(int segs) {
            int id = next;
            next = (next + segs) & 0xffff;
            return id;
        }

        /**
         * The ID for a datagram of a connected non-TCP socket: the kernel uses
         * {@code atomic_add_return}, so the first packet carries initial + segs.
         */
        public int nextDatagram(int segs) {
            next = (next + segs) & 0xffff;
            return next;
        }

        public int peek() {
            return next;
        }
    }
}
