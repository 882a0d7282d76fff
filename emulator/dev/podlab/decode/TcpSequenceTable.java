package dev.podlab.decode;

import java.util.HashMap;
import java.util.Map;

/**
 * Relative TCP sequence numbers, as tcpdump prints them without {@code -S}: the first segment of a
 * conversation that carries an ACK (or any later SYN) records both directions' base numbers, and
 * later segments print their sequence and acknowledgement numbers relative to them. One entry
 * serves both directions: the key is ordered so that the lower port comes first (on equal ports,
 * the lower address), as print-tcp.c's {@code tcp_seq_hash} does.
 */
final class TcpSequenceTable {
    private record Key(int lowAddr, int highAddr, int lowPort, int highPort) {}

    /** Base numbers in the key's direction: {@code seq} of the low side, {@code ack} of the high side. */
    private static final class Bases {
        long seq;
        long ack;
    }

    private final Map<Key, Bases> conversations = new HashMap<>();
    private final long[] result = new long[2];

    /**
     * Returns {seq, ack} to print for a segment with the ACK flag. The array is reused by the
     * next call.
     */
    long[] relative(int src, int dst, int srcPort, int dstPort, long seq, long ack, boolean syn) {
        boolean reversed = srcPort > dstPort
                || (srcPort == dstPort && Integer.compareUnsigned(src, dst) > 0);
        Key key = reversed ? new Key(dst, src, dstPort, srcPort) : new Key(src, dst, srcPort, dstPort);
        Bases bases = conversations.get(key);
        if (bases == null || syn) {
            if (bases == null) {
                bases = new Bases();
                conversations.put(key, bases);
            }
            if (reversed) {
                bases.ack = seq;
                bases.seq = (ack - 1) & 0xffffffffL;
            } else {
                bases.seq = seq;
                bases.ack = (ack - 1) & 0xffffffffL;
            }
            result[0] = seq;
            result[1] = ack;
        } else if (reversed) {
            result[0] = (seq - bases.ack) & 0xffffffffL;
            result[1] = (ack - bases.seq) & 0xffffffffL;
        } else {
            result[0] = (seq - bases.seq) & 0xffffffffL;
            result[1] = (ack - bases.ack) & 0xffffffffL;
        }
        return result;
    }
}
