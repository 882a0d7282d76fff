package dev.podlab.net;

import dev.podlab.packet.MacAddress;

import dev.podlab.packet.Ipv4Address;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.random.MersenneTwister;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NUD state machine of net/core/neighbour.c step by step. Timer values are computed here from
 * the arp_tbl defaults (net/ipv4/arp.c): retrans_time 1 s, delay_first_probe_time 5 s, mcast_solicit
 * 3, ucast_solicit 3, locktime 1 s, and HZ/100 as the shortest timer.
 */
class NeighbourTableTest {
    static final long S = 1_000_000_000L;
    static final long MS = 1_000_000L;
    static final long RETRANS = 1 * S;
    static final long DELAY_FIRST_PROBE = 5 * S;
    static final long LOCKTIME = 1 * S;
    static final long HZ_100 = 10 * MS;
    /** The reachable time our source draws: inside [15 s, 45 s) as neigh_rand_reach_time requires. */
    static final long REACHABLE = 20 * S;

    static final DeviceRef ETH0 = new DeviceRef(2, "eth0");
    static final DeviceRef FLANNEL = new DeviceRef(4, "flannel.1");
    static final int PEER = Ipv4Address.parse("10.0.0.9");
    static final long PEER_MAC = MacAddress.parse("52:54:00:12:34:56");
    static final String BCAST = "ff:ff:ff:ff:ff:ff";

    final List<String> events = new ArrayList<>();
    NeighbourTable table;

    final NeighbourTable.Listener recorder = new NeighbourTable.Listener() {
        @Override
        public void solicit(DeviceRef dev, int ip, long targetMac, long now) {
            events.add(at(now) + " solicit " + Ipv4Address.toString(ip) + " dev " + dev.name() + " to " + MacAddress.toString(targetMac));
        }

        @Override
        public void transmit(DeviceRef dev, int ip, long lladdr, Object packet, long now) {
            events.add(at(now) + " transmit " + packet + " to " + MacAddress.toString(lladdr));
        }

        @Override
        public void drop(DeviceRef dev, int ip, Object packet, NeighbourTable.DropReason reason, long now) {
            events.add(at(now) + " drop " + packet + " " + reason);
        }
    };

    static String at(long ns) {
        return "t=" + ns / MS + "ms";
    }

    @BeforeEach
    void setUp() {
        table = new NeighbourTable(NeighbourTable.Params.arpDefaults(), base -> REACHABLE, recorder);
    }

    int state() {
        return table.get(ETH0, PEER).state();
    }

    void wantState(int want) {
        assertThat(state()).as("got %s, want %s", NeighbourTable.stateName(state()), NeighbourTable.stateName(want))
                .isEqualTo(want);
    }

    void wantEvents(String... want) {
        Check.lines(events, List.of(want));
        events.clear();
    }

    /** Resolves PEER at time t: output, then a unicast reply. */
    void resolve(long t) {
        table.output(ETH0, PEER, "p0", 100, t);
        table.onArpReply(ETH0, PEER, PEER_MAC, true, t);
        events.clear();
    }

    @Test
    void incompleteSendsMcastSolicitBroadcastsRetransTimeApartThenFails() {
        assertThat(table.output(ETH0, PEER, "p1", 1000, 0)).isFalse();
        wantState(NeighbourTable.NUD_INCOMPLETE);
        wantEvents("t=0ms solicit 10.0.0.9 dev eth0 to " + BCAST);
        Check.equal(table.nextDeadlineNs(), RETRANS, "next deadline");
        table.advance(RETRANS);
        table.advance(2 * RETRANS);
        wantEvents("t=1000ms solicit 10.0.0.9 dev eth0 to " + BCAST, "t=2000ms solicit 10.0.0.9 dev eth0 to " + BCAST);
        wantState(NeighbourTable.NUD_INCOMPLETE);
        // After mcast_solicit (3) probes the next timer finds probes >= max and fails the entry.
        table.advance(3 * RETRANS);
        wantEvents("t=3000ms drop p1 NEIGH_FAILED");
        wantState(NeighbourTable.NUD_FAILED);
        Check.equal(table.nextDeadlineNs(), Long.MAX_VALUE, "next deadline");
        Check.text(table.show(), "10.0.0.9 dev eth0 FAILED \n");
    }

    @Test
    void advanceFiresEachTimerAtItsOwnDeadline() {
        table.output(ETH0, PEER, "p1", 1000, 0);
        events.clear();
        table.advance(10 * S);
        wantEvents("t=1000ms solicit 10.0.0.9 dev eth0 to " + BCAST, "t=2000ms solicit 10.0.0.9 dev eth0 to " + BCAST,
                "t=3000ms drop p1 NEIGH_FAILED");
    }

    @Test
    void replyToIncompleteMakesItReachableAndReleasesTheQueueInOrder() {
        table.output(ETH0, PEER, "p1", 1000, 0);
        table.output(ETH0, PEER, "p2", 1000, 100 * MS);
        events.clear();
        table.onArpReply(ETH0, PEER, PEER_MAC, true, 200 * MS);
        wantState(NeighbourTable.NUD_REACHABLE);
        wantEvents("t=200ms transmit p1 to 52:54:00:12:34:56", "t=200ms transmit p2 to 52:54:00:12:34:56");
        Check.text(table.show(), "10.0.0.9 dev eth0 lladdr 52:54:00:12:34:56 REACHABLE \n");
        Check.text(table.show(ETH0), "10.0.0.9 lladdr 52:54:00:12:34:56 REACHABLE \n");
    }

    @Test
    void reachableBecomesStaleAfterReachableTimeWhenUnused() {
        resolve(0);
        // The timer fires at confirmed + reachable_time; "now <= confirmed + reachable_time" still holds,
        // so the kernel re-arms it HZ/100 later and only then declares the entry STALE.
        table.advance(REACHABLE);
        wantState(NeighbourTable.NUD_REACHABLE);
        Check.equal(table.nextDeadlineNs(), REACHABLE + HZ_100, "next deadline");
        table.advance(REACHABLE + HZ_100);
        wantState(NeighbourTable.NUD_STALE);
        Check.equal(table.nextDeadlineNs(), Long.MAX_VALUE, "next deadline");
        wantEvents();
    }

    @Test
    void reachableUsedWithinDelayFirstProbeTimeGoesStraightToDelay() {
        resolve(0);
        long lastUse = REACHABLE - 2 * S;
        table.output(ETH0, PEER, "p1", 100, lastUse);
        table.advance(REACHABLE + HZ_100);
        wantState(NeighbourTable.NUD_DELAY);
        Check.equal(table.nextDeadlineNs(), REACHABLE + HZ_100 + DELAY_FIRST_PROBE, "next deadline");
    }

    @Test
    void staleOutputMovesToDelayThenProbeSendsUcastSolicitUnicastsThenFails() {
        resolve(0);
        table.advance(REACHABLE + HZ_100);
        wantState(NeighbourTable.NUD_STALE);
        long t = 60 * S;
        // A STALE entry is used as is: the packet leaves at once with the cached address.
        assertThat(table.output(ETH0, PEER, "p1", 100, t)).isTrue();
        wantEvents("t=60000ms transmit p1 to 52:54:00:12:34:56");
        wantState(NeighbourTable.NUD_DELAY);
        Check.equal(table.nextDeadlineNs(), t + DELAY_FIRST_PROBE, "next deadline");
        table.advance(t + DELAY_FIRST_PROBE);
        wantState(NeighbourTable.NUD_PROBE);
        wantEvents("t=65000ms solicit 10.0.0.9 dev eth0 to 52:54:00:12:34:56");
        table.advance(t + DELAY_FIRST_PROBE + 2 * RETRANS);
        wantEvents("t=66000ms solicit 10.0.0.9 dev eth0 to 52:54:00:12:34:56",
                "t=67000ms solicit 10.0.0.9 dev eth0 to 52:54:00:12:34:56");
        wantState(NeighbourTable.NUD_PROBE);
        table.advance(t + DELAY_FIRST_PROBE + 3 * RETRANS);
        wantState(NeighbourTable.NUD_FAILED);
        Check.text(table.show(), "10.0.0.9 dev eth0 FAILED \n");
    }

    @Test
    void confirmationDuringDelayReturnsToReachable() {
        resolve(0);
        table.advance(REACHABLE + HZ_100);
        long t = 40 * S;
        table.output(ETH0, PEER, "p1", 100, t);
        table.confirm(ETH0, PEER, t + 2 * S);
        table.advance(t + DELAY_FIRST_PROBE);
        wantState(NeighbourTable.NUD_REACHABLE);
        Check.equal(table.nextDeadlineNs(), t + 2 * S + REACHABLE, "next deadline");
    }

    @Test
    void replyDuringProbeMakesItReachable() {
        resolve(0);
        table.advance(REACHABLE + HZ_100);
        long t = 40 * S;
        table.output(ETH0, PEER, "p1", 100, t);
        table.advance(t + DELAY_FIRST_PROBE);
        wantState(NeighbourTable.NUD_PROBE);
        table.onArpReply(ETH0, PEER, PEER_MAC, true, t + DELAY_FIRST_PROBE + 300 * MS);
        wantState(NeighbourTable.NUD_REACHABLE);
    }

    @Test
    void arpRequestForOurAddressCreatesStaleEntry() {
        table.onArpRequest(ETH0, PEER, PEER_MAC, true, 5 * S);
        wantState(NeighbourTable.NUD_STALE);
        Check.text(table.show(), "10.0.0.9 dev eth0 lladdr 52:54:00:12:34:56 STALE \n");
        // A request not for us does not create entries (arp_accept 0).
        table.onArpRequest(ETH0, Ipv4Address.parse("10.0.0.10"), PEER_MAC + 1, false, 5 * S);
        assertThat(table.get(ETH0, Ipv4Address.parse("10.0.0.10"))).isNull();
    }

    @Test
    void requestFromReachableNeighbourWithSameAddressKeepsItReachable() {
        resolve(0);
        table.onArpRequest(ETH0, PEER, PEER_MAC, true, 3 * S);
        wantState(NeighbourTable.NUD_REACHABLE);
        // With a new address the override flag of neigh_event_ns moves it to STALE.
        table.onArpRequest(ETH0, PEER, PEER_MAC + 1, true, 4 * S);
        wantState(NeighbourTable.NUD_STALE);
        Check.equal(table.get(ETH0, PEER).lladdr(), PEER_MAC + 1, "lladdr");
    }

    @Test
    void differentReplyWithinLocktimeIsIgnored() {
        resolve(0);
        long other = MacAddress.parse("52:54:00:aa:bb:cc");
        table.onArpReply(ETH0, PEER, other, true, LOCKTIME);
        Check.equal(table.get(ETH0, PEER).lladdr(), PEER_MAC, "lladdr within locktime");
        table.onArpReply(ETH0, PEER, other, true, LOCKTIME + 1);
        Check.equal(table.get(ETH0, PEER).lladdr(), other, "lladdr after locktime");
    }

    @Test
    void broadcastReplyOnlyRefreshesToStale() {
        table.output(ETH0, PEER, "p1", 100, 0);
        events.clear();
        table.onArpReply(ETH0, PEER, PEER_MAC, false, 100 * MS);
        wantState(NeighbourTable.NUD_STALE);
        wantEvents("t=100ms transmit p1 to 52:54:00:12:34:56");
    }

    @Test
    void unresolvedQueueOverflowDropsTheOldestPacket() {
        Check.equal(NeighbourTable.Params.arpDefaults().queueLenBytes(), 212_992, "unres_qlen_bytes (SK_WMEM_MAX)");
        NeighbourTable.Params small = new NeighbourTable.Params(3, 3, 0, 0, RETRANS, 30 * S, DELAY_FIRST_PROBE,
                LOCKTIME, 3000);
        table = new NeighbourTable(small, base -> REACHABLE, recorder);
        for (int i = 1; i <= 4; i++) {
            table.output(ETH0, PEER, "p" + i, 1000, i * MS);
        }
        wantEvents("t=1ms solicit 10.0.0.9 dev eth0 to " + BCAST, "t=4ms drop p1 NEIGH_QUEUEFULL");
        Check.equal(table.unresolvedDiscards(), 1L, "unres_discards");
        Check.equal(table.get(ETH0, PEER).queuedBytes(), 3000, "queued bytes");
        table.advance(10 * S);
        wantEvents("t=1001ms solicit 10.0.0.9 dev eth0 to " + BCAST, "t=2001ms solicit 10.0.0.9 dev eth0 to " + BCAST,
                "t=3001ms drop p2 NEIGH_FAILED", "t=3001ms drop p3 NEIGH_FAILED", "t=3001ms drop p4 NEIGH_FAILED");
    }

    @Test
    void failedEntryResolvesAgainOnTheNextPacket() {
        table.output(ETH0, PEER, "p1", 100, 0);
        table.advance(10 * S);
        events.clear();
        table.output(ETH0, PEER, "p2", 100, 20 * S);
        wantState(NeighbourTable.NUD_INCOMPLETE);
        wantEvents("t=20000ms solicit 10.0.0.9 dev eth0 to " + BCAST);
    }

    @Test
    void permanentEntriesIgnoreArpAndPrintAsTheFlannelReference() {
        // flannel.md §2.3 (node1): node0's VTEP added first, node2's second.
        table.addPermanent(FLANNEL, Ipv4Address.parse("10.244.0.0"), MacAddress.parse("8a:cd:53:ad:c3:2b"), 0);
        table.addPermanent(FLANNEL, Ipv4Address.parse("10.244.2.0"), MacAddress.parse("a6:41:5a:24:99:8b"), 0);
        table.onArpReply(FLANNEL, Ipv4Address.parse("10.244.2.0"), PEER_MAC, true, 10 * S);
        assertThat(table.output(FLANNEL, Ipv4Address.parse("10.244.2.0"), "p", 100, 10 * S)).isTrue();
        wantEvents("t=10000ms transmit p to a6:41:5a:24:99:8b");
        Check.lines(Reference.trimmedLines(table.show(FLANNEL)), Reference.output("flannel.md", "$ ip neigh show dev flannel.1"));
        Check.equal(table.nextDeadlineNs(), Long.MAX_VALUE, "next deadline");
    }

    @Test
    void calicoVxlanNeighbourMatchesReference() {
        DeviceRef vxlan = new DeviceRef(3, "vxlan.calico");
        table.addPermanent(vxlan, Ipv4Address.parse("10.233.72.0"), MacAddress.parse("66:0a:21:41:0a:c1"), 0);
        Check.lines(Reference.trimmedLines(table.show(vxlan)), Reference.output("calico.md", "$ ip neigh show dev vxlan.calico"));
    }

    @Test
    void uniformReachableTimeStaysWithinHalfToThreeHalvesOfBase() {
        NeighbourTable.ReachableTimeSource source = NeighbourTable.ReachableTimeSource.uniform(new MersenneTwister(7));
        long base = 30 * S;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 10_000; i++) {
            long t = source.reachableTimeNs(base);
            min = Math.min(min, t);
            max = Math.max(max, t);
        }
        assertThat(min).as("got min %d, want >= %d", min, base / 2).isGreaterThanOrEqualTo(base / 2);
        assertThat(max).as("got max %d, want < %d", max, 3 * base / 2).isLessThan(3 * base / 2);
        assertThat(max - min).as("got spread %d, want close to base", max - min).isGreaterThan(base * 9 / 10);
    }

    @Test
    void reachableTimeIsRedrawnAfterThreeHundredSeconds() {
        long[] draws = {16 * S, 44 * S};
        int[] i = {0};
        NeighbourTable t = new NeighbourTable(NeighbourTable.Params.arpDefaults(), base -> draws[i[0]++], recorder);
        Check.equal(t.reachableTimeNs(300 * S), 16 * S, "reachable_time at 300 s");
        Check.equal(t.reachableTimeNs(300 * S + 1), 44 * S, "reachable_time after 300 s");
    }
}
