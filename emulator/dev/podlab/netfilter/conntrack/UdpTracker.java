package dev.podlab.netfilter.conntrack;

import dev.podlab.net.Hook;

import static dev.podlab.netfilter.conntrack.Conntrack.NF_ACCEPT;
import static dev.podlab.netfilter.conntrack.Conntrack.NF_INVALID;

import dev.podlab.packet.Udp;
import io.netty.buffer.ByteBuf;

/**
 * The UDP tracker, mirroring net/netfilter/nf_conntrack_proto_udp.c ({@code udp_error},
 * {@code nf_conntrack_udp_packet}): 30 s until a reply has been seen; once replied, the stream
 * timeout (120 s) and ASSURED only for a flow still active more than 2 s after its first packet,
 * so a DNS-style request/response keeps the short timeout and stays unassured.
 */
final class UdpTracker {
    /** How long after the first packet a replied flow counts as a stream ({@code 2 * HZ}). */
    static final long STREAM_DELAY_NS = 2_000_000_000L;

    private final Conntrack conntrack;
    private final long unreplied;
    private final long replied;
    private final Udp udp = new Udp();

    UdpTracker(Conntrack conntrack, ConntrackSysctls s) {
        this.conntrack = conntrack;
        this.unreplied = s.udpTimeout * 1_000_000_000L;
        this.replied = s.udpTimeoutStream * 1_000_000_000L;
    }

    int packet(ConntrackEntry ct, ByteBuf buf, int l4Off, int l4Len, int ipLen, int ctinfo, Hook hook, long nowNs) {
        if (error(buf, l4Off, l4Len, hook)) {
            return NF_INVALID;
        }
        if (!ct.isConfirmed()) {
            ct.streamTs = nowNs + STREAM_DELAY_NS;
        }
        if (ct.seenReply()) {
            long extra = unreplied;
            boolean stream = false;
            // Still active after two seconds? Extend the timeout (time_after: strictly later).
            if (nowNs > ct.streamTs) {
                extra = replied;
                stream = true;
            }
            conntrack.refreshAcct(ct, ctinfo, ipLen, nowNs, extra);
            if ((ct.status & ConntrackEntry.IPS_NAT_CLASH) != 0) {
                return NF_ACCEPT; // never ASSURED
            }
            if (stream) {
                ct.status |= ConntrackEntry.IPS_ASSURED;
            }
        } else {
            conntrack.refreshAcct(ct, ctinfo, ipLen, nowNs, unreplied);
        }
        return NF_ACCEPT;
    }

    /** {@code udp_error}: short or inconsistent length, or a bad checksum at PREROUTING. */
    private boolean error(ByteBuf buf, int l4Off, int l4Len, Hook hook) {
        if (!Udp.fits(l4Len)) {
            return true; // "short packet"
        }
        Udp u = udp.wrap(buf, l4Off);
        int udpLen = u.length();
        if (udpLen > l4Len || udpLen < Udp.HEADER_LENGTH) {
            return true; // "truncated/malformed packet"
        }
        if (u.checksum() == 0) {
            return false; // packet without checksum
        }
        if (!conntrack.checksum || hook != Hook.PREROUTING || conntrack.csumUnnecessary) {
            return false; // nf_ip_checksum verifies CHECKSUM_NONE and COMPLETE only
        }
        if (!u.verifyChecksum(conntrack.ip.src(), conntrack.ip.dst(), l4Len)) {
            return true; // "bad checksum"
        }
        conntrack.csumUnnecessary = true; // __skb_checksum_complete: csum_valid
        return false;
    }
}
