package dev.podlab.apps;

import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.Packet;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code ping -c COUNT -i INTERVAL [-s SIZE] DST} from a namespace, as iputils' ping sends it
 * through a ping socket: ICMP echo requests with the socket's id and sequence numbers from 1, 56
 * data bytes (or SIZE) led by a timeval from (virtual) time, DF set, TTL 64; replies and ICMP
 * errors about the requests come back to it.
 */
public final class Ping implements TransportHandler {
    /**
     * One reply or error, in arrival order.
     *
     * @param ttl  the reply's IP TTL ({@code ttl=63} in ping's line), -1 for an error
     * @param info the error's ICMP info: the next-hop MTU of a fragmentation needed
     *             ({@code Frag needed and DF set (mtu = 1000)}), 0 otherwise
     */
    public record Result(int sequence, boolean reply, int icmpType, int icmpCode, int from, long rttNs, int ttl,
            int info) {}

    private final NetNamespace ns;
    private final int dst;
    private final int id;
    private final List<Result> results = new ArrayList<>();
    private final long[] sentAt;
    private int dataLength;
    private final Ipv4Spec spec = new Ipv4Spec();
    private final Icmp4 icmp = new Icmp4();
    private int sent;
    private Pmtudisc pmtudisc = Pmtudisc.WANT;

    /** {@code ping -M}: how DF is set ({@code IP_MTU_DISCOVER}). */
    public enum Pmtudisc {
        /** {@code -M do}: DF always set; too big for the route means a local EMSGSIZE error. */
        DO,
        /** iputils' default: DF set, but what exceeds the route's MTU is fragmented locally (DF clear). */
        WANT,
        /** {@code -M dont}: DF never set. */
        DONT
    }

    /**
     * Starts pinging at the current virtual time.
     *
     * @param id the echo identifier (the ping socket's local port on Linux)
     */
    public Ping(NetNamespace ns, int dst, int id, int count, long intervalNs) {
        this(ns, dst, id, count, intervalNs, dev.podlab.packet.Frames.PING_DEFAULT_DATA_LENGTH);
    }

    /**
     * {@code ping -s dataLength}: echo requests of {@code 28 + dataLength} bytes at the IP layer,
     * DF set, so one larger than a link's MTU on the path draws an ICMP fragmentation needed.
     */
    public Ping(NetNamespace ns, int dst, int id, int count, long intervalNs, int dataLength) {
        if (dataLength < 0 || dataLength > 65_507) {
            throw new IllegalArgumentException("ping: invalid -s value: '" + dataLength + "'");
        }
        this.dataLength = dataLength;
        this.ns = ns;
        this.dst = dst;
        this.id = id;
        this.sentAt = new long[count + 1];
        ns.bindPing(id, this);
        for (int i = 0; i < count; i++) {
            ns.network().sim().schedule(i * intervalNs, this::sendOne);
        }
    }

    /** {@code ping -s SIZE}: data bytes per request (default 56). Set before the first request is due. */
    public Ping size(int bytes) {
        this.dataLength = bytes;
        return this;
    }

    /** {@code ping -M do|want|dont}; the default is iputils' WANT. */
    public Ping pmtudisc(Pmtudisc mode) {
        this.pmtudisc = mode;
        return this;
    }

    private void sendOne() {
        int seq = ++sent;
        long now = ns.network().sim().now();
        sentAt[seq] = now;
        int src = ns.stack().sourceAddress(dst);
        int size = 20 + 8 + dataLength;
        boolean df = switch (pmtudisc) {
            case DO -> true;
            case DONT -> false;
            case WANT -> size <= ns.stack().routeMtu(dst);
        };
        spec.reset().addresses(src, dst).df(df).id(ns.stack().ipIdent().hashed(src, dst, IpProtocol.ICMP));
        ByteBuf frame = ns.network().frames().ping(spec, id, seq, now, dataLength);
        Packet p = new Packet(frame, dev.podlab.packet.LinkType.ETHERNET).id(ns.network().nextPacketId()).timestampNs(now);
        ns.stack().send(p);
    }

    @Override
    public void receive(NetNamespace netns, Packet p, int ipOffset, int l4Offset) {
        icmp.wrap(p.buf(), l4Offset);
        int seq = icmp.sequence();
        long rtt = seq > 0 && seq < sentAt.length ? netns.network().sim().now() - sentAt[seq] : -1;
        results.add(new Result(seq, true, icmp.type(), icmp.code(), p.buf().getInt(ipOffset + 12), rtt,
                p.buf().getUnsignedByte(ipOffset + 8), 0));
        p.release();
    }

    @Override
    public void icmpError(NetNamespace netns, int type, int code, int info, int reporter) {
        results.add(new Result(-1, false, type, code, reporter, -1, -1, info));
    }

    public int sent() {
        return sent;
    }

    public List<Result> results() {
        return Collections.unmodifiableList(results);
    }

    /** Replies received. */
    public long replies() {
        return results.stream().filter(Result::reply).count();
    }
}
