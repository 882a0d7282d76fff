package dev.podlab.apps;

import dev.podlab.net.NetNamespace;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.sim.Simulator;
import dev.podlab.sim.Timer;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import java.io.ByteArrayOutputStream;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * A TCP client as {@code wget --timeout=N} or {@code nc -w N} runs one: {@code connect()} with a
 * timeout, then optionally one request, the response read until the server closes, and
 * {@code close()}; without a request it closes as soon as it is connected ({@code nc -z}).
 *
 * <p>The {@link #outcome()} is what connect() returned, when it returned:
 * <ul>
 *   <li>CONNECTED when the SYN-ACK arrived;</li>
 *   <li>REFUSED ({@code ECONNREFUSED}) on a RST, or on ICMP port or protocol unreachable;</li>
 *   <li>UNREACHABLE ({@code ENETUNREACH}/{@code EHOSTUNREACH}) on ICMP net or host unreachable
 *       or time exceeded, and PROHIBITED ({@code EHOSTUNREACH}/{@code ENETUNREACH}) on the
 *       administratively-prohibited codes: {@code tcp_v4_err} fails a connect in SYN_SENT on the
 *       first such ICMP error, whatever {@code icmp_err_convert}'s "fatal" flag says (that flag
 *       matters to UDP and to established TCP connections, where errors stay soft). This
 *       includes the host unreachable the sender's own stack reports when ARP for the next hop
 *       fails ({@code ipv4_link_failure}), three seconds after the first SYN;</li>
 *   <li>UNREACHABLE ({@code ENETUNREACH}) at once, with nothing sent, when the sender has no
 *       route;</li>
 *   <li>TIMED_OUT ({@code ETIMEDOUT}) when nothing came back: at the client's timeout, or when
 *       the kernel gives up after {@code tcp_syn_retries} (6) retransmissions, 127 s after the
 *       first SYN (SYNs at 0, 1, 3, 7, 15, 31 and 63 s).</li>
 * </ul>
 * The timeout also bounds reading the response; when it expires after the connection was made
 * the client closes and the outcome stays CONNECTED.
 */
public final class TcpClient {
    private final NetNamespace ns;
    private final Simulator sim;
    private final int dst;
    private final int port;
    private final byte[] request;
    private final String name;
    private final long startNs;
    private final Timer timeout;
    private final ByteArrayOutputStream response = new ByteArrayOutputStream();
    private TcpSocket socket;
    private Outcome outcome;
    private boolean endOfStream;

    /**
     * Starts connecting now.
     *
     * @param timeoutNs the program's timeout ({@code wget --timeout}, {@code nc -w}); 0 for none
     *                  (the kernel's own limit then applies)
     * @param request   bytes to send once connected, or null to close at once
     */
    public TcpClient(NetNamespace ns, int dst, int port, long timeoutNs, byte[] request) {
        this.ns = ns;
        this.sim = ns.network().sim();
        this.dst = dst;
        this.port = port;
        this.request = request == null ? null : request.clone();
        this.startNs = sim.now();
        this.timeout = new Timer(sim, this::timedOut);
        if (!ns.stack().hasRoute(dst)) {
            // ip_route_connect fails: connect() returns ENETUNREACH, no packet leaves.
            this.name = "tcp-client>" + Ipv4Address.toString(dst) + ":" + port;
            decide(Outcome.Verdict.UNREACHABLE, SocketErrors.ENETUNREACH, "no route to "
                    + Ipv4Address.toString(dst) + " from " + ns.qualifiedName());
            return;
        }
        int src = ns.stack().sourceAddress(dst);
        RandomGenerator random = sim.random().streamFor("apps/" + ns.qualifiedName() + "/tcp-client/"
                + Ipv4Address.toString(src) + ">" + Ipv4Address.toString(dst) + ":" + port + "@" + startNs);
        this.name = "tcp-client>" + Ipv4Address.toString(dst) + ":" + port;
        trace(Verdict.PASS, "connect(" + Ipv4Address.toString(dst) + ":" + port + ")"
                + (timeoutNs > 0 ? " timeout " + SocketErrors.formatDuration(timeoutNs) : ""));
        if (timeoutNs > 0) {
            timeout.schedule(timeoutNs);
        }
        this.socket = TcpSocket.connect(ns, name, new Handler(), dst, port, random);
    }

    /** The connect() result, or null while connect() is still blocked. */
    public Outcome outcome() {
        return outcome;
    }

    /** The bytes read after the request (empty without a request). */
    public byte[] response() {
        return response.toByteArray();
    }

    /** True once the server closed its side and everything before was read. */
    public boolean endOfStream() {
        return endOfStream;
    }

    /** The connection's socket, or null when connect() failed before sending anything. */
    public TcpSocket socket() {
        return socket;
    }

    public int destination() {
        return dst;
    }

    public int port() {
        return port;
    }

    private void timedOut() {
        if (outcome == null) {
            decide(Outcome.Verdict.TIMED_OUT, SocketErrors.ETIMEDOUT, "no answer within the client's timeout of "
                    + SocketErrors.formatDuration(sim.now() - startNs));
        } else {
            trace(Verdict.PASS, "read timeout: closing");
        }
        socket.close();
    }

    private void decide(Outcome.Verdict verdict, String errno, String reason) {
        String text = errno == null ? reason : SocketErrors.strerror(errno) + " (" + errno + "): " + reason;
        outcome = new Outcome(verdict, errno, text, startNs, sim.now());
        if (ns.network().tracer().enabled()) {
            ns.trace(null, Step.of("probe"), verdict == Outcome.Verdict.CONNECTED ? Verdict.DELIVER : Verdict.CONSUME,
                    null, name + " " + outcome);
        }
    }

    private final class Handler implements TcpSocket.Listener {
        @Override
        public void connected(TcpSocket s) {
            decide(Outcome.Verdict.CONNECTED, null, "connected from " + Ipv4Address.toString(s.localAddress()) + ":"
                    + s.localPort());
            if (request != null) {
                s.write(request);
            } else {
                timeout.cancel();
                s.close();
            }
        }

        @Override
        public void data(TcpSocket s, byte[] bytes) {
            response.writeBytes(bytes);
        }

        @Override
        public void endOfStream(TcpSocket s) {
            endOfStream = true;
            timeout.cancel();
            trace(Verdict.DELIVER, "end of stream after " + response.size() + " bytes: close()");
            s.close();
        }

        @Override
        public void failed(TcpSocket s, Outcome.Verdict verdict, String errno, String detail) {
            timeout.cancel();
            if (outcome == null) {
                decide(verdict, errno, detail);
            } else {
                trace(Verdict.CONSUME, "after connecting: " + SocketErrors.strerror(errno) + " (" + errno + ")");
            }
        }
    }

    private void trace(Verdict verdict, String detail) {
        if (ns.network().tracer().enabled()) {
            ns.trace(null, Step.of("tcp"), verdict, null, name + " " + detail);
        }
    }
}
