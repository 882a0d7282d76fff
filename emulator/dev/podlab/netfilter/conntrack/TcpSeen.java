package dev.podlab.netfilter.conntrack;

/**
 * What the TCP tracker knows of one direction's sender ({@code struct ip_ct_tcp_state},
 * include/linux/netfilter/nf_conntrack_tcp.h). Sequence numbers are 32-bit and compared modulo
 * 2^32 with {@link TcpTracker#before}/{@link TcpTracker#after}.
 */
final class TcpSeen {
    /** IP_CT_TCP_FLAG_WINDOW_SCALE: the sender sent a window scale option. */
    static final int FLAG_WINDOW_SCALE = 0x01;
    /** IP_CT_TCP_FLAG_SACK_PERM */
    static final int FLAG_SACK_PERM = 0x02;
    /** IP_CT_TCP_FLAG_CLOSE_INIT: this side sent the first FIN. */
    static final int FLAG_CLOSE_INIT = 0x04;
    /** IP_CT_TCP_FLAG_BE_LIBERAL: window checks are skipped (mid-stream pick-up). */
    static final int FLAG_BE_LIBERAL = 0x08;
    /** IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED: data sent that the peer has not acknowledged yet. */
    static final int FLAG_DATA_UNACKNOWLEDGED = 0x10;
    /** IP_CT_TCP_FLAG_MAXACK_SET: {@link #maxAck} is valid. */
    static final int FLAG_MAXACK_SET = 0x20;

    /** td_end: max(seq + len) sent. */
    int end;
    /** td_maxend: max(ack + max(win, 1)) the peer allowed. */
    int maxEnd;
    /** td_maxwin: max(win) sent. */
    int maxWin;
    /** td_maxack: max ack sent. */
    int maxAck;
    /** td_scale: window scale factor. */
    int scale;
    int flags;

    void clear() {
        end = 0;
        maxEnd = 0;
        maxWin = 0;
        maxAck = 0;
        scale = 0;
        flags = 0;
    }
}
