package dev.podlab.apps;

import dev.podlab.net.NetNamespace;
import dev.podlab.net.TransportHandler;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Packet;
import dev.podlab.packet.Sctp;
import dev.podlab.packet.SctpChunk;
import dev.podlab.packet.SctpInit;
import dev.podlab.sim.Simulator;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * An SCTP server listening on a port of every address: it answers an INIT with an INIT ACK
 * carrying a signed State Cookie and keeps no state until the COOKIE ECHO comes back
 * (RFC 9260 5.1), which it checks (signature, tag, lifetime) and answers with a COOKIE ACK: the
 * association is then up and counted in {@link #associations()}.
 *
 * <p>The INIT ACK is Linux's ({@code sctp_make_init_ack}): streams negotiated down to what the
 * INIT offered (10 outbound, at most the peer's outbound as inbound), {@code a_rwnd} 106496,
 * then the cookie, then ECN Capable and Forward-TSN Supported when the INIT had them. The
 * cookie's contents are podlab's own (tags, TSNs, ports, peer address, creation time, lifetime,
 * HMAC-SHA1 under a key from the seeded stream): Linux's cookie carries kernel structures and a
 * copy of the INIT and is longer, but no peer looks inside a cookie.
 *
 * <p>Not modelled: data, SHUTDOWN, restarts and collision cases of RFC 9260 5.2.
 */
public final class SctpServer implements TransportHandler {
    /** An association that completed the handshake. */
    public record Association(int peer, int peerPort, long myTag, long peerTag, long upAtNs) {}

    private static final int COOKIE_BODY = 4 + 4 + 4 + 4 + 2 + 2 + 4 + 8 + 8;
    private static final int MAC_LENGTH = 20;

    private final NetNamespace ns;
    private final Simulator sim;
    private final int port;
    private final RandomGenerator random;
    private final Mac mac;
    private final List<Association> associations = new ArrayList<>();
    private boolean open;

    public SctpServer(NetNamespace ns, int port) {
        this.ns = ns;
        this.sim = ns.network().sim();
        this.port = port;
        this.random = sim.random().stream("apps/" + ns.qualifiedName() + "/sctp-server/" + port + "@" + sim.now());
        byte[] key = new byte[32];
        random.nextBytes(key);
        try {
            this.mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform provides HmacSHA1", e);
        }
        ns.sockets().bind(IpProtocol.SCTP, 0, port, this);
        open = true;
        trace(Verdict.PASS, "listening on 0.0.0.0:" + port);
    }

    public List<Association> associations() {
        return Collections.unmodifiableList(associations);
    }

    public void close() {
        if (open) {
            ns.sockets().unbind(IpProtocol.SCTP, 0, port);
            open = false;
        }
    }

    @Override
    public void receive(NetNamespace netns, Packet p, int ipOffset, int l4Offset) {
        ByteBuf b = p.buf();
        int peer = b.getInt(ipOffset + Ipv4.SRC_OFFSET);
        int local = b.getInt(ipOffset + Ipv4.DST_OFFSET);
        Sctp sctp = new Sctp().wrap(b, l4Offset);
        int vtag = sctp.verificationTag();
        int peerPort = sctp.srcPort();
        SctpChunk chunk = new SctpChunk().wrap(b, sctp.chunksOffset());
        int type = chunk.type();
        trace(Verdict.RECEIVE, SctpPackets.chunkName(type) + " from " + Ipv4Address.toString(peer) + ":" + peerPort);
        switch (type) {
            case SctpChunk.INIT -> {
                if (vtag == 0 && chunk.length() >= SctpInit.FIXED_LENGTH) {
                    initAck(b, chunk, local, peer, peerPort);
                }
            }
            case SctpChunk.COOKIE_ECHO -> cookieEcho(b, chunk, vtag, local, peer, peerPort);
            default -> trace(Verdict.PASS, SctpPackets.chunkName(type) + " ignored");
        }
        p.release();
    }

    /** sctp_sf_do_5_1B_init: INIT ACK with a cookie, no state kept. */
    private void initAck(ByteBuf b, SctpChunk chunk, int local, int peer, int peerPort) {
        SctpInit init = new SctpInit().wrap(b, chunk.offset());
        int peerTag = init.initiateTag();
        if (peerTag == 0) {
            trace(Verdict.PASS, "INIT with initiate tag 0: discarded");
            return;
        }
        int myTag;
        do {
            myTag = random.nextInt();
        } while (myTag == 0);
        long myTsn = random.nextInt() & 0xffff_ffffL;
        int os = Math.min(SctpPackets.OUTBOUND_STREAMS, init.inboundStreams());
        int mis = Math.min(SctpPackets.INBOUND_STREAMS, init.outboundStreams());
        ByteBuffer body = ByteBuffer.allocate(COOKIE_BODY);
        body.putInt(myTag).putInt(peerTag).putInt((int) myTsn).putInt((int) init.initialTsn())
                .putShort((short) port).putShort((short) peerPort).putInt(peer)
                .putLong(sim.now()).putLong(SctpPackets.VALID_COOKIE_LIFE);
        byte[] signed = sign(body.array());
        ByteBuf params = Unpooled.buffer(8);
        if (init.findParameter(SctpInit.PARAM_ECN_CAPABLE) >= 0) {
            params.writeShort(SctpInit.PARAM_ECN_CAPABLE).writeShort(4);
        }
        if (init.findParameter(SctpInit.PARAM_FORWARD_TSN_SUPPORTED) >= 0) {
            params.writeShort(SctpInit.PARAM_FORWARD_TSN_SUPPORTED).writeShort(4);
        }
        trace(Verdict.TRANSMIT, "INIT ACK tag " + (myTag & 0xffff_ffffL) + " with a " + signed.length + "-byte cookie");
        SctpPackets.send(ns, ns.network().frames().sctpInitAck(SctpPackets.ipv4(ns, local, peer), port, peerPort,
                peerTag, myTag, SctpPackets.A_RWND, os, mis, myTsn, Unpooled.wrappedBuffer(signed), params));
    }

    /** sctp_sf_do_5_1D_ce: unpack and check the cookie, bring the association up, COOKIE ACK. */
    private void cookieEcho(ByteBuf b, SctpChunk chunk, int vtag, int local, int peer, int peerPort) {
        int len = chunk.length() - SctpChunk.HEADER_LENGTH;
        if (len != COOKIE_BODY + MAC_LENGTH) {
            trace(Verdict.PASS, "COOKIE ECHO of " + len + " bytes is not ours: discarded");
            return;
        }
        byte[] cookie = new byte[len];
        b.getBytes(chunk.offset() + SctpChunk.HEADER_LENGTH, cookie);
        byte[] body = java.util.Arrays.copyOf(cookie, COOKIE_BODY);
        if (!MessageDigest.isEqual(sign(body), cookie)) {
            trace(Verdict.PASS, "COOKIE ECHO with a bad signature: discarded");
            return;
        }
        ByteBuffer c = ByteBuffer.wrap(body);
        int myTag = c.getInt();
        int peerTag = c.getInt();
        c.getInt();
        c.getInt();
        c.getShort();
        c.getShort();
        int cookiePeer = c.getInt();
        long created = c.getLong();
        long life = c.getLong();
        if (vtag != myTag || cookiePeer != peer) {
            trace(Verdict.PASS, "COOKIE ECHO with tag " + (vtag & 0xffff_ffffL) + " not the cookie's: discarded");
            return;
        }
        if (sim.now() - created > life) {
            // RFC 9260 5.1.5: a stale cookie gets an ERROR (Stale Cookie); not modelled further.
            trace(Verdict.PASS, "stale COOKIE ECHO: discarded");
            return;
        }
        boolean known = associations.stream().anyMatch(a -> a.peer() == peer && a.peerPort() == peerPort
                && a.myTag() == (myTag & 0xffff_ffffL));
        if (!known) {
            associations.add(new Association(peer, peerPort, myTag & 0xffff_ffffL, peerTag & 0xffff_ffffL, sim.now()));
            trace(Verdict.DELIVER, "accept() association with " + Ipv4Address.toString(peer) + ":" + peerPort);
        }
        trace(Verdict.TRANSMIT, "COOKIE ACK");
        SctpPackets.send(ns, SctpPackets.oneChunk(SctpPackets.ipv4(ns, local, peer), port, peerPort, peerTag,
                SctpChunk.COOKIE_ACK, 0, new byte[0]));
    }

    private byte[] sign(byte[] body) {
        byte[] m = mac.doFinal(body);
        byte[] out = java.util.Arrays.copyOf(body, body.length + MAC_LENGTH);
        System.arraycopy(m, 0, out, body.length, MAC_LENGTH);
        return out;
    }

    private void trace(Verdict verdict, String detail) {
        if (ns.network().tracer().enabled()) {
            ns.trace(null, Step.of("sctp"), verdict, null, "sctp-server:" + port + " " + detail);
        }
    }
}
