package dev.podlab.apps;

import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.packet.Tcp;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * A TCP server listening on a port of every address of a namespace ({@code listen()} then
 * {@code accept()} in a loop), answering each connection's first request with a fixed response
 * and closing, the way a web server does for {@code Connection: close}: the response, then its
 * FIN, so the server ends in TIME_WAIT. With no response configured it only accepts, reads, and
 * closes when the peer does; or, made with {@code closeAtEndOfStream} false, keeps every
 * connection open after the peer's FIN (the socket stays in CLOSE_WAIT, as with a server that
 * does not close() what read() ended), so the peer's close is one FIN and one ACK, with no
 * race between the ACK of that FIN and the server's own FIN.
 *
 * <p>The listening socket answers a SYN with a SYN-ACK from a request socket (Linux's options
 * and window, IP ID 0), anything with ACK but no matching connection with a RST (as
 * {@code tcp_rcv_state_process} in LISTEN does), and ignores the rest. A request is what the
 * first data segment carries (one segment: what a probe sends).
 *
 * <p>Not modelled: the accept backlog, SYN cookies, and a listener bound to one address.
 */
public final class TcpServer implements TransportHandler {
    private final NetNamespace ns;
    private final int port;
    private final byte[] response;
    private final boolean closeAtEndOfStream;
    private final String name;
    private final RandomGenerator random;
    private final List<TcpSocket> connections = new ArrayList<>();
    private final List<byte[]> requests = new ArrayList<>();
    private boolean listening;

    /**
     * Starts listening now.
     *
     * @param response bytes to answer the first request of each connection with, then close; null
     *                 to only accept
     */
    public TcpServer(NetNamespace ns, int port, byte[] response) {
        this(ns, port, response, true);
    }

    /**
     * Starts listening now.
     *
     * @param response           as in {@link #TcpServer(NetNamespace, int, byte[])}
     * @param closeAtEndOfStream false to leave a connection open (CLOSE_WAIT) when the peer
     *                           closes its side, instead of closing it at once
     */
    public TcpServer(NetNamespace ns, int port, byte[] response, boolean closeAtEndOfStream) {
        this.ns = ns;
        this.port = port;
        this.response = response == null ? null : response.clone();
        this.closeAtEndOfStream = closeAtEndOfStream;
        this.name = "tcp-server:" + port;
        this.random = ns.network().sim().random()
                .stream("apps/" + ns.qualifiedName() + "/tcp-server/" + port + "@" + ns.network().sim().now());
        ns.sockets().bind(IpProtocol.TCP, 0, port, this);
        listening = true;
        trace(Verdict.PASS, "listening on 0.0.0.0:" + port);
    }

    /**
     * An HTTP/1.1 200 response as nginx sends it for a {@code Connection: close} request, with a
     * {@code Date} header from the virtual clock (seconds since the epoch).
     */
    public static byte[] nginxOk(String body, long virtualTimeNs) {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT)
                .format(Instant.ofEpochSecond(virtualTimeNs / 1_000_000_000L).atOffset(ZoneOffset.UTC));
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: " + date + "\r\nContent-Type: text/html\r\n"
                + "Content-Length: " + b.length + "\r\nConnection: close\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + b.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        return all;
    }

    public int port() {
        return port;
    }

    /** Every connection a SYN opened, in order (handshakes not completed included). */
    public List<TcpSocket> connections() {
        return Collections.unmodifiableList(connections);
    }

    /** The first request of each connection that sent one, in arrival order. */
    public List<byte[]> requests() {
        return Collections.unmodifiableList(requests);
    }

    /** Stops listening (close() of the listening socket); established connections go on. */
    public void close() {
        if (listening) {
            ns.sockets().unbind(IpProtocol.TCP, 0, port);
            listening = false;
            trace(Verdict.PASS, "listening socket closed");
        }
    }

    @Override
    public void receive(NetNamespace netns, Packet p, int ipOffset, int l4Offset) {
        ByteBuf b = p.buf();
        int flags = b.getUnsignedByte(l4Offset + Tcp.FLAGS_OFFSET);
        if ((flags & Tcp.RST) != 0) {
            trace(Verdict.CONSUME, "RST to the listener ignored");
            p.release();
            return;
        }
        if ((flags & Tcp.ACK) != 0) {
            // tcp_rcv_state_process, LISTEN: "if (th->ack) return 1" → tcp_v4_send_reset.
            ByteBuf rst = ns.network().frames().tcpResetFor(b, ipOffset, 0, 0);
            trace(Verdict.CONSUME, "ACK for no connection from " + Ipv4Address.toString(b.getInt(ipOffset
                    + Ipv4.SRC_OFFSET)) + ": RST");
            p.release();
            if (rst != null) {
                ns.stack().send(new Packet(rst, LinkType.ETHERNET).id(ns.network().nextPacketId())
                        .timestampNs(ns.network().sim().now()).csumUnnecessary(true));
            }
            return;
        }
        if ((flags & Tcp.SYN) == 0) {
            trace(Verdict.CONSUME, "segment without SYN to the listener ignored");
            p.release();
            return;
        }
        TcpSocket s = TcpSocket.fromSyn(ns, name, new Handler(), p, ipOffset, l4Offset, random);
        connections.add(s);
        p.release();
    }

    /** The accept()ed connection's application: answer the first request, close at end of stream. */
    private final class Handler implements TcpSocket.Listener {
        private boolean answered;

        @Override
        public void connected(TcpSocket s) {
            trace(Verdict.DELIVER, "accept() " + Ipv4Address.toString(s.remoteAddress()) + ":" + s.remotePort());
        }

        @Override
        public void data(TcpSocket s, byte[] bytes) {
            if (answered) {
                return;
            }
            answered = true;
            requests.add(bytes);
            trace(Verdict.DELIVER, "request of " + bytes.length + " bytes from "
                    + Ipv4Address.toString(s.remoteAddress()) + ":" + s.remotePort());
            if (response != null) {
                s.write(response);
                s.close();
            }
        }

        @Override
        public void endOfStream(TcpSocket s) {
            if (closeAtEndOfStream) {
                s.close();
            } else {
                trace(Verdict.DELIVER, "end of stream from " + Ipv4Address.toString(s.remoteAddress()) + ":"
                        + s.remotePort() + ": connection kept open");
            }
        }
    }

    private void trace(Verdict verdict, String detail) {
        if (ns.network().tracer().enabled()) {
            ns.trace(null, Step.of("tcp"), verdict, null, name + " " + detail);
        }
    }
}
