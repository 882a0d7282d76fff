package dev.podlab.netfilter.conntrack;

import dev.podlab.net.Hook;

import static dev.podlab.netfilter.conntrack.ConntrackHarness.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.Tcp;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

/**
 * The TCP tracker against nf_conntrack_proto_tcp.c: the state table, the default timeouts
 * (SYN_SENT 120 s, SYN_RECV 60 s, ESTABLISHED 432000 s, FIN_WAIT 120 s, CLOSE_WAIT 60 s, LAST_ACK
 * 30 s, TIME_WAIT 120 s, CLOSE 10 s, UNACK 300 s) and the special rules of
 * {@code nf_conntrack_tcp_packet} (reference netfilter-conntrack.md section 5).
 */
class TcpConntrackTest {
    private final ConntrackHarness h = new ConntrackHarness();

    @Test
    void handshakeGoesSynSentSynRecvEstablishedAndAssured() {
        var c = h.conversation("192.168.133.135", 22, "192.168.133.1", 52636);
        PacketConntrack syn = c.fromClient(Tcp.SYN, 0);
        assertThat(syn.stateName()).isEqualTo("NEW");
        assertThat(syn.stateBits()).isEqualTo(PacketConntrack.STATE_NEW);
        ConntrackEntry ct = h.lookupTcp("192.168.133.135", 22, "192.168.133.1", 52636);
        assertThat(ct.stateName()).isEqualTo("SYN_SENT");
        assertThat(ct.secondsLeft(h.now)).isEqualTo(120);
        assertThat(h.line(ct)).contains("SYN_SENT").contains("[UNREPLIED]").doesNotContain("[ASSURED]");

        h.advance(0.001);
        PacketConntrack synAck = c.fromServer(Tcp.SYN | Tcp.ACK, 0);
        assertThat(synAck.ctinfo()).isEqualTo(PacketConntrack.IP_CT_ESTABLISHED_REPLY);
        assertThat(ct.stateName()).isEqualTo("SYN_RECV");
        assertThat(ct.secondsLeft(h.now)).isEqualTo(60);
        assertThat(ct.isAssured()).isFalse();

        h.advance(0.001);
        PacketConntrack ack = c.fromClient(Tcp.ACK, 0);
        assertThat(ack.ctinfo()).isEqualTo(PacketConntrack.IP_CT_ESTABLISHED);
        assertThat(ct.stateName()).isEqualTo("ESTABLISHED");
        assertThat(ct.isAssured()).isTrue();

        // The line below was printed by conntrack -L on a real node (reference section 9); an
        // entry refreshed half a second ago shows 431999 of its 432000 seconds.
        h.advance(0.5);
        assertThat(h.conntrack.list(h.now)).isEqualTo(
                "tcp      6 431999 ESTABLISHED src=192.168.133.135 dst=192.168.133.1 sport=22 dport=52636 "
                        + "src=192.168.133.1 dst=192.168.133.135 sport=52636 dport=22 [ASSURED] mark=0 use=1\n");
    }

    @Test
    void finTeardownWalksFinWaitCloseWaitLastAckTimeWaitAndExpiresAfter120Seconds() {
        var c = h.conversation("10.0.0.1", 40000, "10.0.0.2", 80);
        c.handshake();
        ConntrackEntry ct = h.lookupTcp("10.0.0.1", 40000, "10.0.0.2", 80);

        c.fromClient(Tcp.FIN | Tcp.ACK, 0);
        assertThat(ct.stateName()).isEqualTo("FIN_WAIT");
        assertThat(ct.secondsLeft(h.now)).isEqualTo(120);
        c.fromServer(Tcp.ACK, 0);
        assertThat(ct.stateName()).isEqualTo("CLOSE_WAIT");
        assertThat(ct.secondsLeft(h.now)).isEqualTo(60);
        c.fromServer(Tcp.FIN | Tcp.ACK, 0);
        assertThat(ct.stateName()).isEqualTo("LAST_ACK");
        assertThat(ct.secondsLeft(h.now)).isEqualTo(30);
        c.fromClient(Tcp.ACK, 0);
        assertThat(ct.stateName()).isEqualTo("TIME_WAIT");
        assertThat(ct.secondsLeft(h.now)).isEqualTo(120);

        long closedAt = h.now;
        assertThat(h.conntrack.nextDeadlineNs()).isEqualTo(closedAt + 120 * SECOND);
        h.now = closedAt + 120 * SECOND - 1;
        assertThat(h.conntrack.gc(h.now)).isZero();
        assertThat(h.conntrack.list(h.now)).startsWith("tcp      6 0 TIME_WAIT ");
        h.now = closedAt + 120 * SECOND;
        assertThat(h.conntrack.gc(h.now)).isEqualTo(1);
        assertThat(h.lookupTcp("10.0.0.1", 40000, "10.0.0.2", 80)).isNull();
        assertThat(h.conntrack.list(h.now)).isEmpty();
        assertThat(h.conntrack.nextDeadlineNs()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void expiredEntryIsInvisibleToLookupsEvenBeforeGc() {
        var c = h.conversation("10.0.0.1", 40000, "10.0.0.2", 80);
        c.fromClient(Tcp.SYN, 0);
        h.advance(120);
        assertThat(h.conntrack.list(h.now)).isEmpty();
        // A late SYN/ACK finds nothing: as a reply-direction SYN/ACK it cannot create an entry.
        PacketConntrack late = c.fromServer(Tcp.SYN | Tcp.ACK, 0);
        assertThat(late.isInvalid()).isTrue();
        assertThat(h.conntrack.table().count()).isZero();
    }

    @Test
    void rstMovesToCloseWithTenSeconds() {
        var c = h.conversation("10.0.0.1", 40000, "10.0.0.2", 80);
        c.handshake();
        ConntrackEntry ct = h.lookupTcp("10.0.0.1", 40000, "10.0.0.2", 80);
        h.advance(5);
        PacketConntrack rst = c.fromClient(Tcp.RST, 0);
        assertThat(rst.stateName()).isEqualTo("ESTABLISHED");
        assertThat(ct.stateName()).isEqualTo("CLOSE");
        assertThat(ct.secondsLeft(h.now)).isEqualTo(10);
        h.advance(10);
        h.conntrack.gc(h.now);
        assertThat(h.conntrack.table().count()).isZero();
    }

    @Test
    void rstBelowTheAcknowledgedSequenceIsInvalidAndKeepsTheConnection() {
        var c = h.conversation("10.0.0.1", 40000, "10.0.0.2", 80);
        c.handshake();
        ConntrackEntry ct = h.lookupTcp("10.0.0.1", 40000, "10.0.0.2", 80);
        // The server acknowledged up to c.cseq; a RST with an older sequence is "invalid rst".
        ByteBuf bogus = h.tcp("10.0.0.1", 40000, "10.0.0.2", 80, Tcp.RST, c.cseq - 100_000, 0);
        PacketConntrack skb = h.forward(bogus);
        assertThat(skb.isInvalid()).isTrue();
        assertThat(skb.stateBits()).isEqualTo(PacketConntrack.STATE_INVALID);
        assertThat(ct.stateName()).isEqualTo("ESTABLISHED");
        assertThat(h.conntrack.stats().invalid()).isEqualTo(1);
    }

    @Test
    void rstAsTheOnlyReplyDeletesTheEntryAtOnce() {
        var c = h.conversation("10.0.0.1", 40000, "10.0.0.2", 81);
        ByteBuf syn = h.tcp("10.0.0.1", 40000, "10.0.0.2", 81, Tcp.SYN, 1000, 0);
        ByteBuf synCopy = syn.copy();
        h.forward(syn);
        assertThat(h.conntrack.table().count()).isEqualTo(1);
        // The closed port answers as tcp_v4_send_reset does: seq 0, RST|ACK acknowledging the SYN.
        ByteBuf rst = h.frames.tcpResetFor(synCopy, ConntrackHarness.ipOffset(synCopy), 2, 1);
        PacketConntrack skb = h.forward(rst);
        assertThat(skb.stateName()).isEqualTo("ESTABLISHED");
        assertThat(h.conntrack.table().count()).isZero();
        assertThat(c).isNotNull();
    }

    @Test
    void bareAckWithoutEntryIsPickedUpAsEstablishedCappedAt300Seconds() {
        ByteBuf ack = h.tcp("10.0.0.1", 40000, "10.0.0.2", 80, Tcp.ACK, 7000, 9000, 100);
        PacketConntrack skb = h.forward(ack);
        assertThat(skb.stateName()).isEqualTo("NEW");
        ConntrackEntry ct = h.lookupTcp("10.0.0.1", 40000, "10.0.0.2", 80);
        assertThat(ct.stateName()).isEqualTo("ESTABLISHED");
        assertThat(ct.secondsLeft(h.now)).isEqualTo(300);
        assertThat(h.line(ct)).contains("[UNREPLIED]").doesNotContain("[ASSURED]");

        // The peer's answer, then another packet: the picked-up connection becomes ASSURED.
        h.forward(h.tcp("10.0.0.2", 80, "10.0.0.1", 40000, Tcp.ACK, 9000, 7100));
        h.forward(h.tcp("10.0.0.1", 40000, "10.0.0.2", 80, Tcp.ACK, 7100, 9000));
        assertThat(ct.isAssured()).isTrue();
        assertThat(ct.secondsLeft(h.now)).isEqualTo(432_000);
    }

    @Test
    void bareAckWithoutEntryIsInvalidWhenLooseIsOff() {
        ConntrackSysctls s = new ConntrackSysctls();
        s.tcpLoose = false;
        ConntrackHarness strict = new ConntrackHarness(s);
        PacketConntrack skb = strict.forward(strict.tcp("10.0.0.1", 40000, "10.0.0.2", 80, Tcp.ACK, 7000, 9000));
        assertThat(skb.isInvalid()).isTrue();
        assertThat(strict.conntrack.table().count()).isZero();
    }

    @Test
    void finOrSynAckWithoutEntryAndBadFlagCombinationsAreInvalid() {
        assertThat(h.forward(h.tcp("10.0.0.1", 1, "10.0.0.2", 80, Tcp.FIN | Tcp.ACK, 1, 1)).isInvalid()).isTrue();
        assertThat(h.forward(h.tcp("10.0.0.1", 2, "10.0.0.2", 80, Tcp.SYN | Tcp.ACK, 1, 1)).isInvalid()).isTrue();
        assertThat(h.forward(h.tcp("10.0.0.1", 3, "10.0.0.2", 80, Tcp.SYN | Tcp.FIN, 1, 0)).isInvalid()).isTrue();
        assertThat(h.forward(h.tcp("10.0.0.1", 4, "10.0.0.2", 80, 0, 1, 0)).isInvalid()).isTrue();
        assertThat(h.conntrack.table().count()).isZero();
        assertThat(h.conntrack.stats().invalid()).isEqualTo(4);
    }

    @Test
    void badChecksumIsInvalidAtPreroutingOnly() {
        ByteBuf syn = h.tcp("10.0.0.1", 40000, "10.0.0.2", 80, Tcp.SYN, 1000, 0);
        int csumOff = ConntrackHarness.l4(syn) + Tcp.CHECKSUM_OFFSET;
        syn.setShort(csumOff, syn.getUnsignedShort(csumOff) ^ 0x5a5a);
        ByteBuf copy = syn.copy();
        assertThat(h.forward(syn).isInvalid()).isTrue();
        // Locally generated packets are trusted (the checksum is checked at PREROUTING only).
        assertThat(h.output(copy).stateName()).isEqualTo("NEW");
    }

    @Test
    void retransmittedSynDoesNotRenewTheTimeout() {
        h.forward(h.tcp("10.0.0.1", 40000, "10.0.0.2", 80, Tcp.SYN, 1000, 0));
        h.advance(3);
        PacketConntrack again = h.forward(h.tcp("10.0.0.1", 40000, "10.0.0.2", 80, Tcp.SYN, 1000, 0));
        assertThat(again.stateName()).isEqualTo("NEW");
        assertThat(h.lookupTcp("10.0.0.1", 40000, "10.0.0.2", 80).secondsLeft(h.now)).isEqualTo(117);
    }

    @Test
    void unacknowledgedDataCapsTheTimeoutAt300Seconds() {
        var c = h.conversation("10.0.0.1", 40000, "10.0.0.2", 80);
        c.handshake();
        ConntrackEntry ct = h.lookupTcp("10.0.0.1", 40000, "10.0.0.2", 80);
        c.fromClient(Tcp.ACK | Tcp.PSH, 100);
        assertThat(ct.secondsLeft(h.now)).isEqualTo(300);
        c.fromServer(Tcp.ACK, 0);
        assertThat(ct.secondsLeft(h.now)).isEqualTo(432_000);
    }

    @Test
    void synInTimeWaitAfterFinReopensAFreshEntry() {
        var c = h.conversation("10.0.0.1", 40000, "10.0.0.2", 80);
        c.handshake();
        c.fromClient(Tcp.FIN | Tcp.ACK, 0);
        c.fromServer(Tcp.FIN | Tcp.ACK, 0);
        c.fromClient(Tcp.ACK, 0);
        ConntrackEntry old = h.lookupTcp("10.0.0.1", 40000, "10.0.0.2", 80);
        assertThat(old.stateName()).isEqualTo("TIME_WAIT");
        h.advance(10);
        c.cseq += 100_000;
        PacketConntrack syn = c.fromClient(Tcp.SYN, 0);
        assertThat(syn.stateName()).isEqualTo("NEW");
        ConntrackEntry fresh = h.lookupTcp("10.0.0.1", 40000, "10.0.0.2", 80);
        assertThat(fresh).isNotSameAs(old);
        assertThat(fresh.stateName()).isEqualTo("SYN_SENT");
        assertThat(fresh.secondsLeft(h.now)).isEqualTo(120);
        assertThat(old.isDying()).isTrue();
    }

    @Test
    void packetDroppedBeforeConfirmLeavesNoEntry() {
        ByteBuf syn = h.tcp("10.0.0.1", 40000, "10.0.0.2", 80, Tcp.SYN, 1000, 0);
        PacketConntrack skb = new PacketConntrack();
        assertThat(h.conntrack.in(Hook.PREROUTING, syn, ConntrackHarness.ipOffset(syn), h.now, skb))
                .isEqualTo(Verdict.PASS);
        assertThat(skb.stateName()).isEqualTo("NEW");
        // A filter rule drops the packet here: confirm never runs.
        assertThat(h.conntrack.table().count()).isZero();
        assertThat(h.conntrack.list(h.now)).isEmpty();
        // The retransmission is NEW again and, this time accepted, creates the entry.
        PacketConntrack retry = h.forward(h.tcp("10.0.0.1", 40000, "10.0.0.2", 80, Tcp.SYN, 1000, 0));
        assertThat(retry.stateName()).isEqualTo("NEW");
        assertThat(h.conntrack.table().count()).isEqualTo(1);
    }

    @Test
    void untrackedPacketsGetNoEntry() {
        ByteBuf syn = h.tcp("10.0.0.1", 40000, "10.0.0.2", 80, Tcp.SYN, 1000, 0);
        PacketConntrack skb = new PacketConntrack().setUntracked();
        int off = ConntrackHarness.ipOffset(syn);
        assertThat(h.conntrack.in(Hook.PREROUTING, syn, off, h.now, skb)).isEqualTo(Verdict.PASS);
        assertThat(h.conntrack.confirm(syn, off, h.now, skb)).isEqualTo(Verdict.PASS);
        assertThat(skb.stateBits()).isEqualTo(PacketConntrack.STATE_UNTRACKED);
        assertThat(skb.stateName()).isEqualTo("UNTRACKED");
        assertThat(h.conntrack.table().count()).isZero();
    }
}
