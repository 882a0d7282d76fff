package dev.podlab.net;

import dev.podlab.packet.Packet;

/**
 * What a socket bound in a namespace does with what the stack delivers to it: the receive path of
 * a UDP, TCP or SCTP socket ({@code udp_queue_rcv_skb}, {@code tcp_v4_do_rcv}, ...), and the
 * ICMP errors ({@code icmp_err} handlers: {@code udp_err}, {@code tcp_v4_err}) that quote a packet
 * the socket sent.
 */
public interface TransportHandler {
    /**
     * A packet for this socket arrived; the handler owns it.
     *
     * @param ipOffset absolute offset of its IPv4 header
     * @param l4Offset absolute offset of its transport header
     */
    void receive(NetNamespace ns, Packet p, int ipOffset, int l4Offset);

    /**
     * An ICMP error about a packet this socket sent: destination unreachable (code, and the
     * next-hop MTU for fragmentation needed) or time exceeded, from {@code reporter}.
     */
    default void icmpError(NetNamespace ns, int type, int code, int info, int reporter) {
    }
}
