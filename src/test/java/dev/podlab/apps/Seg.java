package dev.podlab.apps;

import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Tcp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/** A captured TCP segment read through the packet views, for assertions. */
record Seg(AppNet.Frame frame, Ipv4 ip, Tcp tcp) {
    static Seg of(AppNet.Frame f) {
        Ipv4 ip = new Ipv4().wrap(f.ip(), 0);
        return new Seg(f, ip, new Tcp().wrap(f.ip(), f.l4()));
    }

    int flags() {
        return tcp.flags();
    }

    long seq() {
        return tcp.seq();
    }

    long ack() {
        return tcp.ack();
    }

    int window() {
        return tcp.window();
    }

    int payloadLength() {
        return ip.totalLength() - ip.headerLength() - tcp.headerLength();
    }

    /** The option bytes as hex, e.g. {@code 020405b4...}. */
    String optionsHex() {
        return ByteBufUtil.hexDump(frame.ip(), tcp.optionsOffset(), tcp.optionsLength());
    }

    long tsVal() {
        int o = tcp.findOption(Tcp.OPT_TIMESTAMP);
        return o < 0 ? -1 : frame.ip().getUnsignedInt(o + 2);
    }

    long tsEcr() {
        int o = tcp.findOption(Tcp.OPT_TIMESTAMP);
        return o < 0 ? -1 : frame.ip().getUnsignedInt(o + 6);
    }

    boolean checksumsValid() {
        ByteBuf b = frame.ip();
        int segLen = ip.totalLength() - ip.headerLength();
        return ip.verifyChecksum() && tcp.verifyChecksum(ip.src(), ip.dst(), segLen);
    }

    @Override
    public String toString() {
        return TcpSocket.describe(ip.src(), tcp.srcPort(), ip.dst(), tcp.dstPort(), flags(), (int) seq(), (int) ack(),
                window(), payloadLength()) + " id " + ip.id();
    }
}
