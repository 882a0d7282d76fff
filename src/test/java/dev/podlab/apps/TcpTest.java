package dev.podlab.apps;

import static dev.podlab.apps.AppNet.B;
import static dev.podlab.apps.AppNet.C;
import static dev.podlab.apps.AppNet.MS;
import static dev.podlab.apps.AppNet.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Tcp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TCP probes between pods, checked against what Linux puts on the wire and what {@code wget} /
 * {@code nc} report. Expected numbers are worked out here from the kernel's rules, named in each
 * comment; see {@link AppNet} for the topology.
 */
class TcpTest {
    private static final byte[] GET = ("GET / HTTP/1.1\r\nHost: 10.0.0.3\r\nUser-Agent: Wget/1.21\r\n"
            + "Accept: */*\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private static final int SYN = Tcp.SYN;
    private static final int SYN_ACK = Tcp.SYN | Tcp.ACK;
    private static final int ACK = Tcp.ACK;
    private static final int PSH_ACK = Tcp.PSH | Tcp.ACK;
    private static final int FIN_ACK = Tcp.FIN | Tcp.ACK;

    private final AppNet t = new AppNet();

    private List<Seg> segments(String pod) {
        return t.seen(pod, IpProtocol.TCP).stream().map(Seg::of).toList();
    }

    /** ALIGN(x, 128) >> 7: a window in bytes as a scaled window field (wscale 7). */
    private static int scaled(int bytes) {
        return ((bytes + 127) & ~127) >> 7;
    }

    @Test
    void requestResponseOverAFreshConnectionLooksLikeLinuxOnTheWireAndLeavesBothSidesClosed() {
        byte[] response = TcpServer.nginxOk("<html><body>podlab</body></html>\n", 0);
        TcpServer server = new TcpServer(t.b, 80, response);
        TcpClient client = new TcpClient(t.a, B, 80, 10 * SECOND, GET);
        t.runFor(SECOND);

        assertThat(client.outcome()).as("trace:\n%s", t.trace()).isNotNull();
        assertThat(client.outcome().verdict()).isEqualTo(Outcome.Verdict.CONNECTED);
        assertThat(client.outcome().errno()).isNull();
        assertThat(client.response()).isEqualTo(response);
        assertThat(client.endOfStream()).isTrue();
        assertThat(server.requests()).singleElement().isEqualTo(GET);

        TcpSocket cs = client.socket();
        TcpSocket ss = server.connections().get(0);
        long iss = cs.iss();
        long siss = ss.iss();
        int req = GET.length;
        int resp = response.length;

        List<Seg> segs = segments("a");
        if (Boolean.getBoolean("podlab.printTrace")) {
            segs.forEach(s -> System.out.println(s.frame().timeNs() + " " + s));
            System.out.println(t.trace());
        }
        assertThat(segs).as("segments on a's eth0; trace:\n%s", t.trace()).hasSize(10);
        segs.forEach(s -> assertThat(s.checksumsValid()).as("checksums of %s", s).isTrue());
        segs.forEach(s -> assertThat(s.ip().dontFragment()).as("DF on %s", s).isTrue());
        segs.forEach(s -> assertThat(s.ip().ttl()).as("TTL of %s", s).isEqualTo(64));

        Seg syn = segs.get(0);
        Seg synAck = segs.get(1);
        Seg ack = segs.get(2);
        Seg get = segs.get(3);
        Seg getAck = segs.get(4);
        Seg answer = segs.get(5);
        // On a's eth0 the client's ACK of the response leaves before the server's FIN arrives:
        // b sent the two back to back and a's kernel answers the first as it comes in.
        Seg answerAck = segs.get(6);
        Seg serverFin = segs.get(7);
        Seg clientFin = segs.get(8);
        Seg lastAck = segs.get(9);

        // tcp_connect: SYN with MSS = 1500 - 40, SACK_PERM folded in front of TS (TSecr 0), NOP,
        // wscale 7 (ilog2(tcp_rmem[2] = 6 MiB) - 15); window: tcp_select_initial_window rounds the
        // 65536-byte space down to a multiple of the MSS: 44 * 1460 = 64240.
        assertThat(syn.flags()).isEqualTo(SYN);
        assertThat(syn.seq()).isEqualTo(iss);
        assertThat(syn.window()).isEqualTo(64240);
        assertThat(syn.optionsHex()).isEqualTo("020405b4" + "0402080a" + String.format("%08x", syn.tsVal())
                + "00000000" + "01030307");
        assertThat(syn.ip().totalLength()).isEqualTo(60);
        assertThat(syn.tsVal()).isEqualTo(cs.tsOffsetMs() & 0xffffffffL);

        // tcp_make_synack: the same layout, TSecr = the SYN's TSval; ip_build_and_send_pkt: DF, ID 0;
        // tcp_openreq_init_rwin quantises on MSS - 12 (timestamps): 45 * 1448 = 65160.
        assertThat(synAck.flags()).isEqualTo(SYN_ACK);
        assertThat(synAck.seq()).isEqualTo(siss);
        assertThat(synAck.ack()).isEqualTo(iss + 1);
        assertThat(synAck.window()).isEqualTo(65160);
        assertThat(synAck.ip().id()).isZero();
        assertThat(synAck.optionsHex()).isEqualTo("020405b4" + "0402080a" + String.format("%08x", synAck.tsVal())
                + String.format("%08x", syn.tsVal()) + "01030307");

        // The handshake's ACK: NOP NOP TS; window 64240 never shrinks, so it is ALIGN(64240, 128) >> 7.
        assertThat(ack.flags()).isEqualTo(ACK);
        assertThat(ack.seq()).isEqualTo(iss + 1);
        assertThat(ack.ack()).isEqualTo(siss + 1);
        assertThat(ack.window()).isEqualTo(scaled(64240)).isEqualTo(502);
        assertThat(ack.optionsHex()).isEqualTo("0101080a" + String.format("%08x%08x", ack.tsVal(), synAck.tsVal()));

        assertThat(get.flags()).isEqualTo(PSH_ACK);
        assertThat(get.seq()).isEqualTo(iss + 1);
        assertThat(get.payloadLength()).isEqualTo(req);
        assertThat(get.window()).isEqualTo(502);

        // The server's kernel ACKs the request at once (quick-ACK mode on the first data), before
        // the application answers. Window: 65160 offered less what arrived, never shrunk.
        int serverWindow = scaled(65160 - req);
        assertThat(getAck.flags()).isEqualTo(ACK);
        assertThat(getAck.seq()).isEqualTo(siss + 1);
        assertThat(getAck.ack()).isEqualTo(iss + 1 + req);
        assertThat(getAck.window()).isEqualTo(serverWindow);

        assertThat(answer.flags()).isEqualTo(PSH_ACK);
        assertThat(answer.seq()).isEqualTo(siss + 1);
        assertThat(answer.ack()).isEqualTo(iss + 1 + req);
        assertThat(answer.payloadLength()).isEqualTo(resp);
        assertThat(answer.window()).isEqualTo(serverWindow);

        // close() after the response was sent: a FIN of its own.
        assertThat(serverFin.flags()).isEqualTo(FIN_ACK);
        assertThat(serverFin.seq()).isEqualTo(siss + 1 + resp);

        // The client's quick ACK of the response: tcp_init_buffer_space clamped rcv_ssthresh to
        // 65536 - (1460 - 12) = 64088, ALIGN(64088, 128) = 64128 >= the 64256 - resp left, so 501.
        assertThat(answerAck.flags()).isEqualTo(ACK);
        assertThat(answerAck.ack()).isEqualTo(siss + 1 + resp);
        assertThat(answerAck.window()).isEqualTo(64128 >> 7);

        // wget reads end of stream and closes: its FIN acknowledges the server's.
        assertThat(clientFin.flags()).isEqualTo(FIN_ACK);
        assertThat(clientFin.seq()).isEqualTo(iss + 1 + req);
        assertThat(clientFin.ack()).isEqualTo(siss + 1 + resp + 1);

        assertThat(lastAck.flags()).isEqualTo(ACK);
        assertThat(lastAck.seq()).isEqualTo(siss + 1 + resp + 1);
        assertThat(lastAck.ack()).isEqualTo(iss + 1 + req + 1);

        // Connected sockets number their datagrams from a per-socket counter, one per segment.
        int clientId = syn.ip().id();
        List<Seg> fromClient = List.of(syn, ack, get, answerAck, clientFin);
        for (int i = 0; i < fromClient.size(); i++) {
            assertThat(fromClient.get(i).ip().id()).as("IP ID of %s", fromClient.get(i)).isEqualTo((clientId + i) & 0xffff);
        }
        int serverId = getAck.ip().id();
        List<Seg> fromServer = List.of(getAck, answer, serverFin, lastAck);
        for (int i = 0; i < fromServer.size(); i++) {
            assertThat(fromServer.get(i).ip().id()).as("IP ID of %s", fromServer.get(i)).isEqualTo((serverId + i) & 0xffff);
        }

        // Timestamps: every segment echoes the peer's latest TSval.
        assertThat(getAck.tsEcr()).isEqualTo(get.tsVal());
        assertThat(clientFin.tsEcr()).isEqualTo(serverFin.tsVal());

        // The active closer (the server) waits in TIME_WAIT for 60 s; the client went through
        // CLOSE_WAIT and LAST_ACK to CLOSED.
        assertThat(cs.state()).isEqualTo(TcpSocket.State.CLOSED);
        assertThat(ss.state()).isEqualTo(TcpSocket.State.TIME_WAIT);
        t.runFor(60 * SECOND);
        assertThat(ss.state()).isEqualTo(TcpSocket.State.CLOSED);
        assertThat(t.a.sockets().lookup(IpProtocol.TCP, AppNet.A, cs.localPort(), B, 80)).isNull();
    }

    @Test
    void connectToAClosedPortIsRefusedByTheKernelsReset() {
        TcpClient client = new TcpClient(t.a, B, 81, 10 * SECOND, null);
        t.runFor(SECOND);

        Outcome o = client.outcome();
        assertThat(o).as("trace:\n%s", t.trace()).isNotNull();
        assertThat(o.verdict()).isEqualTo(Outcome.Verdict.REFUSED);
        assertThat(o.errno()).isEqualTo("ECONNREFUSED");
        assertThat(o.reason()).startsWith("Connection refused");
        assertThat(o.elapsedNs()).isLessThan(MS);

        List<Seg> segs = segments("a");
        assertThat(segs).hasSize(2);
        Seg rst = segs.get(1);
        // tcp_v4_send_reset for a SYN: no ACK in it, so seq 0, ack = ISN + 1, RST|ACK, window 0,
        // no options; ip_send_unicast_reply: DF, ID 0.
        assertThat(rst.flags()).isEqualTo(Tcp.RST | Tcp.ACK);
        assertThat(rst.seq()).isZero();
        assertThat(rst.ack()).isEqualTo(client.socket().iss() + 1);
        assertThat(rst.window()).isZero();
        assertThat(rst.tcp().headerLength()).isEqualTo(20);
        assertThat(rst.ip().id()).isZero();
        assertThat(rst.checksumsValid()).isTrue();
        assertThat(client.socket().state()).isEqualTo(TcpSocket.State.CLOSED);
    }

    @Test
    void noRouteOnTheRouterFailsTheConnectAtOnceWithNetworkUnreachable() {
        // r has no route to 192.0.2.0/24: ip_error sends ICMP net unreachable. tcp_v4_err in
        // SYN_SENT makes any destination unreachable but "fragmentation needed" a hard error
        // (sk_err = icmp_err_convert[0].errno = ENETUNREACH, tcp_done): wget prints "Network is
        // unreachable" right away, it does not retransmit the SYN.
        TcpClient client = new TcpClient(t.a, Ipv4Address.parse("192.0.2.9"), 80, 10 * SECOND, null);
        t.runFor(5 * SECOND);

        Outcome o = client.outcome();
        assertThat(o).as("trace:\n%s", t.trace()).isNotNull();
        assertThat(o.verdict()).isEqualTo(Outcome.Verdict.UNREACHABLE);
        assertThat(o.errno()).isEqualTo("ENETUNREACH");
        assertThat(o.reason()).contains("net unreachable from 10.0.0.1");
        assertThat(o.elapsedNs()).isLessThan(MS);
        assertThat(segments("a").stream().filter(s -> s.flags() == SYN)).hasSize(1);
    }

    @Test
    void anUnreachableRouteOnTheRouterIsNoRouteToHost() {
        // ip route add unreachable: ip_error sends host unreachable (code 1) → EHOSTUNREACH.
        AppNet.ip(t.r, "route add unreachable 192.0.2.0/24");
        TcpClient client = new TcpClient(t.a, Ipv4Address.parse("192.0.2.9"), 80, 10 * SECOND, null);
        t.runFor(SECOND);
        assertThat(client.outcome().verdict()).as("trace:\n%s", t.trace()).isEqualTo(Outcome.Verdict.UNREACHABLE);
        assertThat(client.outcome().errno()).isEqualTo("EHOSTUNREACH");
    }

    @Test
    void aProhibitRouteIsProhibitedThoughTheProgramSeesNoRouteToHost() {
        // ip route add prohibit: ICMP code 13; icmp_err_convert[13] = EHOSTUNREACH.
        AppNet.ip(t.r, "route add prohibit 192.0.2.0/24");
        TcpClient client = new TcpClient(t.a, Ipv4Address.parse("192.0.2.9"), 80, 10 * SECOND, null);
        t.runFor(SECOND);
        assertThat(client.outcome().verdict()).as("trace:\n%s", t.trace()).isEqualTo(Outcome.Verdict.PROHIBITED);
        assertThat(client.outcome().errno()).isEqualTo("EHOSTUNREACH");
        assertThat(client.outcome().reason()).startsWith("No route to host");
    }

    @Test
    void noRouteOnTheSenderFailsConnectBeforeAnythingIsSent() {
        AppNet.ip(t.a, "route del default");
        TcpClient client = new TcpClient(t.a, C, 80, 10 * SECOND, null);
        assertThat(client.outcome().verdict()).isEqualTo(Outcome.Verdict.UNREACHABLE);
        assertThat(client.outcome().errno()).isEqualTo("ENETUNREACH");
        assertThat(client.outcome().elapsedNs()).isZero();
        t.runFor(SECOND);
        assertThat(t.frames).isEmpty();
    }

    @Test
    void aBlackholedSynIsRetransmittedAt1_3_7_15_31_63sAndTheKernelGivesUpAt127s() {
        // A blackhole route drops silently. tcp_connect arms the RTO at TCP_TIMEOUT_INIT = 1 s;
        // tcp_retransmit_timer doubles it each time; tcp_write_timeout gives up once the time since
        // the first SYN reaches tcp_model_timeout(tcp_syn_retries = 6, 1 s) = (2^7 - 1) s = 127 s.
        AppNet.ip(t.r, "route add blackhole 192.0.2.0/24");
        TcpClient client = new TcpClient(t.a, Ipv4Address.parse("192.0.2.9"), 80, 0, null);
        t.runFor(200 * SECOND);

        List<Seg> syns = segments("a");
        long[] want = {0, 1, 3, 7, 15, 31, 63};
        assertThat(syns).as("trace:\n%s", t.trace()).hasSize(want.length);
        long t0 = syns.get(0).frame().timeNs();
        for (int i = 0; i < want.length; i++) {
            Seg s = syns.get(i);
            assertThat(s.frame().timeNs() - t0).as("SYN %d", i).isEqualTo(want[i] * SECOND);
            assertThat(s.flags()).isEqualTo(SYN);
            assertThat(s.seq()).as("the same ISN").isEqualTo(client.socket().iss());
            // TSval is the connection's millisecond clock at each transmission.
            assertThat(s.tsVal()).isEqualTo((syns.get(0).tsVal() + want[i] * 1000) & 0xffffffffL);
            assertThat(s.ip().id()).as("a new IP ID per transmission").isEqualTo((syns.get(0).ip().id() + i) & 0xffff);
        }
        Outcome o = client.outcome();
        assertThat(o.verdict()).isEqualTo(Outcome.Verdict.TIMED_OUT);
        assertThat(o.errno()).isEqualTo("ETIMEDOUT");
        assertThat(o.elapsedNs()).isEqualTo(127 * SECOND);
    }

    @Test
    void wgetTimeoutEndsTheConnectSilentlyAfterTheSynsSentSoFar() {
        AppNet.ip(t.r, "route add blackhole 192.0.2.0/24");
        TcpClient client = new TcpClient(t.a, Ipv4Address.parse("192.0.2.9"), 80, 10 * SECOND, null);
        t.runFor(30 * SECOND);
        // SYNs at 0, 1, 3 and 7 s; at 10 s the program gives up and close() in SYN_SENT sends nothing.
        assertThat(segments("a")).extracting(s -> s.frame().timeNs() / MS).containsExactly(0L, 1000L, 3000L, 7000L);
        assertThat(client.outcome().verdict()).isEqualTo(Outcome.Verdict.TIMED_OUT);
        assertThat(client.outcome().elapsedNs()).isEqualTo(10 * SECOND);
        assertThat(client.socket().state()).isEqualTo(TcpSocket.State.CLOSED);
    }

    @Test
    void aMissingHostOnTheSendersOwnLinkIsNoRouteToHostAfterArpFails() {
        // Nobody has 10.0.0.9: the SYNs (0 s, and 1 s) wait in the neighbour queue while ARP asks 3
        // times, 1 s apart (mcast_solicit 3, retrans_time 1 s). At 3 s the entry fails;
        // neigh_invalidate → ipv4_link_failure sends host unreachable for the queued SYN to the
        // sender itself, and tcp_v4_err fails the connect: EHOSTUNREACH ("No route to host"),
        // the familiar three-second failure, not a timeout. No SYN reaches the wire.
        TcpClient client = new TcpClient(t.a, Ipv4Address.parse("10.0.0.9"), 80, 10 * SECOND, null);
        t.runFor(10 * SECOND);
        Outcome o = client.outcome();
        assertThat(o).as("trace:\n%s", t.trace()).isNotNull();
        assertThat(o.verdict()).isEqualTo(Outcome.Verdict.UNREACHABLE);
        assertThat(o.errno()).isEqualTo("EHOSTUNREACH");
        assertThat(o.elapsedNs()).isEqualTo(3 * SECOND);
        assertThat(segments("a")).isEmpty();
    }

    @Test
    void aConnectOnlyProbeClosesFirstAndEndsInTimeWaitWhileTheServerGoesThroughLastAck() {
        TcpServer server = new TcpServer(t.b, 8080, null);
        TcpClient client = new TcpClient(t.a, B, 8080, 5 * SECOND, null);
        t.runFor(SECOND);
        assertThat(client.outcome().verdict()).as("trace:\n%s", t.trace()).isEqualTo(Outcome.Verdict.CONNECTED);
        TcpSocket cs = client.socket();
        TcpSocket ss = server.connections().get(0);
        List<Seg> segs = segments("a");
        // SYN, SYN-ACK, ACK, client FIN; the server's kernel would delay its ACK of the FIN (CLOSE_WAIT
        // enters ping-pong mode), but the server application closes at end of stream at once, so
        // its FIN carries that ACK; the client's last ACK.
        assertThat(segs).extracting(Seg::flags).containsExactly(SYN, SYN_ACK, ACK, FIN_ACK, FIN_ACK, ACK);
        assertThat(segs.get(4).ack()).isEqualTo(cs.iss() + 2);
        assertThat(segs.get(5).ack()).isEqualTo(ss.iss() + 2);
        assertThat(ss.state()).isEqualTo(TcpSocket.State.CLOSED);
        assertThat(cs.state()).isEqualTo(TcpSocket.State.TIME_WAIT);
        t.runFor(60 * SECOND);
        assertThat(cs.state()).isEqualTo(TcpSocket.State.CLOSED);
    }

    @Test
    void acrossTheRouterTheHandshakeTakesTheRoutersMtuAndTtlIntoAccount() {
        new TcpServer(t.c, 80, TcpServer.nginxOk("ok\n", 0));
        TcpClient client = new TcpClient(t.a, C, 80, 10 * SECOND, GET);
        t.runFor(SECOND);
        assertThat(client.outcome().verdict()).as("trace:\n%s", t.trace()).isEqualTo(Outcome.Verdict.CONNECTED);
        List<Seg> atC = segments("c");
        assertThat(atC.get(0).flags()).isEqualTo(SYN);
        assertThat(atC.get(0).ip().ttl()).as("forwarded once").isEqualTo(63);
        assertThat(atC.get(0).checksumsValid()).isTrue();
        assertThat(client.endOfStream()).isTrue();
    }

    @Test
    void theSameSeedPutsTheSameBytesOnTheWire() {
        List<String> first = exchange();
        List<String> second = exchange();
        assertThat(second).isEqualTo(first).isNotEmpty();
    }

    private static List<String> exchange() {
        AppNet n = new AppNet();
        new TcpServer(n.b, 80, TcpServer.nginxOk("same\n", 0));
        new TcpClient(n.a, B, 80, 10 * SECOND, GET);
        new UdpEchoServer(n.c, 7);
        new UdpClient(n.a, C, 7, GET, SECOND);
        n.runFor(2 * SECOND);
        return n.frames.stream().map(f -> f.timeNs() + " " + f.netns() + " "
                + io.netty.buffer.ByteBufUtil.hexDump(f.ip())).toList();
    }
}
