package dev.podlab.apps;

import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.packet.Frames;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpIdent;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.TcpSpec;
import dev.podlab.sim.Simulator;
import dev.podlab.sim.Timer;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.Arrays;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * One end of a TCP connection in a namespace, with the parts of Linux's TCP that decide what a
 * connectivity check puts on the wire and what its user sees: the handshake
 * ({@code tcp_connect}, {@code tcp_rcv_synsent_state_process}, the request socket's SYN-ACK and
 * {@code tcp_check_req}), the receive path of the synchronized states
 * ({@code tcp_rcv_state_process}, {@code tcp_validate_incoming}, {@code tcp_data_queue},
 * {@code tcp_fin}), ACK scheduling (quick ACKs, delayed ACKs and the ping-pong mode of
 * {@code tcp_event_data_sent}), the receive window ({@code tcp_select_initial_window},
 * {@code tcp_init_buffer_space}, {@code __tcp_select_window}, never shrinking), timestamps, the
 * retransmission timer with Linux's back-off and give-up rule ({@code tcp_retransmit_timer},
 * {@code tcp_write_timeout}, {@code tcp_model_timeout}), ICMP errors ({@code tcp_v4_err}) and
 * teardown through FIN_WAIT, CLOSING, TIME_WAIT, CLOSE_WAIT and LAST_ACK.
 *
 * <p>Default sysctls: {@code tcp_syn_retries} 6, {@code tcp_synack_retries} 5,
 * {@code tcp_retries2} 15, {@code tcp_orphan_retries} 0 (8), {@code tcp_fin_timeout} 60 s,
 * {@code tcp_rmem[1]} 131072 (a 65536-byte window space), timestamps, SACK and window scaling on.
 *
 * <p>Not modelled: congestion control beyond an initial window of 10 segments growing by one per
 * segment acknowledged (slow start without loss recovery: a lost data segment waits for the RTO),
 * an out-of-order queue and SACK blocks (out-of-order data is dropped and answered with a
 * duplicate ACK), RTT samples after the handshake, receive-buffer auto-tuning (windows are exact
 * while less than 10 MSS of data are in flight, which covers a request and its response),
 * simultaneous open, PAWS, urgent data, and TIME_WAIT reuse by a new SYN.
 */
public final class TcpSocket implements TransportHandler {
    /** The TCP states, named as {@code ss} prints them. */
    public enum State { CLOSED, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK }

    /** What the application holding the socket hears. Callbacks run after the kernel's own reaction to a segment. */
    interface Listener {
        /** connect() returned 0, or accept() returned this socket. */
        default void connected(TcpSocket s) {}

        /** read() returned these bytes. */
        default void data(TcpSocket s, byte[] bytes) {}

        /** read() returned 0: the peer sent its FIN. */
        default void endOfStream(TcpSocket s) {}

        /** The connection failed or was reset: the errno a blocked connect()/read() returns. */
        default void failed(TcpSocket s, Outcome.Verdict verdict, String errno, String detail) {}
    }

    // Constants of include/net/tcp.h, in nanoseconds.
    static final long TCP_TIMEOUT_INIT = 1_000_000_000L;
    static final long TCP_TIMEOUT_FALLBACK = 3_000_000_000L;
    static final long TCP_RTO_MAX = 120_000_000_000L;
    static final long TCP_RTO_MIN = 200_000_000L;
    static final long TCP_TIMEWAIT_LEN = 60_000_000_000L;
    static final long TCP_FIN_TIMEOUT = 60_000_000_000L;
    static final long TCP_ATO_MIN = 40_000_000L;
    static final long TCP_DELACK_MIN = 40_000_000L;
    static final long TCP_DELACK_MAX = 200_000_000L;
    static final int TCP_SYN_RETRIES = 6;
    static final int TCP_SYNACK_RETRIES = 5;
    static final int TCP_RETRIES2 = 15;
    static final int TCP_ORPHAN_RETRIES = 8;
    static final int TCP_MAX_QUICKACKS = 16;
    static final int TCP_INIT_CWND = 10;
    static final int TCP_MSS_DEFAULT = 536;
    /** {@code tcp_win_from_space(tcp_rmem[1] = 131072)}: half of the buffer. */
    static final int FULL_SPACE = 65536;
    /** Shift advertised in our SYNs: ilog2(max(tcp_rmem[2] = 6 MiB, rmem_max)) - 15. */
    static final int RCV_WSCALE = 7;
    static final int TCP_MAX_WSCALE = 14;
    static final int TCPOLEN_TSTAMP_ALIGNED = 12;
    private static final long MS = 1_000_000L;

    /** A segment sent and not yet acknowledged, kept to retransmit it. */
    private record Segment(int seq, int flags, byte[] data, long sentNs) {
        int end() {
            return seq + data.length + ((flags & (Tcp.SYN | Tcp.FIN)) != 0 ? 1 : 0);
        }
    }

    private final NetNamespace ns;
    private final Simulator sim;
    private final String name;
    private final Listener listener;
    private final int localAddr;
    private final int localPort;
    private final int remoteAddr;
    private final int remotePort;
    private final IpIdent.SocketCounter ipId;
    private final long tsOffsetMs;
    private final Ipv4Spec ipSpec = new Ipv4Spec();
    private final TcpSpec spec = new TcpSpec();
    private final Tcp tcp = new Tcp();
    private final Tcp.Options opts = new Tcp.Options();
    private final Timer rtxTimer;
    private final Timer delackTimer;
    private final Timer stateTimer;
    private final ArrayDeque<Segment> unacked = new ArrayDeque<>();

    private State state = State.CLOSED;
    private int iss;
    private int sndUna;
    private int sndNxt;
    private long sndWnd;
    private int sndWscale;
    private int irs;
    private int rcvNxt;
    private int rcvWup;
    private int rcvWnd;
    private int rcvWscale;
    private int rcvSsthresh;
    private int initialRcvWnd;
    private int advMss;
    private int peerMss = TCP_MSS_DEFAULT;
    private int rcvMss;
    private boolean tsOk;
    private boolean sackOk;
    private int tsRecent;
    /** The TSval of the segment being processed, stored as ts_recent once the segment is accepted. */
    private int tsRecentCandidate;
    private int cwnd = TCP_INIT_CWND;

    private long rto = TCP_TIMEOUT_INIT;
    /** The RTO computed from the last RTT sample, before back-off. */
    private long baseRto = TCP_TIMEOUT_INIT;
    private int retransmits;
    private int totalRetrans;
    private boolean rttSampled;

    private long ato;
    private long lrcvtime;
    private int quick;
    private int pingpong;
    private boolean ackPending;

    private byte[] pending = new byte[0];
    private int pendingOff;
    private boolean userClosed;
    private boolean finSent;
    private boolean done;

    // Application notifications gathered while a segment is processed, delivered after it.
    private boolean notifyConnected;
    private byte[] notifyData;
    private boolean notifyEof;

    private TcpSocket(NetNamespace ns, String name, Listener listener, int localAddr, int localPort, int remoteAddr,
                      int remotePort, RandomGenerator random) {
        this.ns = ns;
        this.sim = ns.network().sim();
        this.name = name;
        this.listener = listener;
        this.localAddr = localAddr;
        this.localPort = localPort;
        this.remoteAddr = remoteAddr;
        this.remotePort = remotePort;
        // tcp_v4_connect / tcp_v4_syn_recv_sock: inet_id = get_random_u16(); the ISN from
        // secure_tcp_seq and the timestamp offset from secure_tcp_ts_off are keyed hashes, drawn
        // here from the application's seeded stream.
        this.iss = random.nextInt();
        this.tsOffsetMs = random.nextInt() & 0xffff_ffffL;
        this.ipId = new IpIdent.SocketCounter(random.nextInt(0x10000));
        this.rtxTimer = new Timer(sim, this::retransmitTimer);
        this.delackTimer = new Timer(sim, this::delackTimer);
        this.stateTimer = new Timer(sim, this::stateTimer);
    }

    /**
     * {@code connect()}: binds an ephemeral port, registers the four-tuple and sends the SYN
     * ({@code tcp_v4_connect} → {@code tcp_connect}). The caller has checked that a route exists.
     */
    static TcpSocket connect(NetNamespace ns, String name, Listener listener, int dst, int dport, RandomGenerator random) {
        int src = ns.stack().sourceAddress(dst);
        int sport = ns.sockets().ephemeralPort(IpProtocol.TCP, dst, dport);
        TcpSocket s = new TcpSocket(ns, name, listener, src, sport, dst, dport, random);
        ns.sockets().connect(IpProtocol.TCP, sport, dst, dport, s);
        s.startConnect();
        return s;
    }

    /**
     * A SYN reached a listener: the request socket answers with a SYN-ACK
     * ({@code tcp_conn_request}). It becomes a full socket, registered under its four-tuple, at
     * once; until the handshake's ACK it behaves as the request socket does.
     */
    static TcpSocket fromSyn(NetNamespace ns, String name, Listener listener, Packet syn, int ipOffset, int l4Offset,
                             RandomGenerator random) {
        ByteBuf b = syn.buf();
        Ipv4 ip = new Ipv4().wrap(b, ipOffset);
        Tcp t = new Tcp().wrap(b, l4Offset);
        TcpSocket s = new TcpSocket(ns, name, listener, ip.dst(), t.dstPort(), ip.src(), t.srcPort(), random);
        ns.sockets().connect(IpProtocol.TCP, s.localPort, s.remoteAddr, s.remotePort, s);
        s.acceptSyn(t, ip.totalLength() - ip.headerLength());
        return s;
    }

    public State state() {
        return state;
    }

    public int localAddress() {
        return localAddr;
    }

    public int localPort() {
        return localPort;
    }

    public int remoteAddress() {
        return remoteAddr;
    }

    public int remotePort() {
        return remotePort;
    }

    /** The initial send sequence number. */
    public long iss() {
        return iss & 0xffff_ffffL;
    }

    /** The peer's initial sequence number (valid once a SYN was received). */
    public long irs() {
        return irs & 0xffff_ffffL;
    }

    public long sndNxt() {
        return sndNxt & 0xffff_ffffL;
    }

    public long rcvNxt() {
        return rcvNxt & 0xffff_ffffL;
    }

    /** The timestamp clock of this connection: virtual milliseconds plus the connection's offset. */
    public long tsOffsetMs() {
        return tsOffsetMs;
    }

    // =============================================================================================
    // Handshake

    private void startConnect() {
        int mtu = ns.stack().routeMtu(remoteAddr);
        advMss = mtu - Ipv4.MIN_HEADER_LENGTH - Tcp.MIN_HEADER_LENGTH;
        initialRcvWnd = initialWindow(advMss);
        rcvWnd = initialRcvWnd;
        rcvSsthresh = initialRcvWnd;
        rcvWscale = RCV_WSCALE;
        sndUna = iss;
        sndNxt = iss + 1;
        setState(State.SYN_SENT);
        Segment syn = new Segment(iss, Tcp.SYN, new byte[0], sim.now());
        unacked.add(syn);
        send(syn);
        rtxTimer.schedule(rto);
    }

    private void acceptSyn(Tcp syn, int segLen) {
        irs = (int) syn.seq();
        rcvNxt = irs + 1;
        rcvWup = rcvNxt;
        parseOptions(syn, segLen);
        sndWnd = syn.window();
        int mtu = ns.stack().routeMtu(remoteAddr);
        advMss = mtu - Ipv4.MIN_HEADER_LENGTH - Tcp.MIN_HEADER_LENGTH;
        // tcp_openreq_init_rwin: the window is quantised on the MSS less the timestamp option.
        initialRcvWnd = initialWindow(advMss - (tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0));
        rcvWnd = initialRcvWnd;
        rcvSsthresh = initialRcvWnd;
        sndUna = iss;
        sndNxt = iss + 1;
        setState(State.SYN_RECV);
        Segment synAck = new Segment(iss, Tcp.SYN | Tcp.ACK, new byte[0], sim.now());
        unacked.add(synAck);
        send(synAck);
        rtxTimer.schedule(rto);
    }

    /**
     * {@code tcp_select_initial_window} with the default buffers: the 65536-byte space rounded
     * down to a multiple of the MSS, at most 65535 (window scaling is offered).
     */
    static int initialWindow(int mss) {
        int space = FULL_SPACE;
        if (space > mss) {
            space = space / mss * mss;
        }
        return Math.min(space, 0xffff);
    }

    /** tcp_parse_options on a SYN or SYN-ACK: what the peer offered. */
    private void parseOptions(Tcp t, int segLen) {
        boolean ws = false;
        tsOk = false;
        sackOk = false;
        opts.wrap(t, segLen);
        while (opts.next()) {
            switch (opts.kind()) {
                case Tcp.OPT_MSS -> {
                    if (opts.length() == Tcp.OPTLEN_MSS && opts.mss() > 0) {
                        peerMss = opts.mss();
                    }
                }
                case Tcp.OPT_WINDOW -> {
                    if (opts.length() == Tcp.OPTLEN_WINDOW) {
                        ws = true;
                        sndWscale = Math.min(opts.windowScale(), TCP_MAX_WSCALE);
                    }
                }
                case Tcp.OPT_SACK_PERM -> sackOk = opts.length() == Tcp.OPTLEN_SACK_PERM;
                case Tcp.OPT_TIMESTAMP -> {
                    if (opts.length() == Tcp.OPTLEN_TIMESTAMP) {
                        tsOk = true;
                        tsRecent = (int) opts.tsVal();
                    }
                }
                default -> { }
            }
        }
        if (!ws) {
            sndWscale = 0;
            rcvWscale = 0;
        } else {
            rcvWscale = RCV_WSCALE;
        }
    }

    /** The TSecr of a segment, or -1 without a timestamp option. */
    private long tsEcrOf(Tcp t, int segLen) {
        opts.wrap(t, segLen);
        while (opts.next()) {
            if (opts.kind() == Tcp.OPT_TIMESTAMP && opts.length() == Tcp.OPTLEN_TIMESTAMP) {
                tsRecentCandidate = (int) opts.tsVal();
                return opts.tsEcr();
            }
        }
        return -1;
    }

    // =============================================================================================
    // Receive: tcp_v4_do_rcv

    @Override
    public void receive(NetNamespace netns, Packet p, int ipOffset, int l4Offset) {
        try {
            ByteBuf b = p.buf();
            int ipLen = b.getUnsignedShort(ipOffset + Ipv4.TOTAL_LENGTH_OFFSET);
            int ihl = (b.getUnsignedByte(ipOffset) & 0x0f) * 4;
            int segLen = ipLen - ihl;
            tcp.wrap(b, l4Offset);
            int hl = tcp.headerLength();
            int dataLen = segLen - hl;
            int seq = (int) tcp.seq();
            int ack = (int) tcp.ack();
            int flags = tcp.flags();
            int window = tcp.window();
            long tsecr = tsEcrOf(tcp, segLen);
            if (tracing()) {
                trace(Verdict.RECEIVE, describe(remoteAddr, remotePort, localAddr, localPort, flags, seq, ack, window,
                        dataLen));
            }
            switch (state) {
                case SYN_SENT -> synSent(p, ipOffset, seq, ack, flags, window, tsecr, segLen);
                case TIME_WAIT -> timeWait(flags);
                case CLOSED -> { }
                default -> synchronised(p, ipOffset, seq, ack, flags, window, tsecr, b, l4Offset + hl, dataLen);
            }
        } finally {
            p.release();
        }
        deliverNotifications();
    }

    /** tcp_rcv_synsent_state_process. */
    private void synSent(Packet p, int ipOffset, int seq, int ack, int flags, int window, long tsecr, int segLen) {
        if ((flags & Tcp.ACK) != 0) {
            if (!after(ack, sndUna) || after(ack, sndNxt)) {
                // An unacceptable ACK: answered with a RST, unless it is one (RFC 9293 3.10.7.3).
                if ((flags & Tcp.RST) == 0) {
                    replyReset(p, ipOffset, "ACK " + u32(ack) + " not for our SYN");
                }
                return;
            }
            if ((flags & Tcp.RST) != 0) {
                // tcp_reset in SYN_SENT: ECONNREFUSED.
                fail(Outcome.Verdict.REFUSED, SocketErrors.ECONNREFUSED,
                        "RST from " + Ipv4Address.toString(remoteAddr) + ":" + remotePort);
                return;
            }
            if ((flags & Tcp.SYN) == 0) {
                return;
            }
            irs = seq;
            rcvNxt = seq + 1;
            rcvWup = rcvNxt;
            parseOptions(tcp, segLen);
            sndWnd = window;
            sndUna = ack;
            rttSample(tsecr);
            unacked.clear();
            rtxTimer.cancel();
            if (tsOk) {
                // tcp_rcv_synsent_state_process: advmss -= TCPOLEN_TSTAMP_ALIGNED.
                advMss -= TCPOLEN_TSTAMP_ALIGNED;
            }
            establish();
            // Linux ACKs at once (no write pending at this point), then connect() returns.
            lrcvtime = sim.now();
            sendAck();
            notifyConnected = true;
            return;
        }
        // A RST without ACK, or a SYN without ACK (simultaneous open, not modelled): discarded.
    }

    /** tcp_rcv_state_process for the states after SYN_SENT, TIME_WAIT excepted. */
    private void synchronised(Packet p, int ipOffset, int seq, int ack, int flags, int window, long tsecr,
                              ByteBuf b, int dataOffset, int dataLen) {
        boolean syn = (flags & Tcp.SYN) != 0;
        boolean fin = (flags & Tcp.FIN) != 0;
        if (state == State.SYN_RECV && syn && (flags & Tcp.ACK) == 0) {
            if (seq == irs) {
                // tcp_check_req: a retransmitted SYN makes the request socket resend its SYN-ACK.
                Segment head = unacked.peekFirst();
                if (head != null) {
                    trace(Verdict.PASS, "retransmitted SYN: SYN-ACK sent again");
                    totalRetrans++;
                    send(head);
                }
            }
            return;
        }
        int segEnd = seq + dataLen + (syn ? 1 : 0) + (fin ? 1 : 0);
        // tcp_sequence: not entirely before the window's left edge, not after its right edge.
        if (before(segEnd, rcvWup) || after(seq, rcvNxt + receiveWindow())) {
            if ((flags & Tcp.RST) == 0) {
                trace(Verdict.PASS, "segment outside the receive window: duplicate ACK");
                sendAck();
            }
            return;
        }
        if ((flags & Tcp.RST) != 0) {
            if (seq == rcvNxt) {
                reset();
            } else {
                // RFC 5961 3.2: a RST in the window but not at rcv_nxt gets a challenge ACK.
                trace(Verdict.PASS, "RST seq " + u32(seq) + " != rcv_nxt " + u32(rcvNxt) + ": challenge ACK");
                sendAck();
            }
            return;
        }
        if (syn) {
            trace(Verdict.PASS, "SYN in a synchronised state: challenge ACK");
            sendAck();
            return;
        }
        if ((flags & Tcp.ACK) == 0) {
            return;
        }
        if (state == State.SYN_RECV) {
            if (ack != sndNxt) {
                // tcp_check_req: an ACK not for our SYN-ACK is answered with a RST.
                replyReset(p, ipOffset, "ACK " + u32(ack) + " not for our SYN-ACK");
                return;
            }
            rttSample(tsecr);
            sndUna = ack;
            sndWnd = (long) window << sndWscale;
            unacked.clear();
            rtxTimer.cancel();
            establish();
            notifyConnected = true;
        } else {
            if (after(ack, sndNxt)) {
                // tcp_ack: ACK of data not sent yet, discarded.
                return;
            }
            sndWnd = (long) window << sndWscale;
            if (after(ack, sndUna)) {
                acked(ack);
            }
            if (state == State.CLOSED) {
                return;
            }
        }
        if (tsOk && tsecr >= 0 && !before(seq, rcvWup) && !after(seq, rcvNxt)) {
            // tcp_store_ts_recent for a segment covering rcv_wup.
            tsRecent = tsRecentCandidate;
        }
        if (dataLen > 0) {
            receiveData(p, ipOffset, seq, b, dataOffset, dataLen, fin);
            if (state == State.CLOSED) {
                return;
            }
        }
        if (fin && seq + dataLen == rcvNxt) {
            receiveFin();
        }
        ackSendCheck();
        trySend();
    }

    /** The in-order part of a segment's data; out-of-order data is dropped with a duplicate ACK. */
    private void receiveData(Packet p, int ipOffset, int seq, ByteBuf b, int dataOffset, int dataLen, boolean fin) {
        if (state != State.ESTABLISHED && state != State.FIN_WAIT1 && state != State.FIN_WAIT2) {
            return;
        }
        if (after(seq, rcvNxt)) {
            trace(Verdict.PASS, "out-of-order data at " + u32(seq) + ", expected " + u32(rcvNxt)
                    + ": dropped (no out-of-order queue), duplicate ACK");
            sendAck();
            return;
        }
        int skip = rcvNxt - seq;
        if (skip >= dataLen) {
            // A retransmission of data we have: tcp_data_queue sends a duplicate ACK at once.
            sendAck();
            return;
        }
        if (userClosed) {
            // tcp_rcv_state_process: new data after close() resets the connection.
            replyReset(p, ipOffset, "data after close()");
            fail(Outcome.Verdict.REFUSED, SocketErrors.ECONNRESET, "data received after close(): RST sent");
            return;
        }
        byte[] data = new byte[dataLen - skip];
        b.getBytes(dataOffset + skip, data);
        rcvNxt += data.length;
        eventDataRecv();
        notifyData = notifyData == null ? data : concat(notifyData, data);
    }

    /** tcp_fin. */
    private void receiveFin() {
        rcvNxt += 1;
        ackPending = true;
        switch (state) {
            case SYN_RECV, ESTABLISHED -> {
                setState(State.CLOSE_WAIT);
                pingpong = 1;
                notifyEof = true;
            }
            case FIN_WAIT1 -> {
                sendAck();
                setState(State.CLOSING);
            }
            case FIN_WAIT2 -> {
                sendAck();
                enterTimeWait();
            }
            default -> { }
        }
    }

    /** tcp_timewait_state_process: a FIN is ACKed again (from the control socket), a RST kills the socket. */
    private void timeWait(int flags) {
        if ((flags & Tcp.RST) != 0) {
            trace(Verdict.PASS, "RST in TIME_WAIT: socket killed (tcp_rfc1337=0)");
            finish();
            return;
        }
        if ((flags & Tcp.FIN) != 0) {
            trace(Verdict.PASS, "FIN retransmitted in TIME_WAIT: ACK again");
            sendControlAck();
            stateTimer.schedule(TCP_TIMEWAIT_LEN);
        }
    }

    /** The peer acknowledged up to {@code ack}: tcp_clean_rtx_queue and the state changes it causes. */
    private void acked(int ack) {
        sndUna = ack;
        int segments = 0;
        while (!unacked.isEmpty() && !after(unacked.peekFirst().end(), ack)) {
            unacked.pollFirst();
            segments++;
        }
        cwnd += segments;
        retransmits = 0;
        rto = baseRto;
        if (unacked.isEmpty()) {
            rtxTimer.cancel();
        } else {
            rtxTimer.schedule(rto);
        }
        if (finSent && sndUna == sndNxt) {
            switch (state) {
                case FIN_WAIT1 -> {
                    setState(State.FIN_WAIT2);
                    // tcp_fin_timeout for an orphaned socket waiting for the peer's FIN.
                    stateTimer.schedule(TCP_FIN_TIMEOUT);
                }
                case CLOSING -> enterTimeWait();
                case LAST_ACK -> finish();
                default -> { }
            }
        }
    }

    private void establish() {
        setState(State.ESTABLISHED);
        // tcp_init_buffer_space: clamp the window one MSS below the space; rcv_ssthresh follows.
        int windowClamp = Math.max(2 * advMss, FULL_SPACE - advMss);
        rcvSsthresh = Math.min(rcvSsthresh, windowClamp);
        // tcp_initialize_rcv_mss.
        rcvMss = Math.max(88, Math.min(Math.min(advMss, mssNow()), Math.min(rcvWnd / 2, TCP_MSS_DEFAULT)));
        // tcp_init_transfer: one segment after more than one SYN/SYN-ACK retransmission.
        cwnd = totalRetrans > 1 ? 1 : TCP_INIT_CWND;
        if (!rttSampled) {
            // tcp_init_metrics (RFC 6298 5.7): no valid sample from the handshake.
            rto = TCP_TIMEOUT_FALLBACK;
            baseRto = rto;
        }
    }

    /** tcp_ack_update_rtt for the handshake, and the first-sample RTO: srtt + max(2 srtt, rto_min). */
    private void rttSample(long tsecr) {
        long m;
        Segment head = unacked.peekFirst();
        if (totalRetrans == 0 && head != null) {
            m = sim.now() - head.sentNs();
        } else if (tsOk && tsecr > 0) {
            // Karn: a retransmitted SYN is timed through the timestamp it echoes (ms clock).
            m = Math.max(0, (tsNowMs() - tsecr) & 0xffff_ffffL) * MS;
        } else {
            return;
        }
        rttSampled = true;
        long rttvar = Math.max(2 * m, TCP_RTO_MIN);
        long r = m + rttvar;
        // jiffies (HZ=1000): rounded up to the millisecond.
        rto = Math.min((r + MS - 1) / MS * MS, TCP_RTO_MAX);
        baseRto = rto;
    }

    // =============================================================================================
    // ACK scheduling

    /** tcp_event_data_recv: the delayed-ACK estimator and quick-ACK credit. */
    private void eventDataRecv() {
        long now = sim.now();
        ackPending = true;
        if (ato == 0) {
            incrQuickack();
            ato = TCP_ATO_MIN;
        } else {
            long m = now - lrcvtime;
            if (m <= TCP_ATO_MIN / 2) {
                ato = (ato >> 1) + TCP_ATO_MIN / 2;
            } else if (m < ato) {
                ato = (ato >> 1) + m;
                if (ato > rto) {
                    ato = rto;
                }
            } else if (m > rto) {
                incrQuickack();
            }
        }
        lrcvtime = now;
    }

    private void incrQuickack() {
        int q = rcvWnd / (2 * Math.max(rcvMss, 1));
        if (q == 0) {
            q = 2;
        }
        q = Math.min(q, TCP_MAX_QUICKACKS);
        quick = Math.max(quick, q);
    }

    /** __tcp_ack_snd_check: now (quick-ACK mode, or more than a full segment unacknowledged), else delayed. */
    private void ackSendCheck() {
        if (!ackPending || state == State.CLOSED || state == State.TIME_WAIT) {
            return;
        }
        boolean quickMode = quick > 0 && pingpong == 0;
        boolean fullSegment = rcvNxt - rcvWup > rcvMss && windowToAdvertise() >= rcvWnd;
        if (quickMode || fullSegment) {
            sendAck();
            return;
        }
        long delay = ato;
        if (delay > TCP_DELACK_MIN) {
            delay = Math.min(delay, pingpong > 0 ? TCP_DELACK_MAX : 500 * MS);
        }
        if (!delackTimer.isPending()) {
            delackTimer.schedule(delay);
        }
    }

    private void delackTimer() {
        if (ackPending && state != State.CLOSED && state != State.TIME_WAIT) {
            trace(Verdict.PASS, "delayed ACK timer");
            sendAck();
        }
    }

    // =============================================================================================
    // Sending

    /** write(): queues bytes and sends what the windows allow. */
    void write(byte[] data) {
        if (state != State.ESTABLISHED && state != State.CLOSE_WAIT) {
            throw new IllegalStateException("write on a socket in " + state);
        }
        pending = concat(Arrays.copyOfRange(pending, pendingOff, pending.length), data);
        pendingOff = 0;
        trySend();
    }

    /**
     * close(): FIN after the queued data ({@code tcp_close} → {@code tcp_send_fin}); in SYN_SENT
     * the socket just goes away, sending nothing.
     */
    void close() {
        if (userClosed || done) {
            return;
        }
        userClosed = true;
        switch (state) {
            case SYN_SENT, SYN_RECV -> {
                trace(Verdict.PASS, "close() in " + state + ": socket gone, nothing sent");
                finish();
            }
            case ESTABLISHED, CLOSE_WAIT -> trySend();
            default -> { }
        }
    }

    /** Sends queued data within min(peer window, cwnd), then the FIN once everything is out. */
    private void trySend() {
        if (state != State.ESTABLISHED && state != State.CLOSE_WAIT) {
            return;
        }
        int mss = mssNow();
        while (pendingOff < pending.length) {
            long inFlight = (sndNxt - sndUna) & 0xffff_ffffL;
            long allowed = Math.min(sndWnd, (long) cwnd * mss) - inFlight;
            int len = (int) Math.min(Math.min(pending.length - pendingOff, mss), Math.max(allowed, 0));
            if (len <= 0) {
                break;
            }
            boolean last = pendingOff + len == pending.length;
            int flags = Tcp.ACK | (last ? Tcp.PSH : 0);
            if (last && userClosed) {
                // tcp_send_fin: the FIN rides on the last unsent segment.
                flags |= Tcp.FIN;
            }
            byte[] data = Arrays.copyOfRange(pending, pendingOff, pendingOff + len);
            pendingOff += len;
            transmitNew(flags, data);
            // tcp_event_data_sent: replying within ato of the last received data means ping-pong.
            if (sim.now() - lrcvtime < ato) {
                pingpong++;
            }
        }
        if (pendingOff == pending.length && userClosed && !finSent) {
            transmitNew(Tcp.FIN | Tcp.ACK, new byte[0]);
        }
    }

    private void transmitNew(int flags, byte[] data) {
        Segment s = new Segment(sndNxt, flags, data, sim.now());
        sndNxt = s.end();
        unacked.add(s);
        if ((flags & Tcp.FIN) != 0) {
            finSent = true;
            setState(state == State.CLOSE_WAIT ? State.LAST_ACK : State.FIN_WAIT1);
        }
        send(s);
        if (!rtxTimer.isPending()) {
            rtxTimer.schedule(rto);
        }
    }

    /** tcp_send_ack: a bare ACK from the socket. */
    private void sendAck() {
        transmit(sndNxt, Tcp.ACK, null, false);
    }

    /**
     * An ACK from a TIME_WAIT socket: {@code tcp_v4_timewait_ack} sends it through the control
     * socket ({@code ip_send_unicast_reply}), so with IP ID 0.
     */
    private void sendControlAck() {
        transmit(sndNxt, Tcp.ACK, null, true);
    }

    /**
     * Builds and sends one segment: SYN and SYN-ACK with the handshake options, everything else
     * with the timestamp option; every segment after the SYN acknowledges rcv_nxt.
     */
    private void send(Segment s) {
        transmit(s.seq(), s.flags(), s.data(), false);
    }

    private void transmit(int seq, int flags, byte[] data, boolean controlSocket) {
        long tsVal = tsNowMs();
        int window;
        spec.reset().ports(localPort, remotePort).seq(seq & 0xffff_ffffL).flags(flags);
        if ((flags & Tcp.SYN) != 0) {
            window = initialRcvWnd;
            spec.window(window).mss(advMss);
            if ((flags & Tcp.ACK) == 0) {
                // tcp_connect: everything offered.
                spec.sackPermitted(true).timestamps(tsVal, 0).windowScale(RCV_WSCALE);
            } else {
                // tcp_make_synack: echo what the SYN offered.
                spec.ack(rcvNxt & 0xffff_ffffL).sackPermitted(sackOk);
                if (tsOk) {
                    spec.timestamps(tsVal, tsRecent & 0xffff_ffffL);
                }
                if (rcvWscale > 0) {
                    spec.windowScale(rcvWscale);
                }
            }
        } else {
            window = controlSocket ? Math.min(rcvWnd >> rcvWscale, 0xffff) : selectWindow();
            spec.ack(rcvNxt & 0xffff_ffffL).window(window);
            if (tsOk) {
                spec.timestamps(tsVal, tsRecent & 0xffff_ffffL);
            }
        }
        // SYN-ACK (ip_build_and_send_pkt) and control-socket replies: DF with ID 0; the socket's
        // counter otherwise (ip_select_ident_segs).
        boolean idZero = controlSocket || (flags & (Tcp.SYN | Tcp.ACK)) == (Tcp.SYN | Tcp.ACK);
        ipSpec.reset().addresses(localAddr, remoteAddr).df(true).ttl(ns.sysctl().defaultTtl)
                .id(idZero ? 0 : ipId.nextTcp(1));
        ByteBuf payload = data == null || data.length == 0 ? null : Unpooled.wrappedBuffer(data);
        Frames frames = ns.network().frames();
        ByteBuf frame = frames.tcp(ipSpec, spec, payload);
        if ((flags & Tcp.ACK) != 0 && !controlSocket) {
            // tcp_event_ack_sent: the pending ACK went with this segment.
            ackPending = false;
            delackTimer.cancel();
            if (quick > 0) {
                quick--;
            }
        }
        int len = data == null ? 0 : data.length;
        if (tracing()) {
            trace(Verdict.TRANSMIT, describe(localAddr, localPort, remoteAddr, remotePort, flags, seq, rcvNxt, window, len)
                    + ((flags & Tcp.SYN) != 0 ? ", options [mss " + advMss + "]" : ""));
        }
        // A socket's segment: CHECKSUM_PARTIAL (Packet#csumUnnecessary).
        Packet p = new Packet(frame, LinkType.ETHERNET).id(ns.network().nextPacketId()).timestampNs(sim.now())
                .csumUnnecessary(true);
        ns.stack().send(p);
    }

    /**
     * __tcp_select_window with window scaling: the free space bounded by rcv_ssthresh, aligned up
     * to the scale unit; never less than what was already offered (no shrinking), then scaled.
     */
    private int selectWindow() {
        int newWin = windowToAdvertise();
        int cur = receiveWindow();
        if (newWin < cur) {
            newWin = align(cur, 1 << rcvWscale);
        }
        rcvWnd = newWin;
        rcvWup = rcvNxt;
        return Math.min(newWin >> rcvWscale, 0xffff);
    }

    private int windowToAdvertise() {
        int free = Math.min(FULL_SPACE, rcvSsthresh);
        return rcvWscale > 0 ? align(free, 1 << rcvWscale) : Math.min(free, 0xffff);
    }

    /** tcp_receive_window: what is left of the window last advertised. */
    private int receiveWindow() {
        int w = rcvWup + rcvWnd - rcvNxt;
        return Math.max(w, 0);
    }

    /** tcp_current_mss: the peer's MSS bounded by our path, less the timestamp option. */
    private int mssNow() {
        int pmtuMss = ns.stack().routeMtu(remoteAddr) - Ipv4.MIN_HEADER_LENGTH - Tcp.MIN_HEADER_LENGTH;
        int m = Math.min(peerMss, pmtuMss > 0 ? pmtuMss : peerMss);
        return m - (tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0);
    }

    private void replyReset(Packet offending, int ipOffset, String why) {
        ByteBuf rst = ns.network().frames().tcpResetFor(offending.buf(), ipOffset, 0, 0);
        if (rst == null) {
            return;
        }
        trace(Verdict.TRANSMIT, "RST: " + why);
        ns.stack().send(new Packet(rst, LinkType.ETHERNET).id(ns.network().nextPacketId()).timestampNs(sim.now())
                .csumUnnecessary(true));
    }

    // =============================================================================================
    // Timers

    /** tcp_retransmit_timer (and the request socket's SYN-ACK timer). */
    private void retransmitTimer() {
        Segment head = unacked.peekFirst();
        if (head == null || done) {
            return;
        }
        if (state == State.SYN_RECV) {
            // reqsk_timer_handler: tcp_synack_retries, then the request is dropped silently.
            if (retransmits >= TCP_SYNACK_RETRIES) {
                trace(Verdict.PASS, "SYN-ACK unanswered after " + retransmits + " retransmissions: request dropped");
                finish();
                return;
            }
        } else if (writeTimeout()) {
            return;
        }
        trace(Verdict.PASS, "retransmission timeout (rto " + SocketErrors.formatDuration(rto) + ")");
        if (state != State.SYN_SENT) {
            // tcp_enter_loss.
            cwnd = 1;
        }
        send(head);
        retransmits++;
        totalRetrans++;
        rto = Math.min(rto << 1, TCP_RTO_MAX);
        rtxTimer.schedule(rto);
    }

    /**
     * tcp_write_timeout: give up when the time since the first transmission of the head segment
     * reaches what {@code tcp_model_timeout} allows for the retry limit.
     */
    private boolean writeTimeout() {
        if (retransmits == 0) {
            return false;
        }
        boolean syn = state == State.SYN_SENT || state == State.SYN_RECV;
        int retryUntil = syn ? TCP_SYN_RETRIES : userClosed ? TCP_ORPHAN_RETRIES : TCP_RETRIES2;
        long rtoBase = syn ? TCP_TIMEOUT_INIT : TCP_RTO_MIN;
        long start = unacked.peekFirst().sentNs();
        if (sim.now() - start < modelTimeout(retryUntil, rtoBase)) {
            return false;
        }
        fail(Outcome.Verdict.TIMED_OUT, SocketErrors.ETIMEDOUT, "no answer after " + retransmits
                + " retransmissions (" + (syn ? "tcp_syn_retries" : "tcp_retries2") + " " + retryUntil + ")");
        return true;
    }

    /** tcp_model_timeout: the time {@code boundary} doubling retransmissions take, capped at TCP_RTO_MAX each. */
    static long modelTimeout(int boundary, long rtoBase) {
        int linearBackoffThresh = 63 - Long.numberOfLeadingZeros(TCP_RTO_MAX / rtoBase);
        if (boundary <= linearBackoffThresh) {
            return ((2L << boundary) - 1) * rtoBase;
        }
        return ((2L << linearBackoffThresh) - 1) * rtoBase + (boundary - linearBackoffThresh) * TCP_RTO_MAX;
    }

    private void stateTimer() {
        if (state == State.TIME_WAIT) {
            trace(Verdict.PASS, "TIME_WAIT over");
        } else if (state == State.FIN_WAIT2) {
            trace(Verdict.PASS, "tcp_fin_timeout in FIN_WAIT2: socket gone");
        }
        finish();
    }

    private void enterTimeWait() {
        setState(State.TIME_WAIT);
        rtxTimer.cancel();
        delackTimer.cancel();
        stateTimer.schedule(TCP_TIMEWAIT_LEN);
    }

    // =============================================================================================
    // Errors and the end

    /** tcp_v4_err. */
    @Override
    public void icmpError(NetNamespace netns, int type, int code, int info, int reporter) {
        String err;
        if (type == Icmp4.DEST_UNREACH) {
            if (code > SocketErrors.NR_ICMP_UNREACH || code == Icmp4.FRAG_NEEDED) {
                // PMTU discovery: the segments podlab's apps send fit any MTU they learn.
                trace(Verdict.PASS, "ICMP " + SocketErrors.icmpName(type, code) + " from "
                        + Ipv4Address.toString(reporter) + ": ignored");
                return;
            }
            err = SocketErrors.unreachErrno(code);
        } else if (type == Icmp4.TIME_EXCEEDED) {
            err = SocketErrors.EHOSTUNREACH;
        } else if (type == Icmp4.PARAMETERPROB) {
            err = SocketErrors.EPROTO;
        } else {
            return;
        }
        String what = "ICMP " + SocketErrors.icmpName(type, code) + " from " + Ipv4Address.toString(reporter);
        switch (state) {
            case SYN_SENT -> {
                // A hard error while connecting, whatever the code: sk_err set, tcp_done.
                Outcome.Verdict v = type == Icmp4.DEST_UNREACH ? SocketErrors.unreachVerdict(code)
                        : Outcome.Verdict.UNREACHABLE;
                fail(v, err, what);
            }
            case SYN_RECV -> {
                // tcp_req_err: net/host unreachable, time exceeded and parameter problems drop the request.
                boolean abort = type == Icmp4.PARAMETERPROB || type == Icmp4.TIME_EXCEEDED
                        || code == Icmp4.NET_UNREACH || code == Icmp4.HOST_UNREACH;
                trace(Verdict.PASS, what + (abort ? ": request dropped" : ": ignored"));
                if (abort) {
                    finish();
                }
            }
            default -> trace(Verdict.PASS, what + ": soft error " + err + " (reported only on timeout)");
        }
    }

    /** tcp_reset: ECONNREFUSED in SYN_SENT, EPIPE in CLOSE_WAIT, ECONNRESET otherwise; the socket is done. */
    private void reset() {
        String errno = state == State.CLOSE_WAIT ? SocketErrors.EPIPE : SocketErrors.ECONNRESET;
        boolean quiet = userClosed;
        trace(Verdict.PASS, "RST: connection reset in " + state);
        if (quiet) {
            finish();
        } else {
            fail(Outcome.Verdict.REFUSED, errno, "RST from " + Ipv4Address.toString(remoteAddr) + ":" + remotePort);
        }
    }

    private void fail(Outcome.Verdict verdict, String errno, String detail) {
        trace(Verdict.CONSUME, SocketErrors.strerror(errno) + " (" + errno + "): " + detail);
        finish();
        listener.failed(this, verdict, errno, detail);
    }

    /** tcp_done: the socket leaves the tables and its timers stop. */
    private void finish() {
        if (done) {
            return;
        }
        done = true;
        setState(State.CLOSED);
        rtxTimer.cancel();
        delackTimer.cancel();
        stateTimer.cancel();
        unacked.clear();
        ns.sockets().disconnect(IpProtocol.TCP, localPort, remoteAddr, remotePort);
    }

    private void deliverNotifications() {
        if (notifyConnected) {
            notifyConnected = false;
            listener.connected(this);
        }
        if (notifyData != null) {
            byte[] d = notifyData;
            notifyData = null;
            listener.data(this, d);
        }
        if (notifyEof) {
            notifyEof = false;
            listener.endOfStream(this);
        }
    }

    // =============================================================================================
    // helpers

    private void setState(State s) {
        if (s != state) {
            State old = state;
            state = s;
            if (tracing()) {
                trace(Verdict.PASS, old + " -> " + s);
            }
        }
    }

    private long tsNowMs() {
        return (sim.now() / MS + tsOffsetMs) & 0xffff_ffffL;
    }

    private boolean tracing() {
        return ns.network().tracer().enabled();
    }

    private void trace(Verdict verdict, String detail) {
        if (tracing()) {
            ns.trace(null, Step.of("tcp"), verdict, null, name + " " + detail);
        }
    }

    /** A tcpdump-like line: {@code 10.0.0.2.40000 > 10.0.0.3.80: Flags [S.], seq 1, ack 2, win 64240, length 0}. */
    static String describe(int src, int sport, int dst, int dport, int flags, int seq, int ack, int win, int len) {
        StringBuilder sb = new StringBuilder(96);
        Ipv4Address.appendTo(sb, src).append('.').append(sport).append(" > ");
        Ipv4Address.appendTo(sb, dst).append('.').append(dport).append(": Flags [");
        if ((flags & Tcp.SYN) != 0) {
            sb.append('S');
        }
        if ((flags & Tcp.FIN) != 0) {
            sb.append('F');
        }
        if ((flags & Tcp.RST) != 0) {
            sb.append('R');
        }
        if ((flags & Tcp.PSH) != 0) {
            sb.append('P');
        }
        if ((flags & Tcp.ACK) != 0) {
            sb.append('.');
        }
        sb.append("], seq ").append(u32(seq));
        if ((flags & Tcp.ACK) != 0) {
            sb.append(", ack ").append(u32(ack));
        }
        return sb.append(", win ").append(win).append(", length ").append(len).toString();
    }

    static boolean before(int a, int b) {
        return a - b < 0;
    }

    static boolean after(int a, int b) {
        return b - a < 0;
    }

    private static long u32(int v) {
        return v & 0xffff_ffffL;
    }

    private static int align(int v, int unit) {
        return (v + unit - 1) & -unit;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Override
    public String toString() {
        return name + " " + Ipv4Address.toString(localAddr) + ":" + localPort + " > "
                + Ipv4Address.toString(remoteAddr) + ":" + remotePort + " " + state;
    }
}
