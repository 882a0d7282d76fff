package dev.podlab.apps;

import static dev.podlab.apps.AppNet.B;
import static dev.podlab.apps.AppNet.C;
import static dev.podlab.apps.AppNet.MS;
import static dev.podlab.apps.AppNet.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Sctp;
import dev.podlab.packet.SctpChunk;
import dev.podlab.packet.SctpInit;
import io.netty.buffer.ByteBufUtil;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** SCTP association set-up as a one-to-one socket's connect() sees it; topology in {@link AppNet}. */
class SctpTest {
    private final AppNet t = new AppNet();

    private record Chunk(AppNet.Frame frame, Ipv4 ip, Sctp sctp, SctpChunk chunk) {
        static Chunk of(AppNet.Frame f) {
            Sctp s = new Sctp().wrap(f.ip(), f.l4());
            return new Chunk(f, new Ipv4().wrap(f.ip(), 0), s, new SctpChunk().wrap(f.ip(), s.chunksOffset()));
        }

        int type() {
            return chunk.type();
        }

        long vtag() {
            return sctp.verificationTag() & 0xffffffffL;
        }

        boolean crcValid() {
            return sctp.verifyChecksum(ip.totalLength() - ip.headerLength(), new CRC32C());
        }
    }

    private List<Chunk> chunks(String pod) {
        return t.seen(pod, IpProtocol.SCTP).stream().map(Chunk::of).toList();
    }

    @Test
    void anInitToAPortWithoutListenerIsRefusedByAnAbortCarryingTheInitiateTag() {
        SctpClient client = new SctpClient(t.a, B, 9, 10 * SECOND);
        t.runFor(SECOND);
        Outcome o = client.outcome();
        assertThat(o).as("trace:\n%s", t.trace()).isNotNull();
        assertThat(o.verdict()).isEqualTo(Outcome.Verdict.REFUSED);
        assertThat(o.errno()).isEqualTo("ECONNREFUSED");
        assertThat(o.elapsedNs()).isLessThan(MS);

        List<Chunk> cs = chunks("a");
        assertThat(cs).extracting(Chunk::type).containsExactly(SctpChunk.INIT, SctpChunk.ABORT);
        Chunk init = cs.get(0);
        // sctp_make_init with default sysctls for a one-address IPv4 socket: vtag 0; a_rwnd =
        // rmem_default / 2; 10 outbound, 65535 inbound streams; Supported Address Types {IPv4}
        // (length 6, padded), ECN Capable, Forward-TSN Supported: a 36-byte chunk.
        assertThat(init.vtag()).isZero();
        assertThat(init.chunk().length()).isEqualTo(36);
        SctpInit i = new SctpInit().wrap(init.frame().ip(), init.chunk().offset());
        assertThat(i.initiateTag() & 0xffffffffL).isEqualTo(client.initiateTag()).isNotZero();
        assertThat(i.aRwnd()).isEqualTo(106496);
        assertThat(i.outboundStreams()).isEqualTo(10);
        assertThat(i.inboundStreams()).isEqualTo(65535);
        assertThat(ByteBufUtil.hexDump(init.frame().ip(), i.firstParameterOffset(), 16))
                .isEqualTo("000c000600050000" + "80000004" + "c0000004");
        // ECT(0) on every SCTP packet; DF with ID 0 (IP_PMTUDISC_DO, no inet_daddr).
        assertThat(init.ip().tos()).isEqualTo(Ipv4.ECN_ECT_0);
        assertThat(init.ip().dontFragment()).isTrue();
        assertThat(init.ip().id()).isZero();
        assertThat(init.ip().totalLength()).isEqualTo(20 + 12 + 36);
        assertThat(init.crcValid()).isTrue();

        // sctp_ootb_pkt_new + sctp_make_abort for an INIT: the INIT's initiate tag, T bit clear.
        Chunk abort = cs.get(1);
        assertThat(abort.vtag()).isEqualTo(client.initiateTag());
        assertThat(abort.chunk().tBit()).isFalse();
        assertThat(abort.crcValid()).isTrue();
    }

    @Test
    void theFourWayHandshakeWithAListenerConnects() {
        SctpServer server = new SctpServer(t.c, 3868);
        SctpClient client = new SctpClient(t.a, C, 3868, 10 * SECOND);
        t.runFor(SECOND);
        assertThat(client.outcome().verdict()).as("trace:\n%s", t.trace()).isEqualTo(Outcome.Verdict.CONNECTED);
        assertThat(client.established()).isTrue();
        assertThat(server.associations()).singleElement().satisfies(as -> {
            assertThat(as.peer()).isEqualTo(AppNet.A);
            assertThat(as.peerPort()).isEqualTo(client.localPort());
            assertThat(as.peerTag()).isEqualTo(client.initiateTag());
        });

        List<Chunk> cs = chunks("a");
        assertThat(cs).extracting(Chunk::type).containsExactly(SctpChunk.INIT, SctpChunk.INIT_ACK,
                SctpChunk.COOKIE_ECHO, SctpChunk.COOKIE_ACK);
        cs.forEach(c -> assertThat(c.crcValid()).as("CRC32c of chunk %d", c.type()).isTrue());
        Chunk initAck = cs.get(1);
        Chunk echo = cs.get(2);
        SctpInit ia = new SctpInit().wrap(initAck.frame().ip(), initAck.chunk().offset());
        // RFC 9260 8.5: the INIT ACK carries the client's tag; COOKIE ECHO the server's, COOKIE ACK the client's.
        assertThat(initAck.vtag()).isEqualTo(client.initiateTag());
        assertThat(echo.vtag()).isEqualTo(ia.initiateTag() & 0xffffffffL);
        assertThat(cs.get(3).vtag()).isEqualTo(client.initiateTag());
        // Streams negotiated (sctp_process_init): 10 out, min(65535, peer's 10 out) = 10 in.
        assertThat(ia.outboundStreams()).isEqualTo(10);
        assertThat(ia.inboundStreams()).isEqualTo(10);
        // The COOKIE ECHO returns the State Cookie byte for byte.
        int c = ia.findParameter(SctpInit.PARAM_STATE_COOKIE);
        int len = ia.parameterLength(c) - 4;
        assertThat(echo.chunk().length()).isEqualTo(4 + len);
        assertThat(ByteBufUtil.hexDump(echo.frame().ip(), echo.chunk().offset() + 4, len))
                .isEqualTo(ByteBufUtil.hexDump(initAck.frame().ip(), c + 4, len));
        // The INIT ACK echoes the ECN and Forward-TSN capabilities the INIT offered.
        assertThat(ia.findParameter(SctpInit.PARAM_ECN_CAPABLE)).isPositive();
        assertThat(ia.findParameter(SctpInit.PARAM_FORWARD_TSN_SUPPORTED)).isPositive();
    }

    @Test
    void anUnansweredInitIsRetransmittedFromRtoInitialDoublingToRtoMaxThenTimesOut() {
        // T1-init starts at rto_initial = 3 s and doubles up to rto_max = 60 s; after
        // max_init_retransmits = 8 retransmissions the next expiry fails connect() with ETIMEDOUT.
        AppNet.ip(t.r, "route add blackhole 192.0.2.0/24");
        SctpClient client = new SctpClient(t.a, Ipv4Address.parse("192.0.2.9"), 3868, 0);
        t.runFor(400 * SECOND);
        long[] want = {0, 3, 9, 21, 45, 93, 153, 213, 273};
        List<Chunk> inits = chunks("a");
        assertThat(inits).as("trace:\n%s", t.trace()).hasSize(want.length);
        for (int k = 0; k < want.length; k++) {
            assertThat(inits.get(k).frame().timeNs()).as("INIT %d", k).isEqualTo(want[k] * SECOND);
            assertThat(inits.get(k).type()).isEqualTo(SctpChunk.INIT);
        }
        assertThat(client.outcome().verdict()).isEqualTo(Outcome.Verdict.TIMED_OUT);
        assertThat(client.outcome().errno()).isEqualTo("ETIMEDOUT");
        assertThat(client.outcome().elapsedNs()).isEqualTo((273 + 60) * SECOND);
    }

    @Test
    void icmpNetUnreachableIsASoftErrorForSctpSoTheInitIsRetransmittedUntilTheTimeout() {
        // sctp_v4_err only records sk_err_soft (no IP_RECVERR): the association keeps trying.
        SctpClient client = new SctpClient(t.a, Ipv4Address.parse("192.0.2.9"), 3868, 10 * SECOND);
        t.runFor(20 * SECOND);
        assertThat(chunks("a")).extracting(ch -> ch.frame().timeNs() / SECOND).containsExactly(0L, 3L, 9L);
        assertThat(client.outcome().verdict()).as("trace:\n%s", t.trace()).isEqualTo(Outcome.Verdict.TIMED_OUT);
        assertThat(client.outcome().elapsedNs()).isEqualTo(10 * SECOND);
        assertThat(t.events()).anyMatch(e -> e.detail().contains("net unreachable from 10.0.0.1: soft error"));
    }
}
