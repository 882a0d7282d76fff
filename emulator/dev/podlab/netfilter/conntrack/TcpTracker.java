package dev.podlab.netfilter.conntrack;

import dev.podlab.net.Hook;

import static dev.podlab.netfilter.conntrack.Conntrack.NF_ACCEPT;
import static dev.podlab.netfilter.conntrack.Conntrack.NF_INVALID;
import static dev.podlab.netfilter.conntrack.Conntrack.NF_REPEAT;

import dev.podlab.packet.Tcp;
import io.netty.buffer.ByteBuf;

/**
 * The TCP tracker, mirroring net/netfilter/nf_conntrack_proto_tcp.c (Linux 6.x):
 * {@code tcp_error}, {@code tcp_new}, {@code nf_conntrack_tcp_packet} with the state table
 * {@code tcp_conntracks[dir][flag][state]}, and window tracking {@code tcp_in_window}.
 *
 * <p>Not modelled: the "overshot" work-around for senders exceeding the receive window,
 * {@code nf_tcp_handle_invalid} (shortening the timeout after out-of-window FIN/RST), NAT
 * sequence adjustment (no helpers), SYN proxy.
 */
final class TcpTracker {
    // enum tcp_conntrack (include/uapi/linux/netfilter/nf_conntrack_tcp.h)
    static final int NONE = 0;
    static final int SYN_SENT = 1;
    static final int SYN_RECV = 2;
    static final int ESTABLISHED = 3;
    static final int FIN_WAIT = 4;
    static final int CLOSE_WAIT = 5;
    static final int LAST_ACK = 6;
    static final int TIME_WAIT = 7;
    static final int CLOSE = 8;
    /** TCP_CONNTRACK_SYN_SENT2 (alias of the obsolete LISTEN): simultaneous open. */
    static final int SYN_SENT2 = 9;
    /** TCP_CONNTRACK_MAX, written sIV in the table: invalid. */
    static final int MAX = 10;
    /** sIG: ignore, accept without state change. */
    static final int IGNORE = 11;
    /** Timeout slot after too many retransmissions. */
    static final int RETRANS = 12;
    /** Timeout slot while data is unacknowledged. */
    static final int UNACK = 13;

    private static final String[] NAMES = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
        "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"};

    // enum tcp_bit_set
    static final int SYN_SET = 0;
    static final int SYNACK_SET = 1;
    static final int FIN_SET = 2;
    static final int ACK_SET = 3;
    static final int RST_SET = 4;
    static final int NONE_SET = 5;

    /** IP_CT_EXP_CHALLENGE_ACK (in last_flags): a SYN was let through in LAST_ACK. */
    static final int EXP_CHALLENGE_ACK = 0x40;
    /** IP_CT_TCP_SIMOPEN (in last_flags): simultaneous open seen. */
    static final int SIMOPEN = 0x80;

    /** MAXACKWINCONST */
    private static final int MAX_ACK_WIN_CONST = 66000;

    private static final int sNO = NONE;
    private static final int sSS = SYN_SENT;
    private static final int sSR = SYN_RECV;
    private static final int sES = ESTABLISHED;
    private static final int sFW = FIN_WAIT;
    private static final int sCW = CLOSE_WAIT;
    private static final int sLA = LAST_ACK;
    private static final int sTW = TIME_WAIT;
    private static final int sCL = CLOSE;
    private static final int sS2 = SYN_SENT2;
    private static final int sIV = MAX;
    private static final int sIG = IGNORE;

    /** {@code tcp_conntracks[dir][index][old_state]}, copied row by row from the kernel table. */
    private static final int[][][] TABLE = {
        { // ORIGINAL
            //  sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2
            {sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2}, // syn
            {sIV, sIV, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR}, // synack
            {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV}, // fin
            {sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV}, // ack
            {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL}, // rst
            {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV}, // none
        },
        { // REPLY
            {sIV, sS2, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sS2}, // syn
            {sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR}, // synack
            {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV}, // fin
            {sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG}, // ack
            {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL}, // rst
            {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV}, // none
        },
    };

    /**
     * {@code tcp_valid_flags}: the combinations of FIN, SYN, RST, ACK, URG a tracked packet may
     * carry (PSH, ECE, CWR are masked off first).
     */
    private static final boolean[] VALID_FLAGS = new boolean[0x40];

    static {
        int[] valid = {Tcp.SYN, Tcp.SYN | Tcp.URG, Tcp.SYN | Tcp.ACK, Tcp.RST, Tcp.RST | Tcp.ACK,
            Tcp.FIN | Tcp.ACK, Tcp.FIN | Tcp.ACK | Tcp.URG, Tcp.ACK, Tcp.ACK | Tcp.URG};
        for (int f : valid) {
            VALID_FLAGS[f] = true;
        }
    }

    private final Conntrack conntrack;
    private final long[] timeouts = new long[UNACK + 1];
    private final boolean loose;
    private final boolean beLiberal;
    private final int maxRetrans;
    private final Tcp tcp = new Tcp();
    private final Tcp.Options options = new Tcp.Options();

    TcpTracker(Conntrack conntrack, ConntrackSysctls s) {
        this.conntrack = conntrack;
        timeouts[SYN_SENT] = sec(s.tcpTimeoutSynSent);
        timeouts[SYN_RECV] = sec(s.tcpTimeoutSynRecv);
        timeouts[ESTABLISHED] = sec(s.tcpTimeoutEstablished);
        timeouts[FIN_WAIT] = sec(s.tcpTimeoutFinWait);
        timeouts[CLOSE_WAIT] = sec(s.tcpTimeoutCloseWait);
        timeouts[LAST_ACK] = sec(s.tcpTimeoutLastAck);
        timeouts[TIME_WAIT] = sec(s.tcpTimeoutTimeWait);
        timeouts[CLOSE] = sec(s.tcpTimeoutClose);
        timeouts[SYN_SENT2] = sec(s.tcpTimeoutSynSent);
        timeouts[RETRANS] = sec(s.tcpTimeoutMaxRetrans);
        timeouts[UNACK] = sec(s.tcpTimeoutUnacknowledged);
        this.loose = s.tcpLoose;
        this.beLiberal = s.tcpBeLiberal;
        this.maxRetrans = s.tcpMaxRetrans;
    }

    private static long sec(int seconds) {
        return seconds * 1_000_000_000L;
    }

    static String stateName(int state) {
        return state >= 0 && state < NAMES.length ? NAMES[state] : "NONE";
    }

    /** {@code before(seq1, seq2)} of include/net/tcp.h: seq1 precedes seq2 modulo 2^32. */
    static boolean before(int seq1, int seq2) {
        return seq1 - seq2 < 0;
    }

    static boolean after(int seq2, int seq1) {
        return before(seq1, seq2);
    }

    /** {@code get_conntrack_index}: RST &gt; SYN(+ACK) &gt; FIN &gt; ACK &gt; none. */
    static int conntrackIndex(int flags) {
        if ((flags & Tcp.RST) != 0) {
            return RST_SET;
        } else if ((flags & Tcp.SYN) != 0) {
            return (flags & Tcp.ACK) != 0 ? SYNACK_SET : SYN_SET;
        } else if ((flags & Tcp.FIN) != 0) {
            return FIN_SET;
        } else if ((flags & Tcp.ACK) != 0) {
            return ACK_SET;
        }
        return NONE_SET;
    }

    /** {@code tcp_can_early_drop}: closing states, also evicted by the gc under pressure. */
    static boolean canEarlyDrop(ConntrackEntry ct) {
        return switch (ct.protoState) {
            case FIN_WAIT, LAST_ACK, TIME_WAIT, CLOSE, CLOSE_WAIT -> true;
            default -> false;
        };
    }

    /** {@code segment_seq_plus_len}: seq + payload + SYN + FIN. */
    private static int segmentEnd(int seq, int payload, int flags) {
        return seq + payload + ((flags & Tcp.SYN) != 0 ? 1 : 0) + ((flags & Tcp.FIN) != 0 ? 1 : 0);
    }

    /**
     * {@code nf_conntrack_tcp_packet}.
     *
     * @param l4Len bytes from the TCP header to the end of the IP datagram
     * @return {@link Conntrack#NF_ACCEPT}, {@link Conntrack#NF_INVALID} or {@link Conntrack#NF_REPEAT}
     */
    int packet(ConntrackEntry ct, ByteBuf buf, int ipOffset, int l4Off, int l4Len, int ipLen, int ctinfo,
               Hook hook, long nowNs) {
        if (l4Len < Tcp.MIN_HEADER_LENGTH) {
            return NF_INVALID; // skb_header_pointer failed: "short packet"
        }
        Tcp th = tcp.wrap(buf, l4Off);
        if (error(th, buf, ipOffset, l4Len, hook)) {
            return NF_INVALID;
        }
        int flags = buf.getUnsignedByte(l4Off + Tcp.FLAGS_OFFSET);
        int payload = l4Len - th.headerLength();
        int seq = (int) th.seq();
        int end = segmentEnd(seq, payload, flags);
        if (!ct.isConfirmed() && !tcpNew(ct, th, flags, end, l4Len)) {
            return NF_INVALID;
        }
        int oldState = ct.protoState;
        int dir = ctinfo >= PacketConntrack.IP_CT_IS_REPLY ? 1 : 0;
        int index = conntrackIndex(flags);
        int newState = TABLE[dir][index][oldState];
        int ackSeq = (int) th.ack();
        TcpSeen[] seen = ct.seen;
        boolean skipWindow = false;

        switch (newState) {
            case SYN_SENT:
                if (oldState < TIME_WAIT) {
                    break;
                }
                // RFC 1122 re-open from TIME_WAIT / CLOSE: if either side sent a FIN, or our last
                // packet in this direction was a RST, kill the old entry and look up again.
                if (((seen[dir].flags | seen[1 - dir].flags) & TcpSeen.FLAG_CLOSE_INIT) != 0
                        || (ct.lastDir == dir && ct.lastIndex == RST_SET)) {
                    conntrack.kill(ct);
                    return NF_REPEAT;
                }
                return ignore(ct, th, flags, dir, index, oldState, seq, end, l4Len, ctinfo, ipLen, nowNs);
            case IGNORE:
                if (index == SYNACK_SET && ct.lastIndex == SYN_SET && ct.lastDir != dir && ackSeq == ct.lastEnd) {
                    // b) This SYN/ACK acknowledges a SYN that we earlier ignored: client and server
                    // are in sync, we are not. Get in sync from the annotated values.
                    oldState = SYN_SENT;
                    newState = SYN_RECV;
                    TcpSeen s = seen[ct.lastDir];
                    s.end = ct.lastEnd;
                    s.maxEnd = ct.lastEnd;
                    s.maxWin = ct.lastWin == 0 ? 1 : ct.lastWin;
                    s.scale = ct.lastWscale;
                    s.flags = ct.lastFlags & ~(EXP_CHALLENGE_ACK | SIMOPEN);
                    seen[dir].clear();
                    break;
                }
                return ignore(ct, th, flags, dir, index, oldState, seq, end, l4Len, ctinfo, ipLen, nowNs);
            case MAX:
                return NF_INVALID; // "invalid state"
            case TIME_WAIT:
                // RFC 5961 challenge ACK answering a SYN we let through in LAST_ACK: it does not
                // acknowledge the last FIN.
                if (oldState == LAST_ACK && index == ACK_SET && ct.lastDir != dir && ct.lastIndex == SYN_SET
                        && (ct.lastFlags & EXP_CHALLENGE_ACK) != 0) {
                    ct.lastFlags &= ~EXP_CHALLENGE_ACK;
                    return NF_ACCEPT; // "challenge-ack ignored"
                }
                break;
            case SYN_SENT2:
                ct.lastFlags |= SIMOPEN;
                break;
            case SYN_RECV:
                if (dir == 1 && index == ACK_SET && (ct.lastFlags & SIMOPEN) != 0) {
                    newState = ESTABLISHED;
                }
                break;
            case CLOSE:
                if (index != RST_SET) {
                    break;
                }
                if (canEarlyDrop(ct)) {
                    skipWindow = true; // closing: window data may be stale
                    break;
                }
                TcpSeen peer = seen[1 - dir];
                if ((peer.flags & TcpSeen.FLAG_MAXACK_SET) != 0 && ct.lastIndex != SYN_SET) {
                    boolean established = ct.protoState == ESTABLISHED && ct.isAssured();
                    if (seq == 0 && !established) {
                        break; // answer to a SYN we let through
                    }
                    if (before(seq, peer.maxAck)) {
                        return NF_INVALID; // "invalid rst"
                    }
                    if (!established || seq == peer.maxAck) {
                        break;
                    }
                    if (ct.lastIndex == ACK_SET && ct.lastDir == dir && seq == ct.lastEnd) {
                        break; // RST at the end of a data train
                    }
                    // Sequence not exact: keep the state to allow a challenge ACK.
                    newState = oldState;
                }
                if (((ct.seenReply() && ct.lastIndex == SYN_SET)
                        || (!ct.isAssured() && ct.lastIndex == ACK_SET))
                        && ackSeq == ct.lastEnd) {
                    // RST answering a SYN or ACK we let through at a) or c): skip window checks.
                    skipWindow = true;
                }
                break;
            default:
                break;
        }

        if (!skipWindow) {
            int res = inWindow(ct, dir, index, th, flags, seq, end, l4Len);
            if (res == WINDOW_IGNORE) {
                return NF_ACCEPT;
            } else if (res == WINDOW_INVALID) {
                return NF_INVALID;
            }
        }

        // in_window: from now on the packet is in window.
        ct.lastIndex = index;
        ct.lastDir = dir;
        ct.protoState = newState;
        if (oldState != newState && newState == FIN_WAIT) {
            seen[dir].flags |= TcpSeen.FLAG_CLOSE_INIT;
        }

        long timeout;
        if (ct.retrans >= maxRetrans && timeouts[newState] > timeouts[RETRANS]) {
            timeout = timeouts[RETRANS];
        } else if (index == RST_SET) {
            timeout = timeouts[CLOSE];
        } else if (((seen[0].flags | seen[1].flags) & TcpSeen.FLAG_DATA_UNACKNOWLEDGED) != 0
                && timeouts[newState] > timeouts[UNACK]) {
            timeout = timeouts[UNACK];
        } else if (ct.lastWin == 0 && timeouts[newState] > timeouts[RETRANS]) {
            timeout = timeouts[RETRANS];
        } else {
            timeout = timeouts[newState];
        }

        if (!ct.seenReply()) {
            // If the only reply is a RST, there never was a connection: delete the entry now.
            if ((flags & Tcp.RST) != 0) {
                conntrack.acct(ct, ctinfo, ipLen);
                conntrack.kill(ct);
                return NF_ACCEPT;
            }
            if (index == SYN_SET && oldState == SYN_SENT) {
                // Do not renew the timeout on a SYN retransmission, so that port reuse cannot keep
                // the entry (and its NAT binding) alive forever.
                return NF_ACCEPT;
            }
            // ESTABLISHED without a reply is a mid-stream pick-up: cap its timeout.
            if (newState == ESTABLISHED && timeout > timeouts[UNACK]) {
                timeout = timeouts[UNACK];
            }
        } else if (!ct.isAssured() && (oldState == SYN_RECV || oldState == ESTABLISHED)
                && newState == ESTABLISHED) {
            // A valid ACK in ESTABLISHED after SYN_RECV, or a valid answer to a picked-up
            // connection.
            ct.status |= ConntrackEntry.IPS_ASSURED;
        }
        conntrack.refreshAcct(ct, ctinfo, ipLen, nowNs, timeout);
        return NF_ACCEPT;
    }

    /** The sIG path: annotate the packet, accept it, change nothing else. */
    private int ignore(ConntrackEntry ct, Tcp th, int flags, int dir, int index, int oldState, int seq, int end,
                       int l4Len, int ctinfo, int ipLen, long nowNs) {
        ct.lastIndex = index;
        ct.lastDir = dir;
        ct.lastSeq = seq;
        ct.lastEnd = end;
        ct.lastWin = th.window();
        if (index == SYN_SET && dir == 0) {
            // a) A SYN in ORIGINAL: remember its options in case the server answers it.
            ct.lastFlags = 0;
            ct.lastWscale = 0;
            TcpSeen scratch = scratchSeen;
            scratch.clear();
            parseOptions(th, l4Len, scratch);
            if ((scratch.flags & TcpSeen.FLAG_WINDOW_SCALE) != 0) {
                ct.lastFlags |= TcpSeen.FLAG_WINDOW_SCALE;
                ct.lastWscale = scratch.scale;
            }
            if ((scratch.flags & TcpSeen.FLAG_SACK_PERM) != 0) {
                ct.lastFlags |= TcpSeen.FLAG_SACK_PERM;
            }
            if (oldState == LAST_ACK) {
                ct.lastFlags |= EXP_CHALLENGE_ACK;
            }
        }
        return NF_ACCEPT; // "invalid packet ignored in state ..."
    }

    private final TcpSeen scratchSeen = new TcpSeen();

    /**
     * {@code tcp_error}: header not whole, bad checksum (at PREROUTING, with
     * {@code nf_conntrack_checksum}), or a flag combination outside {@code tcp_valid_flags}.
     */
    private boolean error(Tcp th, ByteBuf buf, int ipOffset, int l4Len, Hook hook) {
        int hl = th.headerLength();
        if (hl < Tcp.MIN_HEADER_LENGTH || l4Len < hl) {
            return true; // "truncated packet"
        }
        if (conntrack.checksum && hook == Hook.PREROUTING && !conntrack.csumUnnecessary) {
            if (!th.verifyChecksum(conntrack.ip.src(), conntrack.ip.dst(), l4Len)) {
                return true; // "bad checksum"
            }
            conntrack.csumUnnecessary = true; // __skb_checksum_complete: csum_valid
        }
        int f = buf.getUnsignedByte(th.offset() + Tcp.FLAGS_OFFSET) & ~(Tcp.ECE | Tcp.CWR | Tcp.PSH);
        return !VALID_FLAGS[f];
    }

    /** {@code tcp_new}: may this packet create an entry, and with what window data. */
    private boolean tcpNew(ConntrackEntry ct, Tcp th, int flags, int end, int l4Len) {
        int newState = TABLE[0][conntrackIndex(flags)][NONE];
        if (newState >= MAX) {
            return false; // "invalid new"
        }
        TcpSeen s0 = ct.seen[0];
        TcpSeen s1 = ct.seen[1];
        s0.clear();
        s1.clear();
        ct.protoState = NONE;
        ct.lastDir = 0;
        ct.lastSeq = 0;
        ct.lastAck = 0;
        ct.lastEnd = 0;
        ct.lastWin = 0;
        ct.lastWscale = 0;
        ct.lastFlags = 0;
        ct.retrans = 0;
        if (newState == SYN_SENT) {
            s0.end = end;
            s0.maxWin = th.window() == 0 ? 1 : th.window();
            s0.maxEnd = end;
            parseOptions(th, l4Len, s0);
        } else if (!loose) {
            return false; // don't pick up connections
        } else {
            // Mid-connection: history lost, use the packet's data; assume SACK and be liberal
            // (window scaling unknown).
            s0.end = end;
            s0.maxWin = th.window() == 0 ? 1 : th.window();
            s0.maxEnd = end + s0.maxWin;
            s0.flags = TcpSeen.FLAG_SACK_PERM | TcpSeen.FLAG_BE_LIBERAL;
            s1.flags = TcpSeen.FLAG_SACK_PERM | TcpSeen.FLAG_BE_LIBERAL;
        }
        ct.lastIndex = NONE_SET;
        return true;
    }

    /** {@code tcp_options}: window scale and SACK-permitted of a SYN or SYN/ACK. */
    private void parseOptions(Tcp th, int l4Len, TcpSeen state) {
        if (th.optionsLength() == 0) {
            return;
        }
        state.scale = 0;
        state.flags = 0;
        Tcp.Options o = options.wrap(th, l4Len);
        while (o.next()) {
            if (o.kind() == Tcp.OPT_SACK_PERM && o.length() == Tcp.OPTLEN_SACK_PERM) {
                state.flags |= TcpSeen.FLAG_SACK_PERM;
            } else if (o.kind() == Tcp.OPT_WINDOW && o.length() == Tcp.OPTLEN_WINDOW) {
                state.scale = Math.min(o.windowScale(), 14); // RFC 1323
                state.flags |= TcpSeen.FLAG_WINDOW_SCALE;
            }
        }
    }

    /** {@code tcp_sack}: the highest right edge of the SACK blocks, if beyond {@code ack}. */
    private int sack(Tcp th, int l4Len, int ack) {
        int sack = ack;
        Tcp.Options o = options.wrap(th, l4Len);
        while (o.next()) {
            if (o.kind() == Tcp.OPT_SACK && o.hasExpectedLength()) {
                for (int i = 0; i < o.sackBlocks(); i++) {
                    int right = (int) o.sackRight(i);
                    if (after(right, sack)) {
                        sack = right;
                    }
                }
                break;
            }
        }
        return sack;
    }

    /** {@code tcp_init_sender}: (re)initialise a direction from its SYN or SYN/ACK. */
    private void initSender(TcpSeen sender, TcpSeen receiver, Tcp th, int l4Len, int end, int win, int dir,
                            boolean always) {
        sender.end = end;
        sender.maxEnd = end;
        sender.maxWin = win == 0 ? 1 : win;
        parseOptions(th, l4Len, sender);
        // RFC 1323: both sides must send the window scale option to enable it in either direction.
        if ((always || dir == 1) && !((sender.flags & TcpSeen.FLAG_WINDOW_SCALE) != 0
                && (receiver.flags & TcpSeen.FLAG_WINDOW_SCALE) != 0)) {
            sender.scale = 0;
            receiver.scale = 0;
        }
    }

    private static final int WINDOW_IGNORE = 0;
    private static final int WINDOW_INVALID = 1;
    private static final int WINDOW_ACCEPT = 2;

    private static int maxAckWindow(TcpSeen sender) {
        return Integer.compareUnsigned(sender.maxWin, MAX_ACK_WIN_CONST) > 0 ? sender.maxWin : MAX_ACK_WIN_CONST;
    }

    /** {@code nf_tcp_log_invalid}: out-of-window verdicts turn into ACCEPT when liberal. */
    private int windowVerdict(TcpSeen sender, int verdict) {
        return (sender.flags & TcpSeen.FLAG_BE_LIBERAL) != 0 || beLiberal ? WINDOW_ACCEPT : verdict;
    }

    /**
     * {@code tcp_in_window}: checks the segment against what each side has sent and allowed, and
     * updates the window data.
     *
     * <pre>
     *   I.   seq &lt;= sender.td_maxend                               (else INVALID)
     *   III. sack &lt;= receiver.td_end                              (else INVALID)
     *   II.  seq + len &gt;= sender.td_end - receiver.td_maxwin      (else IGNORE)
     *   IV.  sack &gt;= receiver.td_end - MAXACKWINDOW(sender)       (else IGNORE)
     * </pre>
     */
    private int inWindow(ConntrackEntry ct, int dir, int index, Tcp th, int flags, int seq, int end, int l4Len) {
        TcpSeen sender = ct.seen[dir];
        TcpSeen receiver = ct.seen[1 - dir];
        boolean syn = (flags & Tcp.SYN) != 0;
        boolean ackFlag = (flags & Tcp.ACK) != 0;
        boolean rst = (flags & Tcp.RST) != 0;
        int ack = (int) th.ack();
        int sack = ack;
        int winRaw = th.window();
        int win = winRaw;

        if ((receiver.flags & TcpSeen.FLAG_SACK_PERM) != 0) {
            sack = sack(th, l4Len, ack);
        }

        if (sender.maxWin == 0) {
            // Initialise sender data.
            if (syn) {
                // SYN/ACK in reply to a SYN, or a SYN from the reply direction (simultaneous open).
                initSender(sender, receiver, th, l4Len, end, win, dir, true);
                if (!ackFlag) {
                    return WINDOW_ACCEPT; // simultaneous open
                }
            } else {
                // Mid-connection: use the data from the packet.
                sender.end = end;
                int swin = win << sender.scale;
                sender.maxWin = swin == 0 ? 1 : swin;
                sender.maxEnd = end + sender.maxWin;
                if (receiver.maxWin == 0) {
                    // No traffic seen the other way yet: let III and IV pass until there is.
                    receiver.end = sack;
                    receiver.maxEnd = sack;
                } else if (sack == receiver.end + 1) {
                    receiver.end++; // likely a reply to a keepalive
                }
            }
        } else if (syn && after(end, sender.end)
                && (ct.protoState == SYN_SENT || ct.protoState == SYN_RECV)) {
            // RFC 793: a reinitialised TCP may reuse the connection with higher sequence numbers.
            initSender(sender, receiver, th, l4Len, end, win, dir, false);
            if (dir == 1 && !ackFlag) {
                return WINDOW_ACCEPT;
            }
        }

        if (!ackFlag) {
            // No ACK: pretend it was set and OK.
            ack = receiver.end;
            sack = receiver.end;
        } else if (rst && ack == 0) {
            // Broken stacks setting ACK with a zero ack value in RST segments.
            ack = receiver.end;
            sack = receiver.end;
        }

        if (rst && seq == 0 && ct.protoState == SYN_SENT) {
            // RST answering a SYN.
            seq = sender.end;
            end = sender.end;
        }

        if (!before(seq, sender.maxEnd + 1)) {
            return windowVerdict(sender, WINDOW_INVALID); // "SEQ is over upper bound"
        }
        if (!before(sack, receiver.end + 1)) {
            return windowVerdict(sender, WINDOW_INVALID); // "ACK is over upper bound"
        }
        boolean inRecvWin = receiver.maxWin == 0 || after(end, sender.end - receiver.maxWin - 1);
        if (!inRecvWin) {
            return windowVerdict(sender, WINDOW_IGNORE); // "SEQ is under lower bound"
        }
        if (!after(sack, receiver.end - maxAckWindow(sender) - 1)) {
            return windowVerdict(sender, WINDOW_IGNORE); // "ignored ACK under lower bound"
        }

        // Window scaling (RFC 1323) does not apply to SYN segments.
        if (!syn) {
            win <<= sender.scale;
        }

        // Update sender data.
        int swin = win + (sack - ack);
        if (Integer.compareUnsigned(sender.maxWin, swin) < 0) {
            sender.maxWin = swin;
        }
        if (after(end, sender.end)) {
            sender.end = end;
            sender.flags |= TcpSeen.FLAG_DATA_UNACKNOWLEDGED;
        }
        if (ackFlag) {
            if ((sender.flags & TcpSeen.FLAG_MAXACK_SET) == 0) {
                sender.maxAck = ack;
                sender.flags |= TcpSeen.FLAG_MAXACK_SET;
            } else if (after(ack, sender.maxAck)) {
                sender.maxAck = ack;
            }
        }

        // Update receiver data.
        if (receiver.maxWin != 0 && after(end, sender.maxEnd)) {
            receiver.maxWin += end - sender.maxEnd;
        }
        if (after(sack + win, receiver.maxEnd - 1)) {
            receiver.maxEnd = sack + win;
            if (win == 0) {
                receiver.maxEnd++;
            }
        }
        if (ack == receiver.end) {
            receiver.flags &= ~TcpSeen.FLAG_DATA_UNACKNOWLEDGED;
        }

        // Check retransmissions.
        if (index == ACK_SET) {
            if (ct.lastDir == dir && ct.lastSeq == seq && ct.lastAck == ack && ct.lastEnd == end
                    && ct.lastWin == winRaw) {
                ct.retrans++;
            } else {
                ct.lastDir = dir;
                ct.lastSeq = seq;
                ct.lastAck = ack;
                ct.lastEnd = end;
                ct.lastWin = winRaw;
                ct.retrans = 0;
            }
        }
        return WINDOW_ACCEPT;
    }
}
