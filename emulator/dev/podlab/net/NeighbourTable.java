package dev.podlab.net;

import dev.podlab.packet.MacAddress;

import dev.podlab.packet.Ipv4Address;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * The IPv4 neighbour (ARP) table of one network namespace: net/core/neighbour.c driven by
 * net/ipv4/arp.c, in virtual time. Entries are keyed by (device, IPv4 address) and carry the Linux
 * NUD state machine:
 *
 * <pre>
 *   (new) --output--> INCOMPLETE --mcast_probes broadcasts, retrans_time apart--> FAILED
 *                        | reply                                  (queue dropped: NEIGH_FAILED)
 *                        v
 *   REACHABLE --reachable_time since confirmed--> STALE --output--> DELAY
 *      ^   (used within delay_first_probe_time: straight to DELAY)        | delay_first_probe_time
 *      |                                                                  v  without confirmation
 *      +----- reply / confirmation ---------------------------------- PROBE --ucast_probes unicasts--> FAILED
 * </pre>
 *
 * The caller drives time: every method takes the current virtual time in nanoseconds, {@link
 * #advance} fires the timers that are due ({@code neigh_timer_handler}), and {@link
 * #nextDeadlineNs} says when to call it again, so a simulator needs one timer per table. What the
 * kernel would do to the outside world — send an ARP request, transmit or drop a queued packet — is
 * reported to the {@link Listener} given at construction, in the order the kernel does it.
 *
 * <p>Defaults are those of {@code arp_tbl} (net/ipv4/arp.c): mcast_solicit 3, ucast_solicit 3,
 * app_solicit 0, mcast_resolicit 0, retrans_time 1 s, base_reachable_time 30 s,
 * delay_first_probe_time 5 s, locktime 1 s, unres_qlen_bytes SK_WMEM_MAX (212992 on x86-64; the
 * queue counts each packet's {@code skb->truesize}, which the caller supplies). {@code
 * reachable_time} is drawn uniformly from [base/2, 3·base/2) by {@code neigh_rand_reach_time} from
 * the caller's {@link ReachableTimeSource}, once per table and again when it is older than 300 s
 * ({@code neigh_periodic_work}); the kernel keeps one per device.
 *
 * <p>Not modelled: garbage collection. {@code neigh_periodic_work} only collects when the table holds
 * at least gc_thresh1 (128) entries, so tables of lab size keep FAILED and STALE entries, as they do
 * here. Also not modelled: proxy ARP, gratuitous-ARP override, NTF_ROUTER/extern_learn flags.
 */
public final class NeighbourTable {
    public static final int NUD_NONE = 0x00;
    public static final int NUD_INCOMPLETE = 0x01;
    public static final int NUD_REACHABLE = 0x02;
    public static final int NUD_STALE = 0x04;
    public static final int NUD_DELAY = 0x08;
    public static final int NUD_PROBE = 0x10;
    public static final int NUD_FAILED = 0x20;
    public static final int NUD_NOARP = 0x40;
    public static final int NUD_PERMANENT = 0x80;

    static final int NUD_IN_TIMER = NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE;
    static final int NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;
    static final int NUD_CONNECTED = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE;

    /** Target of a broadcast ARP request. */
    public static final long BROADCAST = 0xffff_ffff_ffffL;

    private static final long SECOND = 1_000_000_000L;
    /** HZ/100: the kernel never arms a neighbour timer closer than one hundredth of a second. */
    private static final long MIN_TIMER = SECOND / 100;
    private static final long REACH_RANDOMIZE_INTERVAL = 300 * SECOND;

    /** Kernel drop reasons (include/net/dropreason-core.h) for packets the table discards. */
    public enum DropReason {
        /** The unresolved queue was over unres_qlen_bytes: the oldest packet is dropped. */
        NEIGH_QUEUEFULL,
        /** Resolution failed; the kernel reports host unreachable to the sender (arp_error_report). */
        NEIGH_FAILED
    }

    /** What the table asks of the world. Called synchronously, in kernel order. */
    public interface Listener {
        /** arp_solicit: send an ARP request for {@code ip} on {@code dev} to {@code targetMac} ({@link #BROADCAST} or the cached address). */
        void solicit(DeviceRef dev, int ip, long targetMac, long nowNs);

        /** Transmit {@code packet} to {@code lladdr} (a packet given to {@link #output} or one released from the queue). */
        void transmit(DeviceRef dev, int ip, long lladdr, Object packet, long nowNs);

        /** {@code packet}, given to {@link #output}, is dropped. */
        void drop(DeviceRef dev, int ip, Object packet, DropReason reason, long nowNs);
    }

    /** Draws reachable_time; must return a value in [base/2, 3·base/2). */
    @FunctionalInterface
    public interface ReachableTimeSource {
        long reachableTimeNs(long baseReachableTimeNs);

        /** {@code neigh_rand_reach_time}: base/2 plus a uniform value below base, from a seeded generator. */
        static ReachableTimeSource uniform(RandomGenerator random) {
            return base -> (base >> 1) + (long) (random.nextDouble() * base);
        }
    }

    /** The per-table parameters (the {@code neigh_parms} sysctls), in nanoseconds where they are times. */
    public record Params(int mcastProbes, int ucastProbes, int appProbes, int mcastReprobes,
            long retransTimeNs, long baseReachableTimeNs, long delayProbeTimeNs, long lockTimeNs,
            int queueLenBytes) {
        /** arp_tbl defaults. */
        public static Params arpDefaults() {
            return new Params(3, 3, 0, 0, SECOND, 30 * SECOND, 5 * SECOND, SECOND, 212_992);
        }
    }

    /** One entry: a read-only view for callers. */
    public static final class Neighbour {
        final DeviceRef dev;
        final int ip;
        final long seq;
        int state = NUD_NONE;
        long lladdr = -1;
        long confirmed;
        long updated;
        long used;
        long timer = Long.MAX_VALUE;
        int probes;
        final ArrayDeque<Object> queue = new ArrayDeque<>();
        final ArrayDeque<Integer> queueSizes = new ArrayDeque<>();
        int queueBytes;

        Neighbour(DeviceRef dev, int ip, long seq, long now, long baseReachable) {
            this.dev = dev;
            this.ip = ip;
            this.seq = seq;
            this.updated = now;
            this.used = now;
            // neigh_alloc: confirmed = jiffies - (BASE_REACHABLE_TIME << 1)
            this.confirmed = now - (baseReachable << 1);
        }

        public DeviceRef dev() {
            return dev;
        }

        public int ip() {
            return ip;
        }

        /** The NUD state bits ({@link #NUD_REACHABLE}, ...). */
        public int state() {
            return state;
        }

        /** The link-layer address if the state is valid, else -1. */
        public long lladdr() {
            return (state & NUD_VALID) != 0 ? lladdr : -1;
        }

        /** Bytes ({@code truesize}) queued while unresolved. */
        public int queuedBytes() {
            return queueBytes;
        }

        public int queuedPackets() {
            return queue.size();
        }

        /** ARP probes sent in the current INCOMPLETE/PROBE round ({@code neigh->probes}). */
        public int probes() {
            return probes;
        }
    }

    private final Params params;
    private final ReachableTimeSource random;
    private final Listener listener;
    private final LongObjectMap<Neighbour> byKey = new LongObjectMap<>();
    /** Entries in creation order: timers due at the same instant fire in this order. */
    private final List<Neighbour> entries = new ArrayList<>();
    /** The entries whose timer runs (see {@link #setTimer}). */
    private final List<Neighbour> timed = new ArrayList<>();
    /** See {@link #timerChanges()}. */
    private int timerChanges;
    private long reachableTime;
    private long lastRand;
    private long seq;
    private long unresDiscards;

    public NeighbourTable(Params params, ReachableTimeSource random, Listener listener) {
        this.params = params;
        this.random = random;
        this.listener = listener;
        this.reachableTime = -1; // drawn on first use: most tables of a large cluster never need it
        this.lastRand = 0;
    }

    private long drawReachableTime() {
        long base = params.baseReachableTimeNs();
        long t = random.reachableTimeNs(base);
        if (base > 0 && (t < base / 2 || t >= base / 2 + base)) {
            throw new IllegalStateException("reachable time " + t + " outside [base/2, 3*base/2)");
        }
        return t;
    }

    /** The current reachable_time (re-drawn when older than 300 s, as neigh_periodic_work does). */
    public long reachableTimeNs(long now) {
        if (reachableTime < 0) {
            // The value the constructor used to draw: same stream, same first number.
            reachableTime = drawReachableTime();
        } else if (now - lastRand > REACH_RANDOMIZE_INTERVAL) {
            lastRand = now;
            reachableTime = drawReachableTime();
        }
        return reachableTime;
    }

    private static long key(DeviceRef dev, int ip) {
        return ((long) dev.ifindex() << 32) | (ip & 0xffff_ffffL);
    }

    /** The entry for (dev, ip), or null ({@code neigh_lookup}). No side effect. */
    public Neighbour get(DeviceRef dev, int ip) {
        return byKey.get(key(dev, ip));
    }

    /** Packets dropped because the unresolved queue overflowed ({@code unres_discards}). */
    public long unresolvedDiscards() {
        return unresDiscards;
    }

    private Neighbour create(DeviceRef dev, int ip, long now) {
        Neighbour n = new Neighbour(dev, ip, seq++, now, params.baseReachableTimeNs());
        byKey.put(key(dev, ip), n);
        entries.add(n);
        return n;
    }

    // ---------------------------------------------------------------------------------------------
    // Output path: __neigh_create + neigh_event_send (neigh_resolve_output)

    /**
     * Sends {@code packet} to the neighbour {@code ip} on {@code dev}, creating the entry if needed,
     * as {@code neigh_resolve_output} does: with a usable address (REACHABLE, PERMANENT, NOARP, DELAY,
     * PROBE, or STALE which moves to DELAY) the packet is transmitted at once through the listener;
     * otherwise it is queued (INCOMPLETE) and the first broadcast probe goes out.
     *
     * @param truesize the packet's {@code skb->truesize}, what unres_qlen_bytes counts
     * @return true if the packet was transmitted now, false if queued or dropped
     */
    public boolean output(DeviceRef dev, int ip, Object packet, int truesize, long now) {
        Neighbour n = get(dev, ip);
        if (n == null) {
            n = create(dev, ip, now);
        }
        n.used = now;
        int state = n.state;
        if ((state & (NUD_CONNECTED | NUD_DELAY | NUD_PROBE)) != 0) {
            listener.transmit(dev, ip, n.lladdr, packet, now);
            return true;
        }
        boolean immediateProbe = false;
        if ((state & (NUD_STALE | NUD_INCOMPLETE)) == 0) {
            if (params.mcastProbes() + params.appProbes() > 0) {
                n.probes = params.ucastProbes();
                n.state = NUD_INCOMPLETE;
                n.updated = now;
                immediateProbe = true;
                setTimer(n, now + Math.max(params.retransTimeNs(), MIN_TIMER));
            } else {
                n.state = NUD_FAILED;
                n.updated = now;
                listener.drop(dev, ip, packet, DropReason.NEIGH_FAILED, now);
                return false;
            }
        } else if ((state & NUD_STALE) != 0) {
            n.state = NUD_DELAY;
            n.updated = now;
            setTimer(n, now + params.delayProbeTimeNs());
        }
        if (n.state == NUD_INCOMPLETE) {
            while (n.queueBytes + truesize > params.queueLenBytes() && !n.queue.isEmpty()) {
                Object old = n.queue.removeFirst();
                n.queueBytes -= n.queueSizes.removeFirst();
                unresDiscards++;
                listener.drop(dev, ip, old, DropReason.NEIGH_QUEUEFULL, now);
            }
            n.queue.addLast(packet);
            n.queueSizes.addLast(truesize);
            n.queueBytes += truesize;
            if (immediateProbe) {
                probe(n, now);
            }
            return false;
        }
        listener.transmit(dev, ip, n.lladdr, packet, now);
        return true;
    }

    // ---------------------------------------------------------------------------------------------
    // Input path: arp_process, neigh_event_ns, neigh_confirm

    /**
     * An ARP reply from {@code sip}/{@code sha} arrived on {@code dev} (arp_process). An existing entry
     * becomes REACHABLE if the reply was unicast to this host, STALE if it was broadcast; a different
     * address replaces the cached one only when the entry was last updated more than locktime ago. No
     * entry is created (arp_accept 0).
     */
    public void onArpReply(DeviceRef dev, int sip, long sha, boolean unicastToUs, long now) {
        Neighbour n = get(dev, sip);
        if (n == null) {
            return;
        }
        boolean override = now > n.updated + params.lockTimeNs();
        update(n, sha, true, unicastToUs ? NUD_REACHABLE : NUD_STALE, override, false, now);
    }

    /**
     * An ARP request from {@code sip}/{@code sha} arrived on {@code dev}. If it asks for one of this
     * host's addresses ({@code forLocalAddress}), {@code neigh_event_ns} creates or updates the
     * sender's entry as STALE with override (the caller sends the reply). Otherwise only an existing
     * entry is updated to STALE, subject to locktime.
     */
    public void onArpRequest(DeviceRef dev, int sip, long sha, boolean forLocalAddress, long now) {
        Neighbour n = get(dev, sip);
        if (forLocalAddress) {
            if (n == null) {
                n = create(dev, sip, now);
            }
            update(n, sha, true, NUD_STALE, true, false, now);
            return;
        }
        if (n != null) {
            boolean override = now > n.updated + params.lockTimeNs();
            update(n, sha, true, NUD_STALE, override, false, now);
        }
    }

    /** {@code neigh_confirm}: an upper layer (e.g. TCP ACK progress) confirms {@code ip} is reachable. */
    public void confirm(DeviceRef dev, int ip, long now) {
        Neighbour n = get(dev, ip);
        if (n != null && n.confirmed != now) {
            n.confirmed = now;
        }
    }

    /**
     * {@code ip neigh replace IP lladdr MAC nud STATE dev DEV}: an administrative update (NEIGH_UPDATE_F_ADMIN |
     * OVERRIDE), which may set any state including PERMANENT and NOARP.
     */
    public Neighbour replace(DeviceRef dev, int ip, long lladdr, int state, long now) {
        Neighbour n = get(dev, ip);
        if (n == null) {
            n = create(dev, ip, now);
        }
        update(n, lladdr, true, state, true, true, now);
        return n;
    }

    /** {@code ip neigh replace IP lladdr MAC dev DEV nud permanent} — what flannel and Felix install for VTEPs. */
    public Neighbour addPermanent(DeviceRef dev, int ip, long lladdr, long now) {
        return replace(dev, ip, lladdr, NUD_PERMANENT, now);
    }

    /** {@code ip neigh del}: removes the entry; queued packets are dropped as NEIGH_FAILED. */
    public boolean delete(DeviceRef dev, int ip, long now) {
        Neighbour n = byKey.remove(key(dev, ip));
        if (n == null) {
            return false;
        }
        entries.remove(n);
        invalidate(n, now);
        setTimer(n, Long.MAX_VALUE);
        return true;
    }

    /** neigh_update, for the flags arp.c and rtnetlink use (OVERRIDE, ADMIN). */
    private void update(Neighbour n, long lladdr, boolean hasLladdr, int newState, boolean override,
            boolean admin, long now) {
        int old = n.state;
        if (!admin && (old & (NUD_NOARP | NUD_PERMANENT)) != 0) {
            return;
        }
        if ((newState & NUD_VALID) == 0) {
            setTimer(n, Long.MAX_VALUE);
            n.state = newState;
            if ((old & (NUD_INCOMPLETE | NUD_PROBE)) != 0 && newState == NUD_FAILED) {
                invalidate(n, now);
            }
            return;
        }
        long ll;
        if (hasLladdr) {
            ll = lladdr;
        } else {
            if ((old & NUD_VALID) == 0) {
                return;
            }
            ll = n.lladdr;
        }
        boolean sameAddress = (old & NUD_VALID) != 0 && ll == n.lladdr;
        if ((newState & NUD_CONNECTED) != 0) {
            n.confirmed = now;
        }
        if ((old & NUD_VALID) != 0) {
            if (!sameAddress && !override) {
                return;
            }
            if (sameAddress && newState == NUD_STALE && !admin) {
                newState = old;
            }
        }
        if (newState != old || !sameAddress) {
            n.updated = now;
        }
        if (newState != old) {
            setTimer(n, Long.MAX_VALUE);
            if ((newState & NUD_PROBE) != 0) {
                n.probes = 0;
            }
            if ((newState & NUD_IN_TIMER) != 0) {
                setTimer(n, now + ((newState & NUD_REACHABLE) != 0 ? reachableTimeNs(now) : 0));
            }
            n.state = newState;
        }
        if (!sameAddress) {
            n.lladdr = ll;
            if ((newState & NUD_CONNECTED) == 0) {
                n.confirmed = now - (params.baseReachableTimeNs() << 1);
            }
        }
        if (newState == old) {
            return;
        }
        if ((old & NUD_VALID) == 0) {
            // Resolved: send what waited (neigh_update's arp_queue loop).
            while ((n.state & NUD_VALID) != 0 && !n.queue.isEmpty()) {
                Object p = n.queue.removeFirst();
                n.queueBytes -= n.queueSizes.removeFirst();
                listener.transmit(n.dev, n.ip, n.lladdr, p, now);
            }
            n.queue.clear();
            n.queueSizes.clear();
            n.queueBytes = 0;
        }
    }

    /** neigh_invalidate: queued packets are dropped and reported unreachable. */
    private void invalidate(Neighbour n, long now) {
        while (!n.queue.isEmpty()) {
            Object p = n.queue.removeFirst();
            n.queueBytes -= n.queueSizes.removeFirst();
            listener.drop(n.dev, n.ip, p, DropReason.NEIGH_FAILED, now);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Timers: neigh_timer_handler

    /** The earliest pending timer, or {@link Long#MAX_VALUE} when none is armed. */
    /**
     * A count raised whenever a timer is armed, moved or stopped: while it stays the same,
     * {@link #nextDeadlineNs()} does too.
     */
    public int timerChanges() {
        return timerChanges;
    }

    public long nextDeadlineNs() {
        long min = Long.MAX_VALUE;
        for (int i = 0, size = timed.size(); i < size; i++) {
            min = Math.min(min, timed.get(i).timer);
        }
        return min;
    }

    /**
     * Arms ({@code at < Long.MAX_VALUE}) or disarms an entry's timer, keeping {@link #timed} the
     * list of entries with a running timer, so deadlines are found without scanning entries in
     * timer-less states (PERMANENT, NOARP, STALE, FAILED: on a flannel node, one per peer).
     */
    private void setTimer(Neighbour n, long at) {
        timerChanges++;
        boolean was = n.timer != Long.MAX_VALUE;
        n.timer = at;
        boolean is = at != Long.MAX_VALUE;
        if (is && !was) {
            timed.add(n);
        } else if (!is && was) {
            timed.remove(n);
        }
    }

    /** Fires, at their own deadlines and in time order, every timer due at or before {@code now}. */
    public void advance(long now) {
        while (true) {
            Neighbour due = null;
            for (int i = 0, size = timed.size(); i < size; i++) {
                Neighbour n = timed.get(i);
                // Earliest first; equal deadlines in creation order.
                if (n.timer <= now && (due == null || n.timer < due.timer
                        || n.timer == due.timer && n.seq < due.seq)) {
                    due = n;
                }
            }
            if (due == null) {
                return;
            }
            long t = due.timer;
            setTimer(due, Long.MAX_VALUE);
            timerHandler(due, t);
        }
    }

    private int maxProbes(Neighbour n) {
        return params.ucastProbes() + params.appProbes()
                + ((n.state & NUD_PROBE) != 0 ? params.mcastReprobes() : params.mcastProbes());
    }

    private void timerHandler(Neighbour n, long now) {
        int state = n.state;
        if ((state & NUD_IN_TIMER) == 0) {
            return;
        }
        long next = now + SECOND;
        long reach = reachableTimeNs(now);
        if ((state & NUD_REACHABLE) != 0) {
            if (now <= n.confirmed + reach) {
                next = n.confirmed + reach;
            } else if (now <= n.used + params.delayProbeTimeNs()) {
                n.state = NUD_DELAY;
                n.updated = now;
                next = now + params.delayProbeTimeNs();
            } else {
                n.state = NUD_STALE;
                n.updated = now;
            }
        } else if ((state & NUD_DELAY) != 0) {
            if (now <= n.confirmed + params.delayProbeTimeNs()) {
                n.state = NUD_REACHABLE;
                n.updated = now;
                next = n.confirmed + reach;
            } else {
                n.state = NUD_PROBE;
                n.updated = now;
                n.probes = 0;
                next = now + Math.max(params.retransTimeNs(), MIN_TIMER);
            }
        } else {
            next = now + Math.max(params.retransTimeNs(), MIN_TIMER);
        }
        if ((n.state & (NUD_INCOMPLETE | NUD_PROBE)) != 0 && n.probes >= maxProbes(n)) {
            n.state = NUD_FAILED;
            n.updated = now;
            invalidate(n, now);
            return;
        }
        if ((n.state & NUD_IN_TIMER) != 0) {
            setTimer(n, Math.max(next, now + MIN_TIMER));
        }
        if ((n.state & (NUD_INCOMPLETE | NUD_PROBE)) != 0) {
            probe(n, now);
        }
    }

    /** neigh_probe + arp_solicit: the first ucast_solicit probes of a round go to the cached address, the rest are broadcast. */
    private void probe(Neighbour n, long now) {
        int p = n.probes - params.ucastProbes();
        if (p < 0) {
            listener.solicit(n.dev, n.ip, n.lladdr, now);
        } else if (p - params.appProbes() >= 0) {
            listener.solicit(n.dev, n.ip, BROADCAST, now);
        }
        n.probes++;
    }

    // ---------------------------------------------------------------------------------------------
    // ip neigh show (ip/ipneigh.c print_neigh)

    /** {@code ip -4 neigh show}: every entry iproute2's default filter shows (not NONE, not NOARP). */
    public String show() {
        return show(null);
    }

    /**
     * {@code ip -4 neigh show dev DEV} (dev may be null for all devices). Lines are formatted as
     * iproute2 5.16 and later print them: every attribute followed by one blank, {@code lladdr} only
     * for valid states ({@code neigh_fill_info}), e.g. {@code 10.0.0.9 dev eth0 INCOMPLETE }. (Older
     * iproute2 printed {@code 10.0.0.9 dev eth0  INCOMPLETE} with no trailing blank.) Entries are listed
     * newest first; the kernel walks its hash buckets, whose order depends on a per-boot random seed.
     */
    public String show(DeviceRef devFilter) {
        StringBuilder sb = new StringBuilder();
        for (int i = entries.size() - 1; i >= 0; i--) {
            Neighbour n = entries.get(i);
            if (devFilter != null && !devFilter.equals(n.dev)) {
                continue;
            }
            if (n.state == NUD_NONE || (n.state & (0xff & ~NUD_NOARP)) == 0) {
                continue;
            }
            sb.append(Ipv4Address.toString(n.ip)).append(' ');
            if (devFilter == null) {
                sb.append("dev ").append(n.dev.name()).append(' ');
            }
            if ((n.state & NUD_VALID) != 0) {
                sb.append("lladdr ").append(MacAddress.toString(n.lladdr)).append(' ');
            }
            sb.append(stateName(n.state)).append(' ');
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The state name as print_neigh_state prints it. */
    public static String stateName(int state) {
        return switch (state) {
            case NUD_INCOMPLETE -> "INCOMPLETE";
            case NUD_REACHABLE -> "REACHABLE";
            case NUD_STALE -> "STALE";
            case NUD_DELAY -> "DELAY";
            case NUD_PROBE -> "PROBE";
            case NUD_FAILED -> "FAILED";
            case NUD_NOARP -> "NOARP";
            case NUD_PERMANENT -> "PERMANENT";
            case NUD_NONE -> "NONE";
            default -> "0x" + Integer.toHexString(state);
        };
    }
}
