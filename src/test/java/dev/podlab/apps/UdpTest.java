package dev.podlab.apps;

import static dev.podlab.apps.AppNet.B;
import static dev.podlab.apps.AppNet.C;
import static dev.podlab.apps.AppNet.MS;
import static dev.podlab.apps.AppNet.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Udp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** UDP probes as {@code nc -u -w} sees them; topology in {@link AppNet}. */
class UdpTest {
    private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.US_ASCII);
    private final AppNet t = new AppNet();

    @Test
    void aDatagramToAnEchoServerIsAnsweredWithTheSamePayload() {
        UdpEchoServer server = new UdpEchoServer(t.c, 5353);
        UdpClient client = new UdpClient(t.a, C, 5353, HELLO, 2 * SECOND);
        t.runFor(3 * SECOND);
        assertThat(client.outcome().verdict()).as("trace:\n%s", t.trace()).isEqualTo(Outcome.Verdict.ANSWERED);
        assertThat(client.answer()).isEqualTo(HELLO);
        assertThat(server.echoed()).isEqualTo(1);

        List<AppNet.Frame> at = t.seen("a", IpProtocol.UDP);
        assertThat(at).hasSize(2);
        for (AppNet.Frame f : at) {
            Ipv4 ip = new Ipv4().wrap(f.ip(), 0);
            Udp udp = new Udp().wrap(f.ip(), f.l4());
            assertThat(ip.verifyChecksum()).isTrue();
            assertThat(udp.verifyChecksum(ip.src(), ip.dst(), udp.length())).isTrue();
            assertThat(udp.length()).isEqualTo(Udp.HEADER_LENGTH + HELLO.length);
            // IP_PMTUDISC_WANT: DF on datagrams that fit the route's MTU.
            assertThat(ip.dontFragment()).isTrue();
        }
        Udp request = new Udp().wrap(at.get(0).ip(), at.get(0).l4());
        assertThat(request.srcPort()).isEqualTo(client.localPort());
        assertThat(new Ipv4().wrap(at.get(1).ip(), 0).ttl()).as("echo forwarded once by r").isEqualTo(63);
    }

    @Test
    void aDatagramToAClosedPortIsRefusedByIcmpPortUnreachable() {
        // __udp4_lib_rcv answers with ICMP port unreachable; udp_err: icmp_err_convert[3] is fatal,
        // so the connected socket's pending read() fails with ECONNREFUSED.
        UdpClient client = new UdpClient(t.a, B, 9999, HELLO, 2 * SECOND);
        t.runFor(3 * SECOND);
        Outcome o = client.outcome();
        assertThat(o.verdict()).as("trace:\n%s", t.trace()).isEqualTo(Outcome.Verdict.REFUSED);
        assertThat(o.errno()).isEqualTo("ECONNREFUSED");
        assertThat(o.reason()).contains("port unreachable from 10.0.0.3");
        assertThat(o.elapsedNs()).isLessThan(MS);
    }

    @Test
    void netUnreachableIsNotAHardUdpErrorSoTheProbeTimesOut() {
        // icmp_err_convert[0].fatal = 0: without IP_RECVERR, udp_err drops it.
        UdpClient client = new UdpClient(t.a, Ipv4Address.parse("192.0.2.9"), 53, HELLO, 2 * SECOND);
        t.runFor(3 * SECOND);
        assertThat(client.outcome().verdict()).as("trace:\n%s", t.trace()).isEqualTo(Outcome.Verdict.TIMED_OUT);
        assertThat(client.outcome().elapsedNs()).isEqualTo(2 * SECOND);
        assertThat(t.events()).anyMatch(e -> e.detail().contains("net unreachable from 10.0.0.1: not a hard error"));
    }

    @Test
    void aProhibitRouteIsAHardErrorForUdp() {
        // icmp_err_convert[13] (communication administratively prohibited) is fatal: EHOSTUNREACH.
        AppNet.ip(t.r, "route add prohibit 192.0.2.0/24");
        UdpClient client = new UdpClient(t.a, Ipv4Address.parse("192.0.2.9"), 53, HELLO, 2 * SECOND);
        t.runFor(3 * SECOND);
        assertThat(client.outcome().verdict()).as("trace:\n%s", t.trace()).isEqualTo(Outcome.Verdict.PROHIBITED);
        assertThat(client.outcome().errno()).isEqualTo("EHOSTUNREACH");
    }
}
