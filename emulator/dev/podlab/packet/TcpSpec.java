package dev.podlab.packet;

/**
 * The TCP header fields and options of a segment to build with {@link Frames#tcp}: a mutable,
 * reusable holder. Options are written in the order and packing of Linux's
 * {@code tcp_options_write} (net/ipv4/tcp_output.c), which {@link #optionsLength()} mirrors:
 *
 * <pre>
 *  MSS            02 04 mm mm
 *  TS + SACK_PERM 04 02 08 0a  tsval(4) tsecr(4)     (SACK_PERM folded in front of TS)
 *  TS alone       01 01 08 0a  tsval(4) tsecr(4)
 *  SACK_PERM only 01 01 04 02                        (when timestamps are off)
 *  WSCALE         01 03 03 ws
 *  SACK blocks    01 01 05 len  (left right)*n
 * </pre>
 *
 * So a Linux SYN with everything on carries 20 option bytes:
 * {@code 02 04 05 b4 04 02 08 0a <tsval> <tsecr=0> 01 03 03 07}. A segment without options has a
 * 20-byte header.
 */
public final class TcpSpec {
    /** Most SACK blocks that fit next to timestamps (Linux's TCP_NUM_SACKS). */
    public static final int MAX_SACK_BLOCKS = 4;

    int srcPort;
    int dstPort;
    long seq;
    long ack;
    int flags;
    int window;
    int urgentPointer;
    int mss = -1;
    boolean sackPermitted;
    boolean timestamps;
    long tsVal;
    long tsEcr;
    int windowScale = -1;
    int sackBlocks;
    final long[] sackLeft = new long[MAX_SACK_BLOCKS];
    final long[] sackRight = new long[MAX_SACK_BLOCKS];

    /**
     * A SYN as Linux's {@code tcp_connect} sends it with default sysctls (SACK, timestamps and
     * window scaling on): MSS, SACK-permitted, timestamps (TSecr 0) and window scale, 20 option
     * bytes in {@code tcp_options_write} order. {@code window} is the unscaled initial receive
     * window ({@code tcp_select_initial_window}: 64240 for MSS 1460 with default buffers) and
     * {@code windowScale} the advertised shift (7 with the default tcp_rmem).
     */
    public TcpSpec linuxSyn(int srcPort, int dstPort, long isn, int mss, long tsVal, int window, int windowScale) {
        return reset().ports(srcPort, dstPort).seq(isn).flags(Tcp.SYN).window(window).mss(mss).sackPermitted(true)
                .timestamps(tsVal, 0).windowScale(windowScale);
    }

    /**
     * A SYN-ACK answering a SYN that offered SACK, timestamps and window scaling
     * ({@code tcp_make_synack}): the same option layout with TSecr echoing the peer's TSval.
     */
    public TcpSpec linuxSynAck(int srcPort, int dstPort, long isn, long peerIsn, int mss, long tsVal, long tsEcr,
                               int window, int windowScale) {
        return reset().ports(srcPort, dstPort).seq(isn).ack(peerIsn + 1).flags(Tcp.SYN | Tcp.ACK).window(window)
                .mss(mss).sackPermitted(true).timestamps(tsVal, tsEcr).windowScale(windowScale);
    }

    /** Clears every field and option. */
    public TcpSpec reset() {
        srcPort = 0;
        dstPort = 0;
        seq = 0;
        ack = 0;
        flags = 0;
        window = 0;
        urgentPointer = 0;
        mss = -1;
        sackPermitted = false;
        timestamps = false;
        tsVal = 0;
        tsEcr = 0;
        windowScale = -1;
        sackBlocks = 0;
        return this;
    }

    public TcpSpec ports(int srcPort, int dstPort) {
        this.srcPort = srcPort;
        this.dstPort = dstPort;
        return this;
    }

    public TcpSpec seq(long seq) {
        this.seq = seq & 0xffffffffL;
        return this;
    }

    public TcpSpec ack(long ack) {
        this.ack = ack & 0xffffffffL;
        return this;
    }

    /** Flag bits, e.g. {@code Tcp.SYN | Tcp.ACK}. */
    public TcpSpec flags(int flags) {
        this.flags = flags;
        return this;
    }

    /** The 16-bit window field as sent (already scaled down). */
    public TcpSpec window(int window) {
        this.window = window;
        return this;
    }

    public TcpSpec urgentPointer(int pointer) {
        this.urgentPointer = pointer;
        return this;
    }

    /** Adds an MSS option; -1 for none. */
    public TcpSpec mss(int mss) {
        this.mss = mss;
        return this;
    }

    public TcpSpec sackPermitted(boolean on) {
        this.sackPermitted = on;
        return this;
    }

    /** Adds a timestamps option with these values. */
    public TcpSpec timestamps(long tsVal, long tsEcr) {
        this.timestamps = true;
        this.tsVal = tsVal & 0xffffffffL;
        this.tsEcr = tsEcr & 0xffffffffL;
        return this;
    }

    public TcpSpec noTimestamps() {
        this.timestamps = false;
        return this;
    }

    /** Adds a window-scale option with this shift; -1 for none. */
    public TcpSpec windowScale(int shift) {
        this.windowScale = shift;
        return this;
    }

    /** Appends a SACK block (at most {@link #MAX_SACK_BLOCKS}; Linux fits 3 next to timestamps). */
    public TcpSpec addSackBlock(long left, long right) {
        if (sackBlocks == MAX_SACK_BLOCKS) {
            throw new IllegalStateException("at most " + MAX_SACK_BLOCKS + " SACK blocks");
        }
        sackLeft[sackBlocks] = left & 0xffffffffL;
        sackRight[sackBlocks] = right & 0xffffffffL;
        sackBlocks++;
        return this;
    }

    public TcpSpec clearSackBlocks() {
        sackBlocks = 0;
        return this;
    }

    /** Option bytes {@link Frames#tcp} will write (always a multiple of 4). */
    public int optionsLength() {
        int n = 0;
        if (mss >= 0) {
            n += 4;
        }
        if (timestamps) {
            n += 12;
        } else if (sackPermitted) {
            n += 4;
        }
        if (windowScale >= 0) {
            n += 4;
        }
        if (sackBlocks > 0) {
            n += 4 + 8 * sackBlocks;
        }
        return n;
    }

    public int headerLength() {
        return Tcp.MIN_HEADER_LENGTH + optionsLength();
    }

    public int srcPort() {
        return srcPort;
    }

    public int dstPort() {
        return dstPort;
    }

    public long seq() {
        return seq;
    }

    public long ack() {
        return ack;
    }

    public int flags() {
        return flags;
    }

    public int window() {
        return window;
    }
}
