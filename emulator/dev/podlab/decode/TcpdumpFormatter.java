package dev.podlab.decode;

import dev.podlab.packet.Arp;
import dev.podlab.packet.EtherType;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Layers;
import dev.podlab.packet.LinuxSll;
import dev.podlab.packet.LinuxSll2;
import dev.podlab.packet.MacAddress;
import dev.podlab.packet.Sctp;
import dev.podlab.packet.SctpChunk;
import dev.podlab.packet.SctpInit;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.Udp;
import dev.podlab.packet.Vxlan;
import io.netty.buffer.ByteBuf;

/**
 * Formats one dissected frame the way {@code tcpdump -n} prints it: the same words, the same
 * punctuation, relative TCP sequence numbers per conversation, {@code -e} for link-level headers
 * and {@code -v} for the IPv4 header and transport checksums. An encapsulated frame (VXLAN,
 * IP-in-IP) continues on the next line with the inner packet, as tcpdump's {@code vxlan_print}
 * does.
 *
 * <p>Where tcpdump would go on into an application protocol (DNS, BGP, HTTP), podlab stops at
 * the transport header: its lines are then a prefix of tcpdump's. Those lines are checked
 * against tcpdump's own expected outputs in the corpus.
 *
 * <p>One formatter per capture: it keeps the TCP conversation table that makes sequence numbers
 * relative (print-tcp.c's {@code tcp_seq_hash}). Not thread-safe.
 */
public final class TcpdumpFormatter {
    private final boolean linkHeaders;
    private final boolean verbose;
    private final TcpSequenceTable tcpSequences = new TcpSequenceTable();

    private final Ethernet eth = new Ethernet();
    private final LinuxSll sll = new LinuxSll();
    private final LinuxSll2 sll2 = new LinuxSll2();
    private final Arp arp = new Arp();
    private final Ipv4 ip = new Ipv4();
    private final Tcp tcp = new Tcp();
    private final Tcp.Options tcpOptions = new Tcp.Options();
    private final Udp udp = new Udp();
    private final Icmp4 icmp = new Icmp4();
    private final Ipv4 quoted = new Ipv4();
    private final Sctp sctp = new Sctp();
    private final SctpChunk chunk = new SctpChunk();
    private final SctpInit init = new SctpInit();
    private final Vxlan vxlan = new Vxlan();

    /**
     * @param linkHeaders print link-level headers ({@code tcpdump -e})
     * @param verbose     print IPv4 header fields and transport checksums ({@code tcpdump -v})
     */
    public TcpdumpFormatter(boolean linkHeaders, boolean verbose) {
        this.linkHeaders = linkHeaders;
        this.verbose = verbose;
    }

    /**
     * Appends the body of the line for a frame (everything after the timestamp), without a final
     * newline; encapsulated levels are separated by newlines.
     *
     * @param originalLength the frame's length on the wire (may exceed what was captured)
     */
    public StringBuilder format(ByteBuf buf, Layers layers, int originalLength, StringBuilder sb) {
        int wireLength = originalLength;
        for (int lv = 0; lv < layers.levels(); lv++) {
            if (lv > 0) {
                sb.append('\n');
                wireLength = innerWireLength(layers, lv);
            }
            if (!level(buf, layers, lv, wireLength, sb)) {
                break;
            }
        }
        return sb;
    }

    /** Length an inner frame had: the rest of the outer datagram after the tunnel header. */
    private static int innerWireLength(Layers layers, int lv) {
        int outer = lv - 1;
        int end = layers.l3End(outer);
        int start = layers.l2Kind(lv) != Layers.L2_NONE ? layers.l2Offset(lv) : layers.l3Offset(lv);
        return end > start ? end - start : 0;
    }

    /** Formats one level; returns false when the walk must stop (truncation, bad header). */
    private boolean level(ByteBuf buf, Layers layers, int lv, int wireLength, StringBuilder sb) {
        if (layers.has(lv, Layers.FLAG_UNKNOWN_LINK_TYPE)) {
            sb.append("[unsupported link type ").append(layers.linkType()).append(']');
            return false;
        }
        boolean printedLink = linkHeader(buf, layers, lv, wireLength, sb);
        if (layers.has(lv, Layers.FLAG_TRUNCATED) && layers.l3Kind(lv) == Layers.L3_NONE) {
            sb.append("[|").append(truncName(layers.truncatedHeader(lv))).append(']');
            return false;
        }
        switch (layers.l3Kind(lv)) {
            case Layers.L3_IPV4 -> {
                return ipv4(buf, layers, lv, printedLink, sb);
            }
            case Layers.L3_ARP -> {
                arp(buf, layers, lv, wireLength, printedLink, sb);
                return false;
            }
            case Layers.L3_IPV6 -> {
                ipv6(buf, layers, lv, printedLink, sb);
                return false;
            }
            case Layers.L3_OTHER -> {
                if (!printedLink) {
                    // tcpdump prints the link header of a frame it cannot decode, -e or not.
                    forceLinkHeader(buf, layers, lv, wireLength, sb);
                }
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    // ------------------------------------------------------------------ link layer

    private boolean linkHeader(ByteBuf buf, Layers layers, int lv, int wireLength, StringBuilder sb) {
        if (!linkHeaders) {
            return false;
        }
        return forceLinkHeader(buf, layers, lv, wireLength, sb);
    }

    private boolean forceLinkHeader(ByteBuf buf, Layers layers, int lv, int wireLength, StringBuilder sb) {
        switch (layers.l2Kind(lv)) {
            case Layers.L2_ETHERNET -> {
                if (layers.has(lv, Layers.FLAG_TRUNCATED) && layers.truncatedHeader(lv) == Layers.HDR_ETHERNET) {
                    return false;
                }
                eth.wrap(buf, layers.l2Offset(lv));
                MacAddress.appendTo(sb, eth.src()).append(" > ");
                MacAddress.appendTo(sb, eth.dst()).append(", ");
                int type = eth.etherType();
                if (layers.vlanCount(lv) > 0) {
                    etherType(sb, layers.vlanTpid(lv, 0));
                    sb.append(", length ").append(wireLength).append(": ");
                    for (int i = 0; i < layers.vlanCount(lv); i++) {
                        int tci = layers.vlanTci(lv, i);
                        sb.append("vlan ").append(tci & 0x0fff).append(", p ").append(tci >>> 13);
                        if ((tci & 0x1000) != 0) {
                            sb.append(", DEI");
                        }
                        sb.append(", ");
                        etherType(sb, i + 1 < layers.vlanCount(lv) ? layers.vlanTpid(lv, i + 1) : layers.etherType(lv));
                        sb.append(", ");
                    }
                } else {
                    etherType(sb, type);
                    sb.append(", length ").append(wireLength).append(": ");
                }
                return true;
            }
            case Layers.L2_SLL -> {
                sll.wrap(buf, layers.l2Offset(lv));
                sb.append(sllPacketType(sll.packetType())).append(' ');
                if (sll.addressLength() == 6) {
                    MacAddress.appendTo(sb, sll.mac()).append(' ');
                }
                sb.append("ethertype ");
                etherTypeName(sb, layers.etherType(lv));
                sb.append(" (0x");
                hex4(sb, layers.etherType(lv));
                sb.append("), length ").append(wireLength).append(": ");
                return true;
            }
            case Layers.L2_SLL2 -> {
                sll2.wrap(buf, layers.l2Offset(lv));
                sb.append("ifindex ").append(sll2.interfaceIndex()).append(' ');
                sb.append(sllPacketType(sll2.packetType())).append(' ');
                if (sll2.addressLength() == 6) {
                    MacAddress.appendTo(sb, sll2.mac()).append(' ');
                }
                sb.append("ethertype ");
                etherTypeName(sb, layers.etherType(lv));
                sb.append(" (0x");
                hex4(sb, layers.etherType(lv));
                sb.append("), length ").append(wireLength).append(": ");
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private static String sllPacketType(int type) {
        return switch (type) {
            case 0 -> "In";
            case 1 -> "B";
            case 2 -> "M";
            case 3 -> "P";
            case 4 -> "Out";
            default -> "pkttype-" + type;
        };
    }

    private static void etherType(StringBuilder sb, int type) {
        sb.append("ethertype ");
        etherTypeName(sb, type);
        sb.append(" (0x");
        hex4(sb, type);
        sb.append(')');
    }

    private static void etherTypeName(StringBuilder sb, int type) {
        sb.append(switch (type) {
            case EtherType.IPV4 -> "IPv4";
            case EtherType.ARP -> "ARP";
            case EtherType.IPV6 -> "IPv6";
            case EtherType.VLAN -> "802.1Q";
            case EtherType.QINQ -> "802.1Q-QinQ";
            case EtherType.AOE -> "AoE";
            default -> "Unknown";
        });
    }

    // ------------------------------------------------------------------ ARP

    private void arp(ByteBuf buf, Layers layers, int lv, int wireLength, boolean printedLink, StringBuilder sb) {
        if (!printedLink) {
            sb.append("ARP, ");
        }
        int off = layers.l3Offset(lv);
        int arpLength = wireLength - (off - (layers.l2Kind(lv) == Layers.L2_NONE ? off : layers.l2Offset(lv)));
        if (layers.has(lv, Layers.FLAG_TRUNCATED) && layers.truncatedHeader(lv) == Layers.HDR_ARP) {
            sb.append("[|arp]");
            return;
        }
        arp.wrap(buf, off);
        if (!arp.isEthernetIpv4()) {
            sb.append("hardware type ").append(arp.hardwareType()).append(" (len ").append(arp.hardwareLength())
                    .append("), protocol 0x");
            hex4(sb, arp.protocolType());
            sb.append(" (len ").append(arp.protocolLength()).append("), op ").append(arp.op())
                    .append(", length ").append(arpLength);
            return;
        }
        switch (arp.op()) {
            case Arp.OP_REQUEST -> {
                sb.append("Request who-has ");
                Ipv4Address.appendTo(sb, arp.tpa());
                if (arp.tha() != 0) {
                    sb.append(" (");
                    MacAddress.appendTo(sb, arp.tha()).append(')');
                }
                sb.append(" tell ");
                Ipv4Address.appendTo(sb, arp.spa());
            }
            case Arp.OP_REPLY -> {
                sb.append("Reply ");
                Ipv4Address.appendTo(sb, arp.spa());
                sb.append(" is-at ");
                MacAddress.appendTo(sb, arp.sha());
            }
            default -> sb.append("op ").append(arp.op());
        }
        sb.append(", length ").append(arpLength);
    }

    // ------------------------------------------------------------------ IPv6 (addresses only)

    private void ipv6(ByteBuf buf, Layers layers, int lv, boolean printedLink, StringBuilder sb) {
        int off = layers.l3Offset(lv);
        if (!printedLink) {
            sb.append("IP6 ");
        }
        if (layers.has(lv, Layers.FLAG_TRUNCATED) && layers.truncatedHeader(lv) == Layers.HDR_IPV6) {
            sb.append("[|ip6]");
            return;
        }
        Ipv6Text.appendAddress(sb, buf, off + 8);
        sb.append(" > ");
        Ipv6Text.appendAddress(sb, buf, off + 24);
        sb.append(": next-header ").append(buf.getUnsignedByte(off + 6))
                .append(", payload length ").append(buf.getUnsignedShort(off + 4));
    }

    // ------------------------------------------------------------------ IPv4

    private boolean ipv4(ByteBuf buf, Layers layers, int lv, boolean printedLink, StringBuilder sb) {
        int off = layers.l3Offset(lv);
        if (!printedLink) {
            sb.append("IP ");
        }
        if (layers.has(lv, Layers.FLAG_BAD_IP_VERSION)) {
            sb.append(" [version ").append(buf.getUnsignedByte(off) >>> 4).append(" != 4] (invalid)");
            return false;
        }
        if (layers.has(lv, Layers.FLAG_TRUNCATED) && layers.truncatedHeader(lv) == Layers.HDR_IPV4) {
            sb.append("[|ip]");
            return false;
        }
        ip.wrap(buf, off);
        if (layers.has(lv, Layers.FLAG_BAD_IHL)) {
            sb.append(" [header length ").append(ip.ihl() * 4).append(" < 20] (invalid)");
            return false;
        }
        if (verbose) {
            ipv4Verbose(sb);
        }
        if (layers.has(lv, Layers.FLAG_BAD_IP_TOTAL_LENGTH)) {
            Ipv4Address.appendTo(sb, ip.src()).append(" > ");
            Ipv4Address.appendTo(sb, ip.dst());
            sb.append(": [total length ").append(ip.totalLength()).append(" < header length ")
                    .append(ip.headerLength()).append("] (invalid)");
            return false;
        }
        int l4Length = ip.totalLength() - ip.headerLength();
        if (ip.fragmentOffset() != 0) {
            Ipv4Address.appendTo(sb, ip.src()).append(" > ");
            Ipv4Address.appendTo(sb, ip.dst());
            sb.append(": ");
            protocolName(sb, ip.protocol());
            sb.append(" (fragment offset ").append(ip.fragmentOffset()).append(")");
            return false;
        }
        switch (layers.l4Kind(lv)) {
            case Layers.L4_TCP -> tcp(buf, layers, lv, l4Length, sb);
            case Layers.L4_UDP -> {
                return udp(buf, layers, lv, sb);
            }
            case Layers.L4_ICMP -> icmp(buf, layers, lv, l4Length, sb);
            case Layers.L4_SCTP -> sctp(buf, layers, lv, sb);
            default -> {
                Ipv4Address.appendTo(sb, ip.src()).append(" > ");
                Ipv4Address.appendTo(sb, ip.dst());
                sb.append(": ");
                if (layers.tunnelKind(lv) == Layers.TUNNEL_IPIP || layers.tunnelKind(lv) == Layers.TUNNEL_6IN4) {
                    // tcpdump continues with the inner datagram on the same line.
                    return continueSameLine(buf, layers, lv, sb);
                }
                sb.append("ip-proto-").append(ip.protocol()).append(' ').append(l4Length);
            }
        }
        return true;
    }

    /**
     * IP-in-IP: tcpdump prints the inner datagram on the same line. The caller's loop would start
     * a new line, so the inner level is formatted here and the walk ends.
     */
    private boolean continueSameLine(ByteBuf buf, Layers layers, int lv, StringBuilder sb) {
        int next = lv + 1;
        while (next < layers.levels()) {
            int innerLength = innerWireLength(layers, next);
            if (!level(buf, layers, next, innerLength, sb)) {
                return false;
            }
            if (next + 1 < layers.levels()) {
                sb.append('\n');
            }
            next++;
        }
        return false;
    }

    private void ipv4Verbose(StringBuilder sb) {
        sb.append("(tos 0x").append(Integer.toHexString(ip.tos()));
        switch (ip.ecn()) {
            case 1 -> sb.append(",ECT(1)");
            case 2 -> sb.append(",ECT(0)");
            case 3 -> sb.append(",CE");
            default -> { }
        }
        sb.append(", ttl ").append(ip.ttl()).append(", id ").append(ip.id())
                .append(", offset ").append(ip.fragmentOffset()).append(", flags [");
        boolean any = false;
        if (ip.moreFragments()) {
            sb.append('+');
            any = true;
        }
        if (ip.dontFragment()) {
            sb.append(any ? ", DF" : "DF");
            any = true;
        }
        if (ip.reservedFlag()) {
            sb.append(any ? ", rsvd" : "rsvd");
            any = true;
        }
        if (!any) {
            sb.append("none");
        }
        sb.append("], proto ");
        protocolName(sb, ip.protocol());
        sb.append(" (").append(ip.protocol()).append("), length ").append(ip.totalLength());
        if (ip.hasOptions()) {
            sb.append(", options (").append(ip.headerLength() - Ipv4.MIN_HEADER_LENGTH).append(" bytes)");
        }
        int computed = ip.computeChecksum();
        if (computed != ip.checksum()) {
            sb.append(", bad cksum ").append(Integer.toHexString(ip.checksum()))
                    .append(" (->").append(Integer.toHexString(computed)).append(")!");
        }
        sb.append(")\n    ");
    }

    private static void protocolName(StringBuilder sb, int protocol) {
        sb.append(switch (protocol) {
            case IpProtocol.ICMP -> "ICMP";
            case IpProtocol.IPIP -> "IPIP";
            case IpProtocol.TCP -> "TCP";
            case IpProtocol.UDP -> "UDP";
            case IpProtocol.IPV6 -> "IPv6";
            case IpProtocol.GRE -> "GRE";
            case IpProtocol.SCTP -> "SCTP";
            case 112 -> "VRRP";
            default -> "unknown";
        });
    }

    private void addressesAndPorts(int srcPort, int dstPort, StringBuilder sb) {
        Ipv4Address.appendTo(sb, ip.src()).append('.').append(srcPort).append(" > ");
        Ipv4Address.appendTo(sb, ip.dst()).append('.').append(dstPort).append(": ");
    }

    private boolean portsCaptured(Layers layers, int lv) {
        return !(layers.has(lv, Layers.FLAG_TRUNCATED) && layers.truncatedAvailable(lv) < 4
                && layers.truncatedOffset(lv) == layers.l4Offset(lv));
    }

    private boolean l4Truncated(Layers layers, int lv, int header) {
        return layers.has(lv, Layers.FLAG_TRUNCATED) && layers.truncatedHeader(lv) == header;
    }

    // ------------------------------------------------------------------ TCP

    private void tcp(ByteBuf buf, Layers layers, int lv, int segmentLength, StringBuilder sb) {
        tcp.wrap(buf, layers.l4Offset(lv));
        if (l4Truncated(layers, lv, Layers.HDR_TCP)) {
            if (portsCaptured(layers, lv)) {
                addressesAndPorts(tcp.srcPort(), tcp.dstPort(), sb);
            } else {
                Ipv4Address.appendTo(sb, ip.src()).append(" > ");
                Ipv4Address.appendTo(sb, ip.dst()).append(": ");
            }
            sb.append(" [|tcp]");
            return;
        }
        addressesAndPorts(tcp.srcPort(), tcp.dstPort(), sb);
        int headerLength = tcp.headerLength();
        if (layers.has(lv, Layers.FLAG_BAD_TCP_DATA_OFFSET)) {
            sb.append("tcp ").append(segmentLength).append(" [bad hdr length ").append(headerLength)
                    .append(" - too short, < 20]");
            return;
        }
        int flags = tcp.flags() & 0xff;
        sb.append("Flags [");
        tcpFlags(sb, flags);
        sb.append(']');

        long seq = tcp.seq();
        long ack = tcp.ack();
        if ((flags & Tcp.ACK) != 0) {
            long[] rel = tcpSequences.relative(ip.src(), ip.dst(), tcp.srcPort(), tcp.dstPort(), seq, ack,
                    (flags & Tcp.SYN) != 0);
            seq = rel[0];
            ack = rel[1];
        }
        int payload = segmentLength - headerLength;
        if (verbose && layers.has(lv, Layers.FLAG_IP_SNAPLEN_CUT) == false
                && layers.payloadOffset(lv) >= 0 && buf.capacity() >= tcp.offset() + segmentLength) {
            int computed = tcp.computeChecksum(ip.src(), ip.dst(), segmentLength);
            sb.append(", cksum 0x");
            hex4(sb, tcp.checksum());
            if (computed != tcp.checksum()) {
                sb.append(" (incorrect -> 0x");
                hex4(sb, computed);
                sb.append(')');
            } else {
                sb.append(" (correct)");
            }
        }
        if (payload > 0 || (flags & (Tcp.SYN | Tcp.FIN | Tcp.RST)) != 0) {
            sb.append(", seq ").append(seq);
            if (payload > 0) {
                sb.append(':').append((seq + payload) & 0xffffffffL);
            }
        }
        if ((flags & Tcp.ACK) != 0) {
            sb.append(", ack ").append(ack);
        }
        sb.append(", win ").append(tcp.window());
        if ((flags & Tcp.URG) != 0) {
            sb.append(", urg ").append(tcp.urgentPointer());
        }
        if (headerLength > Tcp.MIN_HEADER_LENGTH) {
            sb.append(", options [");
            tcpOptions(buf, layers, lv, sb);
            sb.append(']');
        }
        sb.append(", length ").append(Math.max(payload, 0));
    }

    private static void tcpFlags(StringBuilder sb, int flags) {
        if (flags == 0) {
            sb.append("none");
            return;
        }
        // print-tcp.c's tcp_flag_values order.
        if ((flags & Tcp.FIN) != 0) sb.append('F');
        if ((flags & Tcp.SYN) != 0) sb.append('S');
        if ((flags & Tcp.RST) != 0) sb.append('R');
        if ((flags & Tcp.PSH) != 0) sb.append('P');
        if ((flags & Tcp.ACK) != 0) sb.append('.');
        if ((flags & Tcp.URG) != 0) sb.append('U');
        if ((flags & Tcp.ECE) != 0) sb.append('E');
        if ((flags & Tcp.CWR) != 0) sb.append('W');
    }

    private void tcpOptions(ByteBuf buf, Layers layers, int lv, StringBuilder sb) {
        int available = layers.frameOffset() + layers.frameLength() - tcp.offset();
        tcpOptions.wrap(tcp, available);
        boolean first = true;
        while (tcpOptions.next()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            if (tcpOptions.truncated()) {
                sb.append("[|tcp]");
                return;
            }
            if (tcpOptions.malformed()) {
                sb.append("bad opt");
                return;
            }
            int kind = tcpOptions.kind();
            switch (kind) {
                case Tcp.OPT_EOL -> sb.append("eol");
                case Tcp.OPT_NOP -> sb.append("nop");
                case Tcp.OPT_MSS -> sb.append("mss ").append(tcpOptions.mss());
                case Tcp.OPT_WINDOW -> sb.append("wscale ").append(tcpOptions.windowScale());
                case Tcp.OPT_SACK_PERM -> sb.append("sackOK");
                case Tcp.OPT_SACK -> {
                    sb.append("sack ").append(tcpOptions.sackBlocks()).append(' ');
                    for (int i = 0; i < tcpOptions.sackBlocks(); i++) {
                        sb.append('{').append(tcpOptions.sackLeft(i)).append(':').append(tcpOptions.sackRight(i))
                                .append('}');
                    }
                }
                case Tcp.OPT_TIMESTAMP -> sb.append("TS val ").append(tcpOptions.tsVal()).append(" ecr ")
                        .append(tcpOptions.tsEcr());
                default -> {
                    sb.append("unknown-").append(kind);
                    int len = tcpOptions.length();
                    if (len > 2) {
                        sb.append(" 0x");
                        for (int i = 2; i < len; i++) {
                            hex2(sb, buf.getUnsignedByte(tcpOptions.offset() + i));
                        }
                    }
                }
            }
            if (!tcpOptions.hasExpectedLength()) {
                sb.append(" [len ").append(tcpOptions.length()).append(']');
            }
            if (kind == Tcp.OPT_EOL) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ UDP and VXLAN

    private boolean udp(ByteBuf buf, Layers layers, int lv, StringBuilder sb) {
        udp.wrap(buf, layers.l4Offset(lv));
        if (l4Truncated(layers, lv, Layers.HDR_UDP)) {
            if (portsCaptured(layers, lv)) {
                addressesAndPorts(udp.srcPort(), udp.dstPort(), sb);
            } else {
                Ipv4Address.appendTo(sb, ip.src()).append(" > ");
                Ipv4Address.appendTo(sb, ip.dst()).append(": ");
            }
            sb.append(" [|udp]");
            return false;
        }
        addressesAndPorts(udp.srcPort(), udp.dstPort(), sb);
        if (layers.has(lv, Layers.FLAG_BAD_UDP_LENGTH)) {
            sb.append("[bad udp length ").append(udp.length()).append(']');
            return false;
        }
        if (layers.tunnelKind(lv) == Layers.TUNNEL_VXLAN
                || (l4Truncated(layers, lv, Layers.HDR_VXLAN))) {
            if (l4Truncated(layers, lv, Layers.HDR_VXLAN)) {
                sb.append("VXLAN [|vxlan]");
                return false;
            }
            vxlan.wrap(buf, layers.tunnelOffset(lv));
            sb.append("VXLAN, flags [").append(vxlan.iFlag() ? 'I' : '.').append("] (0x");
            hex2(sb, vxlan.flags());
            sb.append("), vni ").append(vxlan.vni());
            return true;
        }
        sb.append("UDP, length ").append(Math.max(udp.length() - Udp.HEADER_LENGTH, 0));
        return true;
    }

    // ------------------------------------------------------------------ ICMP

    private void icmp(ByteBuf buf, Layers layers, int lv, int icmpLength, StringBuilder sb) {
        Ipv4Address.appendTo(sb, ip.src()).append(" > ");
        Ipv4Address.appendTo(sb, ip.dst()).append(": ");
        if (l4Truncated(layers, lv, Layers.HDR_ICMP)) {
            sb.append("ICMP [|icmp]");
            return;
        }
        icmp.wrap(buf, layers.l4Offset(lv));
        sb.append("ICMP ");
        int type = icmp.type();
        int code = icmp.code();
        switch (type) {
            case Icmp4.ECHO -> sb.append("echo request, id ").append(icmp.id()).append(", seq ").append(icmp.sequence());
            case Icmp4.ECHO_REPLY -> sb.append("echo reply, id ").append(icmp.id()).append(", seq ").append(icmp.sequence());
            case Icmp4.DEST_UNREACH -> unreachable(buf, layers, code, sb);
            case Icmp4.TIME_EXCEEDED -> sb.append(code == Icmp4.EXC_FRAGTIME
                    ? "ip reassembly time exceeded" : "time exceeded in-transit");
            default -> sb.append("type-#").append(type);
        }
        sb.append(", length ").append(icmpLength);
    }

    /** print-icmp.c's wording for destination unreachable, naming the quoted destination. */
    private void unreachable(ByteBuf buf, Layers layers, int code, StringBuilder sb) {
        int quotedOffset = icmp.dataOffset();
        int captureEnd = layers.frameOffset() + layers.frameLength();
        boolean haveQuote = captureEnd - quotedOffset >= Ipv4.MIN_HEADER_LENGTH;
        if (!haveQuote) {
            sb.append("unreachable code ").append(code);
            return;
        }
        quoted.wrap(buf, quotedOffset);
        int dst = quoted.dst();
        switch (code) {
            case Icmp4.NET_UNREACH -> Ipv4Address.appendTo(sb.append("net "), dst).append(" unreachable");
            case Icmp4.HOST_UNREACH -> Ipv4Address.appendTo(sb.append("host "), dst).append(" unreachable");
            case Icmp4.PROT_UNREACH -> Ipv4Address.appendTo(sb, dst).append(" protocol ")
                    .append(quoted.protocol()).append(" unreachable");
            case Icmp4.PORT_UNREACH -> {
                Ipv4Address.appendTo(sb, dst);
                int l4 = quotedOffset + quoted.headerLength();
                boolean portThere = captureEnd - l4 >= 4;
                String proto = quoted.protocol() == IpProtocol.UDP ? "udp"
                        : quoted.protocol() == IpProtocol.TCP ? "tcp" : null;
                if (proto != null && portThere) {
                    sb.append(' ').append(proto).append(" port ").append(buf.getUnsignedShort(l4 + 2));
                } else {
                    sb.append(" protocol ").append(quoted.protocol()).append(" port");
                }
                sb.append(" unreachable");
            }
            case Icmp4.FRAG_NEEDED -> Ipv4Address.appendTo(sb, dst).append(" unreachable - need to frag (mtu ")
                    .append(icmp.nextHopMtu()).append(')');
            case Icmp4.NET_ANO -> Ipv4Address.appendTo(sb.append("net "), dst).append(" unreachable - admin prohibited");
            case Icmp4.HOST_ANO -> Ipv4Address.appendTo(sb.append("host "), dst).append(" unreachable - admin prohibited");
            case Icmp4.PKT_FILTERED -> Ipv4Address.appendTo(sb, dst).append(" unreachable - admin prohibited filter");
            default -> Ipv4Address.appendTo(sb, dst).append(" unreachable - #").append(code);
        }
    }

    // ------------------------------------------------------------------ SCTP

    private void sctp(ByteBuf buf, Layers layers, int lv, StringBuilder sb) {
        sctp.wrap(buf, layers.l4Offset(lv));
        if (l4Truncated(layers, lv, Layers.HDR_SCTP)) {
            if (portsCaptured(layers, lv)) {
                addressesAndPorts(sctp.srcPort(), sctp.dstPort(), sb);
            }
            sb.append(" [|sctp]");
            return;
        }
        addressesAndPorts(sctp.srcPort(), sctp.dstPort(), sb);
        int end = Math.min(layers.frameOffset() + layers.frameLength(), layers.l3End(lv));
        int count = 0;
        for (int p = sctp.chunksOffset(); p + SctpChunk.HEADER_LENGTH <= end; ) {
            chunk.wrap(buf, p);
            count++;
            if (chunk.length() < SctpChunk.HEADER_LENGTH) {
                break;
            }
            p = chunk.nextOffset();
        }
        sb.append("sctp (").append(count).append(')');
        int n = 0;
        for (int p = sctp.chunksOffset(); p + SctpChunk.HEADER_LENGTH <= end; ) {
            chunk.wrap(buf, p);
            n++;
            sb.append(n == 1 ? " " : "\n\t").append(n).append(") ");
            switch (chunk.type()) {
                case SctpChunk.INIT, SctpChunk.INIT_ACK -> {
                    sb.append(chunk.type() == SctpChunk.INIT ? "[INIT] " : "[INIT ACK] ");
                    if (p + SctpInit.FIXED_LENGTH <= end) {
                        init.wrap(buf, p);
                        sb.append("[init tag: ").append(init.initiateTag() & 0xffffffffL)
                                .append("] [rwnd: ").append(init.aRwnd())
                                .append("] [OS: ").append(init.outboundStreams())
                                .append("] [MIS: ").append(init.inboundStreams())
                                .append("] [init TSN: ").append(init.initialTsn()).append(']');
                    } else {
                        sb.append("[|sctp]");
                    }
                }
                case SctpChunk.ABORT -> sb.append("[ABORT]");
                case SctpChunk.DATA -> sb.append("[DATA]");
                case SctpChunk.SACK -> sb.append("[SACK]");
                case SctpChunk.COOKIE_ECHO -> sb.append("[COOKIE ECHO]");
                case SctpChunk.COOKIE_ACK -> sb.append("[COOKIE ACK]");
                case SctpChunk.SHUTDOWN -> sb.append("[SHUTDOWN]");
                case SctpChunk.SHUTDOWN_ACK -> sb.append("[SHUTDOWN ACK]");
                case SctpChunk.SHUTDOWN_COMPLETE -> sb.append("[SHUTDOWN COMPLETE]");
                case SctpChunk.HEARTBEAT -> sb.append("[HB REQ]");
                case SctpChunk.HEARTBEAT_ACK -> sb.append("[HB ACK]");
                case SctpChunk.ERROR -> sb.append("[OP ERR]");
                default -> sb.append("[Unknown chunk type: ").append(chunk.type()).append(']');
            }
            if (chunk.length() < SctpChunk.HEADER_LENGTH) {
                break;
            }
            p = chunk.nextOffset();
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String truncName(int header) {
        return switch (header) {
            case Layers.HDR_ETHERNET -> "ether";
            case Layers.HDR_VLAN -> "vlan";
            case Layers.HDR_SLL -> "sll";
            case Layers.HDR_SLL2 -> "sll2";
            case Layers.HDR_NULL -> "null";
            default -> Layers.headerName(header).toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    static void hex2(StringBuilder sb, int v) {
        sb.append(HEX[(v >>> 4) & 0xf]).append(HEX[v & 0xf]);
    }

    static void hex4(StringBuilder sb, int v) {
        hex2(sb, (v >>> 8) & 0xff);
        hex2(sb, v & 0xff);
    }
}
