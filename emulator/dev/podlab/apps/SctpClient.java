package dev.podlab.apps;

import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Packet;
import dev.podlab.packet.Sctp;
import dev.podlab.packet.SctpChunk;
import dev.podlab.packet.SctpInit;
import dev.podlab.sim.Simulator;
import dev.podlab.sim.Timer;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * An SCTP connect() as a one-to-one socket ({@code socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)},
 * what {@code ncat --sctp} uses) runs it: INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, after which
 * connect() returns and the association stays established.
 *
 * <p>Timers as Linux's defaults: T1-init and then T1-cookie start at {@code rto_initial} = 3 s
 * and double on each expiry up to {@code rto_max} = 60 s; {@code max_init_retransmits} = 8, so
 * INITs leave at 0, 3, 9, 21, 45, 93, 153, 213 and 273 s and connect() fails with
 * {@code ETIMEDOUT} at 333 s ({@code sctp_sf_t1_init_timer_expire},
 * {@code sctp_cmd_t1_timer_update}).
 *
 * <p>{@link #outcome()}: CONNECTED on the COOKIE ACK; REFUSED ({@code ECONNREFUSED}) on an
 * ABORT whose tag passes {@code sctp_vtag_verify_either}, or on ICMP protocol unreachable
 * ({@code sctp_sf_cookie_wait_icmp_abort}); TIMED_OUT at the program's timeout or the kernel's
 * limit. Other ICMP errors are soft for SCTP ({@code sctp_v4_err} records {@code sk_err_soft}):
 * the INIT keeps being retransmitted, as the trace shows. UNREACHABLE at once without a route.
 *
 * <p>Not modelled: data transfer, heartbeats, and the SHUTDOWN exchange (the association is left
 * established: close it with {@link #abort()}, which sends an ABORT as {@code SO_LINGER} 0 does).
 */
public final class SctpClient implements TransportHandler {
    private enum State { COOKIE_WAIT, COOKIE_ECHOED, ESTABLISHED, CLOSED }

    private final NetNamespace ns;
    private final Simulator sim;
    private final int dst;
    private final int port;
    private final String name;
    private final long startNs;
    private final Timer t1;
    private final Timer userTimeout;
    private int src;
    private int localPort;
    private int myTag;
    private long initialTsn;
    private int peerTag;
    private byte[] cookie;
    private State state = State.CLOSED;
    private long t1Timeout = SctpPackets.RTO_INITIAL;
    private int initErrCounter;
    private int initsSent;
    private Outcome outcome;

    /**
     * Starts connecting now.
     *
     * @param timeoutNs the program's connect timeout, 0 for the kernel's own
     */
    public SctpClient(NetNamespace ns, int dst, int port, long timeoutNs) {
        this.ns = ns;
        this.sim = ns.network().sim();
        this.dst = dst;
        this.port = port;
        this.startNs = sim.now();
        this.name = "sctp-client>" + Ipv4Address.toString(dst) + ":" + port;
        this.t1 = new Timer(sim, this::t1Expired);
        this.userTimeout = new Timer(sim, this::userTimedOut);
        if (!ns.stack().hasRoute(dst)) {
            decide(Outcome.Verdict.UNREACHABLE, SocketErrors.ENETUNREACH, "no route to " + Ipv4Address.toString(dst)
                    + " from " + ns.qualifiedName());
            return;
        }
        src = ns.stack().sourceAddress(dst);
        localPort = ns.sockets().ephemeralPort(IpProtocol.SCTP, dst, port);
        RandomGenerator random = sim.random().streamFor("apps/" + ns.qualifiedName() + "/sctp-client/"
                + Ipv4Address.toString(src) + ":" + localPort + ">" + Ipv4Address.toString(dst) + ":" + port + "@" + startNs);
        // sctp_generate_tag: a random tag, never 0; sctp_generate_tsn: random.
        do {
            myTag = random.nextInt();
        } while (myTag == 0);
        initialTsn = random.nextInt() & 0xffff_ffffL;
        ns.sockets().connect(IpProtocol.SCTP, localPort, dst, port, this);
        state = State.COOKIE_WAIT;
        if (timeoutNs > 0) {
            userTimeout.schedule(timeoutNs);
        }
        sendInit();
        t1.schedule(t1Timeout);
    }

    public Outcome outcome() {
        return outcome;
    }

    /** INIT chunks sent (the first and its retransmissions). */
    public int initsSent() {
        return initsSent;
    }

    public int localPort() {
        return localPort;
    }

    /** Our verification tag (the INIT's initiate tag). */
    public long initiateTag() {
        return myTag & 0xffff_ffffL;
    }

    /** True once the COOKIE ACK came. */
    public boolean established() {
        return state == State.ESTABLISHED;
    }

    /** Ends the association with an ABORT (close() with SO_LINGER 0), or just forgets it before it was up. */
    public void abort() {
        if (state == State.ESTABLISHED) {
            trace(Verdict.TRANSMIT, "ABORT");
            SctpPackets.send(ns, SctpPackets.oneChunk(SctpPackets.ipv4(ns, src, dst), localPort, port, peerTag,
                    SctpChunk.ABORT, 0, new byte[0]));
        }
        close();
    }

    private void sendInit() {
        initsSent++;
        trace(Verdict.TRANSMIT, "INIT tag " + (myTag & 0xffff_ffffL) + " tsn " + initialTsn + " a_rwnd "
                + SctpPackets.A_RWND + (initsSent > 1 ? " (retransmission " + (initsSent - 1) + ")" : ""));
        ByteBuf params = SctpPackets.initParameters();
        ByteBuf frame = ns.network().frames().sctpInit(SctpPackets.ipv4(ns, src, dst), localPort, port, myTag,
                SctpPackets.A_RWND, SctpPackets.OUTBOUND_STREAMS, SctpPackets.INBOUND_STREAMS, initialTsn, params);
        SctpPackets.send(ns, frame);
    }

    private void sendCookieEcho() {
        trace(Verdict.TRANSMIT, "COOKIE ECHO of " + cookie.length + " bytes");
        SctpPackets.send(ns, SctpPackets.oneChunk(SctpPackets.ipv4(ns, src, dst), localPort, port, peerTag,
                SctpChunk.COOKIE_ECHO, 0, cookie));
    }

    /** sctp_sf_t1_init_timer_expire / sctp_sf_t1_cookie_timer_expire. */
    private void t1Expired() {
        int attempts = initErrCounter + 1;
        if (attempts > SctpPackets.MAX_INIT_RETRANSMITS) {
            decide(Outcome.Verdict.TIMED_OUT, SocketErrors.ETIMEDOUT, "no answer after " + (attempts - 1)
                    + " retransmissions (max_init_retransmits " + SctpPackets.MAX_INIT_RETRANSMITS + ")");
            close();
            return;
        }
        if (state == State.COOKIE_WAIT) {
            sendInit();
        } else {
            sendCookieEcho();
        }
        initErrCounter++;
        t1Timeout = Math.min(t1Timeout * 2, SctpPackets.RTO_MAX);
        t1.schedule(t1Timeout);
    }

    private void userTimedOut() {
        if (outcome == null) {
            decide(Outcome.Verdict.TIMED_OUT, SocketErrors.ETIMEDOUT, "no answer within the client's timeout of "
                    + SocketErrors.formatDuration(sim.now() - startNs));
            close();
        }
    }

    @Override
    public void receive(NetNamespace netns, Packet p, int ipOffset, int l4Offset) {
        ByteBuf b = p.buf();
        Sctp sctp = new Sctp().wrap(b, l4Offset);
        int vtag = sctp.verificationTag();
        SctpChunk chunk = new SctpChunk().wrap(b, sctp.chunksOffset());
        int type = chunk.type();
        trace(Verdict.RECEIVE, SctpPackets.chunkName(type) + " vtag " + (vtag & 0xffff_ffffL));
        switch (type) {
            case SctpChunk.INIT_ACK -> initAck(b, chunk, vtag);
            case SctpChunk.COOKIE_ACK -> {
                if (state == State.COOKIE_ECHOED && vtag == myTag) {
                    t1.cancel();
                    userTimeout.cancel();
                    state = State.ESTABLISHED;
                    decide(Outcome.Verdict.CONNECTED, null, "association up from " + Ipv4Address.toString(src) + ":"
                            + localPort);
                }
            }
            case SctpChunk.ABORT -> {
                // sctp_vtag_verify_either: our tag without T, or the peer's tag with T.
                boolean t = chunk.tBit();
                boolean valid = !t && vtag == myTag || t && peerTag != 0 && vtag == peerTag;
                if (!valid) {
                    trace(Verdict.PASS, "ABORT with tag " + (vtag & 0xffff_ffffL) + (t ? " (T)" : "")
                            + " fails verification: discarded");
                } else if (outcome == null) {
                    decide(Outcome.Verdict.REFUSED, SocketErrors.ECONNREFUSED, "ABORT from "
                            + Ipv4Address.toString(dst) + ":" + port);
                    close();
                } else {
                    trace(Verdict.CONSUME, "association aborted by the peer");
                    close();
                }
            }
            default -> trace(Verdict.PASS, SctpPackets.chunkName(type) + " ignored");
        }
        p.release();
    }

    /** sctp_sf_do_5_1C_ack: take the peer's tag and cookie, echo the cookie, restart T1 as T1-cookie. */
    private void initAck(ByteBuf b, SctpChunk chunk, int vtag) {
        if (state != State.COOKIE_WAIT || vtag != myTag) {
            trace(Verdict.PASS, "INIT ACK not expected: discarded");
            return;
        }
        SctpInit init = new SctpInit().wrap(b, chunk.offset());
        int c = init.findParameter(SctpInit.PARAM_STATE_COOKIE);
        if (init.initiateTag() == 0 || c < 0) {
            trace(Verdict.PASS, "INIT ACK without a tag or a state cookie: discarded");
            return;
        }
        peerTag = init.initiateTag();
        cookie = new byte[init.parameterLength(c) - 4];
        b.getBytes(c + 4, cookie);
        state = State.COOKIE_ECHOED;
        // SCTP_CMD_INIT_COUNTER_RESET, then T1-cookie from rto_initial.
        initErrCounter = 0;
        t1Timeout = SctpPackets.RTO_INITIAL;
        sendCookieEcho();
        t1.schedule(t1Timeout);
    }

    /** sctp_v4_err: soft errors, except protocol unreachable while connecting. */
    @Override
    public void icmpError(NetNamespace netns, int type, int code, int info, int reporter) {
        String what = "ICMP " + SocketErrors.icmpName(type, code) + " from " + Ipv4Address.toString(reporter);
        if (type == Icmp4.DEST_UNREACH && code == Icmp4.PROT_UNREACH && outcome == null) {
            decide(Outcome.Verdict.REFUSED, SocketErrors.ECONNREFUSED, what);
            close();
            return;
        }
        trace(Verdict.PASS, what + ": soft error, INIT retransmissions go on");
    }

    private void close() {
        t1.cancel();
        userTimeout.cancel();
        if (state != State.CLOSED) {
            state = State.CLOSED;
            ns.sockets().disconnect(IpProtocol.SCTP, localPort, dst, port);
        }
    }

    private void decide(Outcome.Verdict verdict, String errno, String reason) {
        String text = errno == null ? reason : SocketErrors.strerror(errno) + " (" + errno + "): " + reason;
        outcome = new Outcome(verdict, errno, text, startNs, sim.now());
        if (ns.network().tracer().enabled()) {
            ns.trace(null, Step.of("probe"), verdict == Outcome.Verdict.CONNECTED ? Verdict.DELIVER : Verdict.CONSUME,
                    null, name + " " + outcome);
        }
    }

    private void trace(Verdict verdict, String detail) {
        if (ns.network().tracer().enabled()) {
            ns.trace(null, Step.of("sctp"), verdict, null, name + " " + detail);
        }
    }
}
