package dev.podlab.net;

import dev.podlab.packet.IpProtocol;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * The sockets of a namespace as the transport demultiplexers see them: connected sockets by their
 * four-tuple first ({@code __inet_lookup_established}), then sockets bound to a local port on one
 * address or on any ({@code __inet_lookup_listener}, {@code __udp4_lib_lookup}). Lookups allocate
 * nothing: keys are packed longs in primitive open-addressing maps, one per protocol.
 */
public final class Sockets {
    private static final int[] PROTOCOLS = {IpProtocol.TCP, IpProtocol.UDP, IpProtocol.SCTP};

    private final LongObjectMap<TransportHandler>[] bound;
    private final LongObjectMap<TransportHandler>[] connected;
    private final Sysctls sysctl;
    private final RandomGenerator random;
    private int nextEphemeral = -1;

    @SuppressWarnings("unchecked")
    Sockets(Sysctls sysctl, RandomGenerator random) {
        this.sysctl = sysctl;
        this.random = random;
        bound = new LongObjectMap[PROTOCOLS.length];
        connected = new LongObjectMap[PROTOCOLS.length];
        for (int i = 0; i < PROTOCOLS.length; i++) {
            bound[i] = new LongObjectMap<>();
            connected[i] = new LongObjectMap<>();
        }
    }

    private static int slot(int protocol) {
        return switch (protocol) {
            case IpProtocol.TCP -> 0;
            case IpProtocol.UDP -> 1;
            case IpProtocol.SCTP -> 2;
            default -> throw new IllegalArgumentException("no sockets for IP protocol " + protocol);
        };
    }

    private static long boundKey(int addr, int port) {
        return ((long) (port & 0xffff) << 32) | (addr & 0xffff_ffffL);
    }

    private static long connectedKey(int localPort, int remoteAddr, int remotePort) {
        return ((long) (localPort & 0xffff) << 48) | ((long) (remotePort & 0xffff) << 32) | (remoteAddr & 0xffff_ffffL);
    }

    /**
     * {@code bind()}: the handler receives what arrives for {@code port} on {@code addr} (0: any
     * address). Binding a taken port fails as the kernel does ({@code EADDRINUSE}).
     */
    public void bind(int protocol, int addr, int port, TransportHandler handler) {
        LongObjectMap<TransportHandler> map = bound[slot(protocol)];
        long key = boundKey(addr, port);
        if (map.get(key) != null || (addr != 0 && map.get(boundKey(0, port)) != null)) {
            throw new IllegalStateException("bind: Address already in use (port " + port + ")");
        }
        map.put(key, handler);
    }

    public void unbind(int protocol, int addr, int port) {
        bound[slot(protocol)].remove(boundKey(addr, port));
    }

    /** A connected socket (a TCP connection, a connected UDP socket): exact match on the remote end. */
    public void connect(int protocol, int localPort, int remoteAddr, int remotePort, TransportHandler handler) {
        connected[slot(protocol)].put(connectedKey(localPort, remoteAddr, remotePort), handler);
    }

    public void disconnect(int protocol, int localPort, int remoteAddr, int remotePort) {
        connected[slot(protocol)].remove(connectedKey(localPort, remoteAddr, remotePort));
    }

    /** The socket for a packet from {@code remote:remotePort} to {@code local:localPort}, or null. */
    public TransportHandler lookup(int protocol, int local, int localPort, int remote, int remotePort) {
        int s;
        switch (protocol) {
            case IpProtocol.TCP -> s = 0;
            case IpProtocol.UDP -> s = 1;
            case IpProtocol.SCTP -> s = 2;
            default -> {
                return null;
            }
        }
        TransportHandler h = connected[s].get(connectedKey(localPort, remote, remotePort));
        if (h != null) {
            return h;
        }
        h = bound[s].get(boundKey(local, localPort));
        return h != null ? h : bound[s].get(boundKey(0, localPort));
    }

    /**
     * An ephemeral port for an outgoing connection, from {@code ip_local_port_range}: a random
     * starting point (seeded), then sequential, skipping ports in use — the shape of
     * {@code __inet_hash_connect}'s search.
     */
    public int ephemeralPort(int protocol, int remoteAddr, int remotePort) {
        int low = sysctl.localPortLow;
        int range = sysctl.localPortHigh - low + 1;
        if (nextEphemeral < 0) {
            nextEphemeral = random.nextInt(range);
        }
        LongObjectMap<TransportHandler> c = connected[slot(protocol)];
        LongObjectMap<TransportHandler> b = bound[slot(protocol)];
        for (int i = 0; i < range; i++) {
            int port = low + (nextEphemeral + i) % range;
            if (c.get(connectedKey(port, remoteAddr, remotePort)) == null && b.get(boundKey(0, port)) == null) {
                nextEphemeral = (nextEphemeral + i + 1) % range;
                return port;
            }
        }
        throw new IllegalStateException("connect: Cannot assign requested address (no free local port)");
    }
}
