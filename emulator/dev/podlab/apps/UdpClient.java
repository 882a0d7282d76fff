package dev.podlab.apps;

import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpIdent;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.packet.Udp;
import dev.podlab.sim.Simulator;
import dev.podlab.sim.Timer;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * A UDP probe as {@code nc -u -w N} runs it: a connected UDP socket sends one datagram, then
 * read() waits up to N seconds.
 *
 * <p>{@link #outcome()}: ANSWERED when a datagram comes back; REFUSED ({@code ECONNREFUSED})
 * when an ICMP port unreachable arrives, since {@code udp_err} reports the "fatal" codes of
 * {@code icmp_err_convert} on a connected socket and the blocked read() returns the error;
 * PROHIBITED for the fatal administratively-prohibited codes (9, 10, 13); UNREACHABLE for the
 * other fatal codes (net/host unknown, host isolated; fragmentation needed with PMTU discovery on)
 * and at once, with nothing sent, when the sender has no route. ICMP net and host unreachable and
 * time exceeded are not fatal: without IP_RECVERR the socket ignores them and the probe ends
 * TIMED_OUT ({@code nc} prints nothing and exits after its timeout).
 */
public final class UdpClient implements TransportHandler {
    private final NetNamespace ns;
    private final Simulator sim;
    private final int dst;
    private final int port;
    private final int src;
    private final int localPort;
    private final long startNs;
    private final String name;
    private final Timer timeout;
    private byte[] answer;
    private Outcome outcome;

    /**
     * Sends {@code payload} now and waits.
     *
     * @param timeoutNs how long read() waits ({@code nc -w}); must be positive
     */
    public UdpClient(NetNamespace ns, int dst, int port, byte[] payload, long timeoutNs) {
        if (timeoutNs <= 0) {
            throw new IllegalArgumentException("a UDP probe needs a timeout, got " + timeoutNs + " ns");
        }
        this.ns = ns;
        this.sim = ns.network().sim();
        this.dst = dst;
        this.port = port;
        this.startNs = sim.now();
        this.name = "udp-client>" + Ipv4Address.toString(dst) + ":" + port;
        this.timeout = new Timer(sim, this::timedOut);
        if (!ns.stack().hasRoute(dst)) {
            this.src = 0;
            this.localPort = 0;
            decide(Outcome.Verdict.UNREACHABLE, SocketErrors.ENETUNREACH, "no route to " + Ipv4Address.toString(dst)
                    + " from " + ns.qualifiedName());
            return;
        }
        this.src = ns.stack().sourceAddress(dst);
        this.localPort = ns.sockets().ephemeralPort(IpProtocol.UDP, dst, port);
        // ip4_datagram_connect: inet_id = get_random_u16(), from the app's seeded stream.
        int id = sim.random().streamFor("apps/" + ns.qualifiedName() + "/udp-client/" + Ipv4Address.toString(src) + ":"
                + localPort + ">" + Ipv4Address.toString(dst) + ":" + port + "@" + startNs).nextInt(0x10000);
        IpIdent.SocketCounter ipId = new IpIdent.SocketCounter(id);
        ns.sockets().connect(IpProtocol.UDP, localPort, dst, port, this);
        Ipv4Spec spec = new Ipv4Spec().addresses(src, dst).df(true).ttl(ns.sysctl().defaultTtl).id(ipId.nextDatagram(1));
        ByteBuf frame = ns.network().frames().udp(spec, localPort, port, Unpooled.wrappedBuffer(payload));
        trace(Verdict.TRANSMIT, Ipv4Address.toString(src) + "." + localPort + " > " + Ipv4Address.toString(dst) + "."
                + port + ": UDP, length " + payload.length);
        timeout.schedule(timeoutNs);
        // A socket's datagram: CHECKSUM_PARTIAL (Packet#csumUnnecessary).
        ns.stack().send(new Packet(frame, LinkType.ETHERNET).id(ns.network().nextPacketId()).timestampNs(startNs)
                .csumUnnecessary(true));
    }

    public Outcome outcome() {
        return outcome;
    }

    /** The payload of the answer, or null. */
    public byte[] answer() {
        return answer == null ? null : answer.clone();
    }

    public int localPort() {
        return localPort;
    }

    @Override
    public void receive(NetNamespace netns, Packet p, int ipOffset, int l4Offset) {
        ByteBuf b = p.buf();
        int len = b.getUnsignedShort(l4Offset + Udp.LENGTH_OFFSET) - Udp.HEADER_LENGTH;
        if (outcome == null) {
            answer = new byte[len];
            b.getBytes(l4Offset + Udp.HEADER_LENGTH, answer);
            trace(Verdict.RECEIVE, "answer of " + len + " bytes");
            decide(Outcome.Verdict.ANSWERED, null, len + " bytes back from " + Ipv4Address.toString(dst) + ":" + port);
            finish();
        }
        p.release();
    }

    /** udp_err on a connected socket without IP_RECVERR: only the fatal codes become sk_err. */
    @Override
    public void icmpError(NetNamespace netns, int type, int code, int info, int reporter) {
        String what = "ICMP " + SocketErrors.icmpName(type, code) + " from " + Ipv4Address.toString(reporter);
        if (outcome != null) {
            return;
        }
        String err;
        boolean hard;
        Outcome.Verdict verdict;
        if (type == Icmp4.DEST_UNREACH && code == Icmp4.FRAG_NEEDED) {
            err = SocketErrors.EMSGSIZE;
            hard = true;
            verdict = Outcome.Verdict.UNREACHABLE;
        } else if (type == Icmp4.DEST_UNREACH) {
            err = code <= SocketErrors.NR_ICMP_UNREACH ? SocketErrors.unreachErrno(code) : SocketErrors.EHOSTUNREACH;
            hard = code <= SocketErrors.NR_ICMP_UNREACH && SocketErrors.unreachFatal(code);
            verdict = SocketErrors.unreachVerdict(code);
        } else if (type == Icmp4.PARAMETERPROB) {
            err = SocketErrors.EPROTO;
            hard = true;
            verdict = Outcome.Verdict.UNREACHABLE;
        } else {
            err = SocketErrors.EHOSTUNREACH;
            hard = false;
            verdict = Outcome.Verdict.UNREACHABLE;
        }
        if (!hard) {
            trace(Verdict.PASS, what + ": not a hard error (" + err + "), ignored without IP_RECVERR");
            return;
        }
        decide(verdict, err, what);
        finish();
    }

    private void timedOut() {
        if (outcome == null) {
            decide(Outcome.Verdict.TIMED_OUT, null, "no answer within " + SocketErrors.formatDuration(sim.now() - startNs));
            finish();
        }
    }

    private void finish() {
        timeout.cancel();
        ns.sockets().disconnect(IpProtocol.UDP, localPort, dst, port);
    }

    private void decide(Outcome.Verdict verdict, String errno, String reason) {
        String text = errno == null ? reason : SocketErrors.strerror(errno) + " (" + errno + "): " + reason;
        outcome = new Outcome(verdict, errno, text, startNs, sim.now());
        if (ns.network().tracer().enabled()) {
            ns.trace(null, Step.of("probe"), verdict == Outcome.Verdict.ANSWERED ? Verdict.DELIVER : Verdict.CONSUME,
                    null, name + " " + outcome);
        }
    }

    private void trace(Verdict verdict, String detail) {
        if (ns.network().tracer().enabled()) {
            ns.trace(null, Step.of("udp"), verdict, null, name + " " + detail);
        }
    }
}
