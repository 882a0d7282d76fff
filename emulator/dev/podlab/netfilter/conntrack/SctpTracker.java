package dev.podlab.netfilter.conntrack;

import dev.podlab.net.Hook;

import static dev.podlab.netfilter.conntrack.Conntrack.NF_ACCEPT;
import static dev.podlab.netfilter.conntrack.Conntrack.NF_INVALID;

import dev.podlab.packet.Sctp;
import dev.podlab.packet.SctpChunk;
import dev.podlab.packet.SctpInit;
import io.netty.buffer.ByteBuf;
import java.util.zip.CRC32C;

/**
 * The SCTP tracker, mirroring net/netfilter/nf_conntrack_proto_sctp.c (Linux 6.x): a state per
 * association driven by chunk type and direction ({@code sctp_conntracks[dir][chunk][state]}),
 * verification tag checks (RFC 9260 section 8.5), timeouts per state.
 *
 * <p>As in current kernels an INIT moves NONE to CLOSED (10 s); the INIT ACK in the reply
 * direction moves it to COOKIE_WAIT, COOKIE ECHO to COOKIE_ECHOED, COOKIE ACK to ESTABLISHED
 * (ASSURED).
 */
final class SctpTracker {
    // enum sctp_conntrack
    static final int NONE = 0;
    static final int CLOSED = 1;
    static final int COOKIE_WAIT = 2;
    static final int COOKIE_ECHOED = 3;
    static final int ESTABLISHED = 4;
    static final int SHUTDOWN_SENT = 5;
    static final int SHUTDOWN_RECD = 6;
    static final int SHUTDOWN_ACK_SENT = 7;
    static final int HEARTBEAT_SENT = 8;
    static final int MAX = 9;

    private static final String[] NAMES = {"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
        "SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT"};

    /** SCTP_FLAG_HEARTBEAT_VTAG_FAILED */
    private static final int HEARTBEAT_VTAG_FAILED = 1;

    private static final int sNO = NONE;
    private static final int sCL = CLOSED;
    private static final int sCW = COOKIE_WAIT;
    private static final int sCE = COOKIE_ECHOED;
    private static final int sES = ESTABLISHED;
    private static final int sSS = SHUTDOWN_SENT;
    private static final int sSR = SHUTDOWN_RECD;
    private static final int sSA = SHUTDOWN_ACK_SENT;
    private static final int sHS = HEARTBEAT_SENT;
    private static final int sIV = MAX;

    /** {@code sctp_conntracks[dir][i][state]}, rows in {@code sctp_new_state}'s chunk order. */
    private static final int[][][] TABLE = {
        { // ORIGINAL
            //  sNO  sCL  sCW  sCE  sES  sSS  sSR  sSA  sHS
            {sCL, sCL, sCW, sCE, sES, sCL, sCL, sSA, sCW}, // init
            {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL}, // init_ack
            {sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL}, // abort
            {sCL, sCL, sCW, sCE, sSS, sSS, sSR, sSA, sCL}, // shutdown
            {sSA, sCL, sCW, sCE, sES, sSA, sSA, sSA, sSA}, // shutdown_ack
            {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL}, // error
            {sCL, sCL, sCE, sCE, sES, sSS, sSR, sSA, sCL}, // cookie_echo
            {sCL, sCL, sCW, sES, sES, sSS, sSR, sSA, sCL}, // cookie_ack
            {sCL, sCL, sCW, sCE, sES, sSS, sSR, sCL, sCL}, // shutdown_comp
            {sHS, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS}, // heartbeat
            {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS}, // heartbeat_ack
        },
        { // REPLY
            {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sIV}, // init
            {sIV, sCW, sCW, sCE, sES, sSS, sSR, sSA, sIV}, // init_ack
            {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sIV}, // abort
            {sIV, sCL, sCW, sCE, sSR, sSS, sSR, sSA, sIV}, // shutdown
            {sIV, sCL, sCW, sCE, sES, sSA, sSA, sSA, sIV}, // shutdown_ack
            {sIV, sCL, sCW, sCL, sES, sSS, sSR, sSA, sIV}, // error
            {sIV, sCL, sCE, sCE, sES, sSS, sSR, sSA, sIV}, // cookie_echo
            {sIV, sCL, sCW, sES, sES, sSS, sSR, sSA, sIV}, // cookie_ack
            {sIV, sCL, sCW, sCE, sES, sSS, sSR, sCL, sIV}, // shutdown_comp
            {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS}, // heartbeat
            {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sES}, // heartbeat_ack
        },
    };

    private final Conntrack conntrack;
    private final long[] timeouts = new long[MAX];
    private final Sctp sctp = new Sctp();
    private final SctpChunk chunk = new SctpChunk();
    private final SctpInit init = new SctpInit();
    private final CRC32C crc = new CRC32C();
    /** Bitmap of the chunk types present in the packet ({@code map} of the kernel), 256 bits. */
    private final long[] map = new long[4];

    SctpTracker(Conntrack conntrack, ConntrackSysctls s) {
        this.conntrack = conntrack;
        timeouts[NONE] = sec(s.sctpTimeoutClosed);
        timeouts[CLOSED] = sec(s.sctpTimeoutClosed);
        timeouts[COOKIE_WAIT] = sec(s.sctpTimeoutCookieWait);
        timeouts[COOKIE_ECHOED] = sec(s.sctpTimeoutCookieEchoed);
        timeouts[ESTABLISHED] = sec(s.sctpTimeoutEstablished);
        timeouts[SHUTDOWN_SENT] = sec(s.sctpTimeoutShutdownSent);
        timeouts[SHUTDOWN_RECD] = sec(s.sctpTimeoutShutdownRecd);
        timeouts[SHUTDOWN_ACK_SENT] = sec(s.sctpTimeoutShutdownAckSent);
        timeouts[HEARTBEAT_SENT] = sec(s.sctpTimeoutHeartbeatSent);
    }

    private static long sec(int seconds) {
        return seconds * 1_000_000_000L;
    }

    static String stateName(int state) {
        return state >= 0 && state < NAMES.length ? NAMES[state] : "NONE";
    }

    /** {@code sctp_can_early_drop}. */
    static boolean canEarlyDrop(ConntrackEntry ct) {
        return ct.protoState == SHUTDOWN_SENT || ct.protoState == SHUTDOWN_RECD
                || ct.protoState == SHUTDOWN_ACK_SENT;
    }

    /** {@code sctp_new_state}: the table row of a chunk type, or -1 for chunks that change nothing. */
    private static int row(int chunkType) {
        return switch (chunkType) {
            case SctpChunk.INIT -> 0;
            case SctpChunk.INIT_ACK -> 1;
            case SctpChunk.ABORT -> 2;
            case SctpChunk.SHUTDOWN -> 3;
            case SctpChunk.SHUTDOWN_ACK -> 4;
            case SctpChunk.ERROR -> 5;
            case SctpChunk.COOKIE_ECHO -> 6;
            case SctpChunk.COOKIE_ACK -> 7;
            case SctpChunk.SHUTDOWN_COMPLETE -> 8;
            case SctpChunk.HEARTBEAT -> 9;
            case SctpChunk.HEARTBEAT_ACK -> 10;
            default -> -1;
        };
    }

    private static int newState(int dir, int cur, int chunkType) {
        int i = row(chunkType);
        return i < 0 ? cur : TABLE[dir][i][cur];
    }

    private boolean has(int type) {
        return (map[type >>> 6] & (1L << (type & 63))) != 0;
    }

    /**
     * {@code do_basic_checks}: COOKIE ECHO / COOKIE ACK must come first, INIT / INIT ACK /
     * SHUTDOWN COMPLETE alone, no zero-length chunk, at least one chunk. Fills {@link #map}.
     */
    private boolean basicChecksFail(ByteBuf buf, int first, int end) {
        map[0] = map[1] = map[2] = map[3] = 0;
        boolean flag = false;
        int count = 0;
        for (int off = first; off < end && end - off >= SctpChunk.HEADER_LENGTH; count++) {
            SctpChunk c = chunk.wrap(buf, off);
            int type = c.type();
            if (type == SctpChunk.INIT || type == SctpChunk.INIT_ACK || type == SctpChunk.SHUTDOWN_COMPLETE) {
                flag = true;
            }
            if (((type == SctpChunk.COOKIE_ACK || type == SctpChunk.COOKIE_ECHO || flag) && count != 0)
                    || c.length() == 0) {
                return true;
            }
            map[type >>> 6] |= 1L << (type & 63);
            off += c.paddedLength();
        }
        return count == 0;
    }

    /** {@code sctp_new}: may this packet create an entry; note the verification tags. */
    private boolean sctpNew(ConntrackEntry ct, ByteBuf buf, int first, int end, int vtagOfPacket) {
        ct.vtag[0] = ct.vtag[1] = 0;
        ct.sctpInit[0] = ct.sctpInit[1] = false;
        ct.sctpFlags = 0;
        ct.sctpLastDir = 0;
        ct.protoState = NONE;
        int newState = MAX;
        for (int off = first; off < end && end - off >= SctpChunk.HEADER_LENGTH; ) {
            SctpChunk c = chunk.wrap(buf, off);
            int type = c.type();
            newState = newState(0, NONE, type);
            if (newState == NONE || newState == MAX) {
                return false; // "invalid new deleting"
            }
            if (type == SctpChunk.INIT) {
                if (vtagOfPacket != 0) {
                    return false; // section 8.5.1 (A)
                }
                if (end - off < SctpChunk.HEADER_LENGTH + 4) {
                    return false;
                }
                ct.vtag[ConntrackEntry.REPLY] = init.wrap(buf, off).initiateTag();
            } else if (type == SctpChunk.HEARTBEAT) {
                ct.vtag[ConntrackEntry.ORIGINAL] = vtagOfPacket;
            } else {
                // An out-of-the-blue packet: expect SHUTDOWN COMPLETE or ABORT back (8.4 (5), (8)).
                ct.vtag[ConntrackEntry.REPLY] = vtagOfPacket;
            }
            ct.protoState = NONE;
            off += c.paddedLength();
        }
        return true;
    }

    /** {@code nf_conntrack_sctp_packet}. */
    int packet(ConntrackEntry ct, ByteBuf buf, int l4Off, int end, int ipLen, int ctinfo, Hook hook, long nowNs) {
        int l4Len = end - l4Off;
        if (!Sctp.fits(l4Len)) {
            return NF_INVALID; // "short packet"
        }
        Sctp sh = sctp.wrap(buf, l4Off);
        if (conntrack.checksum && hook == Hook.PREROUTING && !sh.verifyChecksum(l4Len, crc)) {
            return NF_INVALID; // "bad CRC"
        }
        int dir = ctinfo >= PacketConntrack.IP_CT_IS_REPLY ? 1 : 0;
        int vtag = sh.verificationTag();
        int first = sh.chunksOffset();
        if (basicChecksFail(buf, first, end)) {
            return NF_INVALID;
        }
        if (!ct.isConfirmed()) {
            // An out-of-the-blue packet with any of these chunks is discarded (section 8.4).
            if (has(SctpChunk.ABORT) || has(SctpChunk.SHUTDOWN_COMPLETE) || has(SctpChunk.COOKIE_ACK)) {
                return NF_INVALID;
            }
            if (!sctpNew(ct, buf, first, end, vtag)) {
                return NF_INVALID;
            }
        }
        // Verification tag check (section 8.5).
        if (!has(SctpChunk.INIT) && !has(SctpChunk.SHUTDOWN_COMPLETE) && !has(SctpChunk.COOKIE_ECHO)
                && !has(SctpChunk.ABORT) && !has(SctpChunk.SHUTDOWN_ACK) && !has(SctpChunk.HEARTBEAT)
                && !has(SctpChunk.HEARTBEAT_ACK) && vtag != ct.vtag[dir]) {
            return NF_INVALID;
        }

        int oldState;
        int newState = NONE;
        boolean ignore = false;
        for (int off = first; off < end && end - off >= SctpChunk.HEADER_LENGTH; ) {
            SctpChunk c = chunk.wrap(buf, off);
            int type = c.type();
            boolean tBit = c.tBit();
            off += c.paddedLength();
            // Special cases of the verification tag check (section 8.5.1).
            if (type == SctpChunk.INIT) {
                if (vtag != 0) {
                    return NF_INVALID; // (A)
                }
            } else if (type == SctpChunk.ABORT || type == SctpChunk.SHUTDOWN_COMPLETE) {
                // (B), (C): own tag without the T bit, the peer's with it.
                if ((!tBit && vtag != ct.vtag[dir]) || (tBit && vtag != ct.vtag[1 - dir])) {
                    return NF_INVALID;
                }
            } else if (type == SctpChunk.COOKIE_ECHO) {
                if (vtag != ct.vtag[dir]) {
                    return NF_INVALID; // (D)
                }
            } else if (type == SctpChunk.COOKIE_ACK) {
                ct.sctpInit[dir] = false;
                ct.sctpInit[1 - dir] = false;
            } else if (type == SctpChunk.HEARTBEAT) {
                if (ct.vtag[dir] == 0) {
                    ct.vtag[dir] = vtag;
                } else if (vtag != ct.vtag[dir]) {
                    if (has(SctpChunk.DATA) || ignore) {
                        return NF_INVALID;
                    }
                    ct.sctpFlags |= HEARTBEAT_VTAG_FAILED;
                    ct.sctpLastDir = dir;
                    ignore = true;
                    continue;
                } else if ((ct.sctpFlags & HEARTBEAT_VTAG_FAILED) != 0) {
                    ct.sctpFlags &= ~HEARTBEAT_VTAG_FAILED;
                }
            } else if (type == SctpChunk.HEARTBEAT_ACK) {
                if (ct.vtag[dir] == 0) {
                    ct.vtag[dir] = vtag;
                } else if (vtag != ct.vtag[dir]) {
                    if (has(SctpChunk.DATA) || ignore) {
                        return NF_INVALID;
                    }
                    if ((ct.sctpFlags & HEARTBEAT_VTAG_FAILED) == 0 || ct.sctpLastDir == dir) {
                        return NF_INVALID;
                    }
                    ct.sctpFlags &= ~HEARTBEAT_VTAG_FAILED;
                    ct.vtag[dir] = vtag;
                    ct.vtag[1 - dir] = 0;
                } else if ((ct.sctpFlags & HEARTBEAT_VTAG_FAILED) != 0) {
                    ct.sctpFlags &= ~HEARTBEAT_VTAG_FAILED;
                }
            }

            oldState = ct.protoState;
            newState = newState(dir, oldState, type);
            if (newState == MAX) {
                return NF_INVALID;
            }
            int chunkStart = c.offset();
            if (type == SctpChunk.INIT) {
                if (end - chunkStart < SctpChunk.HEADER_LENGTH + 4) {
                    return NF_INVALID;
                }
                int initTag = init.wrap(buf, chunkStart).initiateTag();
                if (ct.sctpInit[dir] && ct.sctpInit[1 - dir]) {
                    ct.sctpInit[1 - dir] = false;
                }
                ct.sctpInit[dir] = true;
                ct.vtag[1 - dir] = initTag;
                // Do not renew the timeout on an INIT retransmission.
                if (newState == CLOSED && oldState == CLOSED && ct.isConfirmed()) {
                    ignore = true;
                }
            } else if (type == SctpChunk.INIT_ACK) {
                if (end - chunkStart < SctpChunk.HEADER_LENGTH + 4) {
                    return NF_INVALID;
                }
                int initTag = init.wrap(buf, chunkStart).initiateTag();
                int peerTag = ct.vtag[1 - dir];
                if (!ct.sctpInit[1 - dir] && peerTag != 0 && peerTag != initTag) {
                    return NF_INVALID;
                }
                if (ct.sctpInit[dir] && ct.sctpInit[1 - dir] && peerTag != initTag) {
                    return NF_INVALID; // collision
                }
                ct.vtag[1 - dir] = initTag;
            }
            ct.protoState = newState;
            if (oldState != newState && newState == ESTABLISHED) {
                ct.status |= ConntrackEntry.IPS_ASSURED;
            }
        }
        if (ignore) {
            return NF_ACCEPT; // allow, but do not refresh the timeout
        }
        conntrack.refreshAcct(ct, ctinfo, ipLen, nowNs, timeouts[newState]);
        return NF_ACCEPT;
    }
}
