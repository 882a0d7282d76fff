package dev.podlab.netfilter.conntrack;

import dev.podlab.net.Hook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Tcp;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Table size and "table full" (nf_conntrack_core.c {@code __nf_conntrack_alloc},
 * {@code early_drop}; reference section 7), the table's commands ({@code conntrack -D/-F/-S})
 * and the allocation-free fast path.
 */
class ConntrackTableTest {

    private static ConntrackHarness small(int max, int buckets) {
        ConntrackSysctls s = new ConntrackSysctls();
        s.max = max;
        s.buckets = buckets;
        return new ConntrackHarness(s);
    }

    @Test
    void bucketsAndMaxFollowMemoryAsInCurrentKernels() {
        assertThat(ConntrackSysctls.forMemory(8L << 30).buckets).isEqualTo(262_144);
        assertThat(ConntrackSysctls.forMemory(8L << 30).max).isEqualTo(262_144);
        assertThat(ConntrackSysctls.forMemory(2L << 30).buckets).isEqualTo(65_536);
        assertThat(ConntrackSysctls.forMemory(512L << 20).buckets).isEqualTo(4096);
        assertThat(ConntrackSysctls.forMemory(64L << 20).buckets).isEqualTo(1024);
    }

    @Test
    void fullTableOfAssuredEntriesDropsNewPacketsButNotThoseOfExistingEntries() {
        ConntrackHarness h = small(2, 8);
        var a = h.conversation("10.0.0.1", 1001, "10.0.0.2", 80);
        var b = h.conversation("10.0.0.1", 1002, "10.0.0.2", 80);
        a.handshake();
        b.handshake();
        assertThat(h.conntrack.table().count()).isEqualTo(2);

        PacketConntrack third = h.forward(h.tcp("10.0.0.1", 1003, "10.0.0.2", 80, Tcp.SYN, 1, 0));
        assertThat(h.lastVerdict).isEqualTo(Verdict.DROP);
        assertThat(third.entry()).isNull();
        assertThat(h.conntrack.stats().drop()).isEqualTo(1);
        assertThat(h.conntrack.stats().earlyDrop()).isZero();
        assertThat(h.conntrack.table().count()).isEqualTo(2);

        PacketConntrack data = a.fromClient(Tcp.ACK | Tcp.PSH, 10);
        assertThat(h.lastVerdict).isEqualTo(Verdict.PASS);
        assertThat(data.stateName()).isEqualTo("ESTABLISHED");
        assertThat(b.fromServer(Tcp.ACK, 0).stateName()).isEqualTo("ESTABLISHED");
    }

    @Test
    void fullTableEarlyDropsAnUnassuredEntryToMakeRoom() {
        // With 8 buckets, early_drop's 8-bucket scan covers the whole table.
        ConntrackHarness h = small(2, 8);
        h.forward(h.udp("10.0.0.1", 5001, "10.0.0.2", 53, 10));
        h.forward(h.udp("10.0.0.1", 5002, "10.0.0.2", 53, 10));
        PacketConntrack third = h.forward(h.udp("10.0.0.1", 5003, "10.0.0.2", 53, 10));
        assertThat(h.lastVerdict).isEqualTo(Verdict.PASS);
        assertThat(third.stateName()).isEqualTo("NEW");
        assertThat(h.conntrack.stats().earlyDrop()).isPositive();
        assertThat(h.conntrack.stats().drop()).isZero();
        assertThat(h.conntrack.table().count()).isLessThanOrEqualTo(2);
        assertThat(h.lookup(IpProtocol.UDP, "10.0.0.1", 5003, "10.0.0.2", 53)).isNotNull();
    }

    @Test
    void deleteByTupleFlushAndStatistics() {
        ConntrackHarness h = new ConntrackHarness();
        h.forward(h.udp("10.0.0.1", 5001, "10.0.0.2", 53, 10));
        h.forward(h.udp("10.0.0.1", 5002, "10.0.0.2", 53, 10));
        h.forward(h.udp("10.0.0.1", 5003, "10.0.0.2", 53, 10));
        // -D matches either tuple of an entry: here the reply tuple.
        Tuple reply = Tuple.of(IpProtocol.UDP, ConntrackHarness.ip("10.0.0.2"), ConntrackHarness.ip("10.0.0.1"), 53, 5001);
        assertThat(h.conntrack.delete(reply, h.now)).isTrue();
        assertThat(h.conntrack.delete(reply, h.now)).isFalse();
        assertThat(h.conntrack.table().count()).isEqualTo(2);
        assertThat(h.conntrack.flush()).isEqualTo(2);
        assertThat(h.conntrack.list(h.now)).isEmpty();
        h.forward(h.echo("10.0.0.2", "10.0.0.1", 0, 1, 1));
        assertThat(h.conntrack.stats().toConntrackS()).isEqualTo(
                "cpu=0   \tfound=0 invalid=1 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 "
                        + "search_restart=0 clash_resolve=0 chaintoolong=0 ");
        assertThat(ConntrackListing.summary(3)).isEqualTo(
                "conntrack v1.4.6 (conntrack-tools): 3 flow entries have been shown.");
    }

    @Test
    void listingIsInTableOrderWithIdsAndCountersOnRequest() {
        ConntrackSysctls s = new ConntrackSysctls();
        s.acct = true;
        ConntrackHarness h = new ConntrackHarness(s);
        h.forward(h.udp("10.0.0.1", 5001, "10.0.0.2", 53, 10));
        h.forward(h.udp("10.0.0.2", 53, "10.0.0.1", 5001, 20));
        String line = ConntrackListing.list(h.conntrack, h.now, true);
        assertThat(line).isEqualTo("udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5001 dport=53 packets=1 bytes=38 "
                + "src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5001 packets=1 bytes=48 mark=0 use=1 id=1\n");
        // Two listings of the same table are identical (deterministic dump order).
        for (int p = 6000; p < 6050; p++) {
            h.forward(h.udp("10.0.0.1", p, "10.0.0.2", 53, 10));
        }
        assertThat(h.conntrack.list(h.now)).isEqualTo(h.conntrack.list(h.now)).hasLineCount(51);
    }

    @Test
    void establishedPacketsAllocateNothing() {
        ConntrackHarness h = new ConntrackHarness();
        h.dnat = ct -> NatRange.addressPort(ConntrackHarness.ip("10.244.1.3"), 9376);
        var c = h.conversation("10.244.2.4", 41822, "10.96.211.47", 80);
        c.fromClient(Tcp.SYN, 0);
        c.fromServer("10.244.1.3", 9376, "10.244.2.4", 41822, Tcp.SYN | Tcp.ACK, 0);
        ByteBuf ack = h.tcp("10.244.2.4", 41822, "10.96.211.47", 80, Tcp.ACK, c.cseq, c.sseq);
        int off = ConntrackHarness.ipOffset(ack);
        byte[] original = new byte[ack.readableBytes()];
        ack.getBytes(ack.readerIndex(), original);
        PacketConntrack skb = new PacketConntrack();
        Conntrack ct = h.conntrack;
        Nat nat = ct.nat();
        long now = h.now;
        Runnable onePacket = () -> {
            ack.setBytes(ack.readerIndex(), original);
            skb.reset();
            ct.in(Hook.PREROUTING, ack, off, now, skb);
            nat.manip(skb, Hook.PREROUTING, ack, off, now);
            nat.manip(skb, Hook.POSTROUTING, ack, off, now);
            ct.confirm(ack, off, now, skb);
        };
        for (int i = 0; i < 20_000; i++) {
            onePacket.run();
        }
        assertThat(skb.stateName()).isEqualTo("ESTABLISHED");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 10_000; i++) {
            onePacket.run();
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        // One 16-byte object per packet would be 160 KB; the JIT on a busy machine may add a few KB.
        assertThat(allocated).as("bytes allocated by 10000 ESTABLISHED packets").isLessThan(16 * 1024);
    }
}
