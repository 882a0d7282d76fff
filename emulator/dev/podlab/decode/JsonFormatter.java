package dev.podlab.decode;

import dev.podlab.packet.Arp;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Layers;
import dev.podlab.packet.LinuxSll;
import dev.podlab.packet.LinuxSll2;
import dev.podlab.packet.MacAddress;
import dev.podlab.packet.Sctp;
import dev.podlab.packet.SctpChunk;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.Udp;
import dev.podlab.packet.Vxlan;
import dev.podlab.trace.JsonWriter;
import io.netty.buffer.ByteBuf;

/**
 * Writes one dissected frame as a JSON object: its layers outermost first, each with its header
 * fields, and the problems found. Field names follow the headers' RFC names in snake case; numbers
 * are JSON numbers, addresses strings.
 *
 * <pre>{@code
 * {"layers": [{"type": "ethernet", "src": "36:dc:85:1e:b3:40", ...},
 *             {"type": "ipv4", "src": "192.168.203.1", "ttl": 64, ...},
 *             {"type": "udp", "src_port": 45149, "dst_port": 8472, ...},
 *             {"type": "vxlan", "flags": 8, "vni": 1},
 *             {"type": "ethernet", ...}, ...],
 *  "problems": []}
 * }</pre>
 */
public final class JsonFormatter {
    private final Ethernet eth = new Ethernet();
    private final LinuxSll sll = new LinuxSll();
    private final LinuxSll2 sll2 = new LinuxSll2();
    private final Arp arp = new Arp();
    private final Ipv4 ip = new Ipv4();
    private final Tcp tcp = new Tcp();
    private final Tcp.Options tcpOptions = new Tcp.Options();
    private final Udp udp = new Udp();
    private final Icmp4 icmp = new Icmp4();
    private final Sctp sctp = new Sctp();
    private final SctpChunk chunk = new SctpChunk();
    private final Vxlan vxlan = new Vxlan();
    private final StringBuilder scratch = new StringBuilder(64);

    /** Writes the "layers" and "problems" members into the object {@code json} has open. */
    public void format(ByteBuf buf, Layers layers, JsonWriter json) {
        json.name("layers").beginArray();
        for (int lv = 0; lv < layers.levels(); lv++) {
            link(buf, layers, lv, json);
            network(buf, layers, lv, json);
            transport(buf, layers, lv, json);
            if (layers.tunnelKind(lv) == Layers.TUNNEL_VXLAN) {
                vxlan.wrap(buf, layers.tunnelOffset(lv));
                json.beginObject().name("type").value("vxlan").name("level").value(lv)
                        .name("flags").value(vxlan.flags()).name("vni").value(vxlan.vni()).endObject();
            }
        }
        json.endArray();
        json.name("problems").beginArray();
        for (int lv = 0; lv < layers.levels(); lv++) {
            if (layers.flags(lv) != 0) {
                scratch.setLength(0);
                json.value(layers.describeProblems(lv, scratch));
            }
        }
        json.endArray();
    }

    private void link(ByteBuf buf, Layers layers, int lv, JsonWriter json) {
        int off = layers.l2Offset(lv);
        boolean cut = layers.has(lv, Layers.FLAG_TRUNCATED)
                && (layers.truncatedHeader(lv) == Layers.HDR_ETHERNET || layers.truncatedHeader(lv) == Layers.HDR_SLL
                || layers.truncatedHeader(lv) == Layers.HDR_SLL2);
        if (off < 0 || cut) {
            return;
        }
        switch (layers.l2Kind(lv)) {
            case Layers.L2_ETHERNET -> {
                eth.wrap(buf, off);
                json.beginObject().name("type").value("ethernet").name("level").value(lv)
                        .name("src").value(MacAddress.toString(eth.src()))
                        .name("dst").value(MacAddress.toString(eth.dst()))
                        .name("ethertype").value(layers.etherType(lv));
                if (layers.vlanCount(lv) > 0) {
                    json.name("vlans").beginArray();
                    for (int i = 0; i < layers.vlanCount(lv); i++) {
                        int tci = layers.vlanTci(lv, i);
                        json.beginObject().name("tpid").value(layers.vlanTpid(lv, i))
                                .name("vid").value(tci & 0x0fff).name("pcp").value(tci >>> 13)
                                .name("dei").value((tci & 0x1000) != 0).endObject();
                    }
                    json.endArray();
                }
                json.endObject();
            }
            case Layers.L2_SLL -> {
                sll.wrap(buf, off);
                json.beginObject().name("type").value("linux_sll").name("level").value(lv)
                        .name("packet_type").value(sll.packetType())
                        .name("hardware_type").value(sll.hardwareType());
                if (sll.addressLength() == 6) {
                    json.name("src").value(MacAddress.toString(sll.mac()));
                }
                json.name("protocol").value(sll.protocol()).endObject();
            }
            case Layers.L2_SLL2 -> {
                sll2.wrap(buf, off);
                json.beginObject().name("type").value("linux_sll2").name("level").value(lv)
                        .name("ifindex").value(sll2.interfaceIndex())
                        .name("packet_type").value(sll2.packetType())
                        .name("hardware_type").value(sll2.hardwareType());
                if (sll2.addressLength() == 6) {
                    json.name("src").value(MacAddress.toString(sll2.mac()));
                }
                json.name("protocol").value(sll2.protocol()).endObject();
            }
            case Layers.L2_NULL -> json.beginObject().name("type").value("null").name("level").value(lv).endObject();
            default -> { }
        }
    }

    private void network(ByteBuf buf, Layers layers, int lv, JsonWriter json) {
        int off = layers.l3Offset(lv);
        if (off < 0) {
            return;
        }
        switch (layers.l3Kind(lv)) {
            case Layers.L3_IPV4 -> {
                if (layers.has(lv, Layers.FLAG_TRUNCATED) && layers.truncatedHeader(lv) == Layers.HDR_IPV4
                        || layers.has(lv, Layers.FLAG_BAD_IP_VERSION)) {
                    return;
                }
                ip.wrap(buf, off);
                json.beginObject().name("type").value("ipv4").name("level").value(lv)
                        .name("src").value(Ipv4Address.toString(ip.src()))
                        .name("dst").value(Ipv4Address.toString(ip.dst()))
                        .name("header_length").value(ip.ihl() * 4)
                        .name("tos").value(ip.tos())
                        .name("total_length").value(ip.totalLength())
                        .name("id").value(ip.id())
                        .name("df").value(ip.dontFragment())
                        .name("mf").value(ip.moreFragments())
                        .name("fragment_offset").value(ip.fragmentOffset())
                        .name("ttl").value(ip.ttl())
                        .name("protocol").value(ip.protocol())
                        .name("checksum").value(ip.checksum());
                if (!layers.has(lv, Layers.FLAG_BAD_IHL)) {
                    json.name("checksum_ok").value(ip.computeChecksum() == ip.checksum());
                }
                json.endObject();
            }
            case Layers.L3_ARP -> {
                if (layers.has(lv, Layers.FLAG_TRUNCATED) && layers.truncatedHeader(lv) == Layers.HDR_ARP) {
                    return;
                }
                arp.wrap(buf, off);
                json.beginObject().name("type").value("arp").name("level").value(lv).name("op").value(arp.op());
                if (arp.isEthernetIpv4()) {
                    json.name("sender_mac").value(MacAddress.toString(arp.sha()))
                            .name("sender_ip").value(Ipv4Address.toString(arp.spa()))
                            .name("target_mac").value(MacAddress.toString(arp.tha()))
                            .name("target_ip").value(Ipv4Address.toString(arp.tpa()));
                } else {
                    json.name("hardware_type").value(arp.hardwareType())
                            .name("protocol_type").value(arp.protocolType());
                }
                json.endObject();
            }
            case Layers.L3_IPV6 -> {
                if (layers.has(lv, Layers.FLAG_TRUNCATED) && layers.truncatedHeader(lv) == Layers.HDR_IPV6) {
                    return;
                }
                scratch.setLength(0);
                String src = Ipv6Text.appendAddress(scratch, buf, off + 8).toString();
                scratch.setLength(0);
                String dst = Ipv6Text.appendAddress(scratch, buf, off + 24).toString();
                json.beginObject().name("type").value("ipv6").name("level").value(lv)
                        .name("src").value(src).name("dst").value(dst)
                        .name("next_header").value(buf.getUnsignedByte(off + 6))
                        .name("payload_length").value(buf.getUnsignedShort(off + 4)).endObject();
            }
            case Layers.L3_OTHER -> json.beginObject().name("type").value("ethertype").name("level").value(lv)
                    .name("ethertype").value(layers.etherType(lv)).endObject();
            default -> { }
        }
    }

    private void transport(ByteBuf buf, Layers layers, int lv, JsonWriter json) {
        int off = layers.l4Offset(lv);
        if (off < 0) {
            return;
        }
        boolean cut = layers.has(lv, Layers.FLAG_TRUNCATED) && layers.truncatedOffset(lv) == off;
        switch (layers.l4Kind(lv)) {
            case Layers.L4_TCP -> {
                if (cut) {
                    return;
                }
                tcp.wrap(buf, off);
                json.beginObject().name("type").value("tcp").name("level").value(lv)
                        .name("src_port").value(tcp.srcPort()).name("dst_port").value(tcp.dstPort())
                        .name("seq").value(tcp.seq()).name("ack").value(tcp.ack())
                        .name("header_length").value(tcp.headerLength())
                        .name("flags").value(tcp.flags())
                        .name("window").value(tcp.window())
                        .name("checksum").value(tcp.checksum())
                        .name("urgent_pointer").value(tcp.urgentPointer());
                if (tcp.headerLength() > Tcp.MIN_HEADER_LENGTH) {
                    json.name("options").beginArray();
                    int available = layers.frameOffset() + layers.frameLength() - off;
                    tcpOptions.wrap(tcp, available);
                    while (tcpOptions.next() && !tcpOptions.truncated() && !tcpOptions.malformed()) {
                        json.beginObject().name("kind").value(tcpOptions.kind());
                        switch (tcpOptions.kind()) {
                            case Tcp.OPT_MSS -> json.name("mss").value(tcpOptions.mss());
                            case Tcp.OPT_WINDOW -> json.name("wscale").value(tcpOptions.windowScale());
                            case Tcp.OPT_TIMESTAMP -> json.name("ts_val").value(tcpOptions.tsVal())
                                    .name("ts_ecr").value(tcpOptions.tsEcr());
                            case Tcp.OPT_SACK -> {
                                json.name("blocks").beginArray();
                                for (int i = 0; i < tcpOptions.sackBlocks(); i++) {
                                    json.beginArray().value(tcpOptions.sackLeft(i)).value(tcpOptions.sackRight(i))
                                            .endArray();
                                }
                                json.endArray();
                            }
                            default -> { }
                        }
                        json.endObject();
                    }
                    json.endArray();
                }
                payload(layers, lv, json);
                json.endObject();
            }
            case Layers.L4_UDP -> {
                if (cut) {
                    return;
                }
                udp.wrap(buf, off);
                json.beginObject().name("type").value("udp").name("level").value(lv)
                        .name("src_port").value(udp.srcPort()).name("dst_port").value(udp.dstPort())
                        .name("length").value(udp.length()).name("checksum").value(udp.checksum());
                payload(layers, lv, json);
                json.endObject();
            }
            case Layers.L4_ICMP -> {
                if (cut) {
                    return;
                }
                icmp.wrap(buf, off);
                json.beginObject().name("type").value("icmp").name("level").value(lv)
                        .name("icmp_type").value(icmp.type()).name("code").value(icmp.code())
                        .name("checksum").value(icmp.checksum());
                if (icmp.type() == Icmp4.ECHO || icmp.type() == Icmp4.ECHO_REPLY) {
                    json.name("id").value(icmp.id()).name("seq").value(icmp.sequence());
                } else if (icmp.type() == Icmp4.DEST_UNREACH && icmp.code() == Icmp4.FRAG_NEEDED) {
                    json.name("next_hop_mtu").value(icmp.nextHopMtu());
                }
                payload(layers, lv, json);
                json.endObject();
            }
            case Layers.L4_SCTP -> {
                if (cut) {
                    return;
                }
                sctp.wrap(buf, off);
                json.beginObject().name("type").value("sctp").name("level").value(lv)
                        .name("src_port").value(sctp.srcPort()).name("dst_port").value(sctp.dstPort())
                        .name("verification_tag").value(sctp.verificationTag() & 0xffffffffL)
                        .name("checksum").value(sctp.checksum());
                json.name("chunks").beginArray();
                int end = Math.min(layers.frameOffset() + layers.frameLength(), layers.l3End(lv));
                for (int p = sctp.chunksOffset(); p + SctpChunk.HEADER_LENGTH <= end; ) {
                    chunk.wrap(buf, p);
                    json.beginObject().name("type").value(chunk.type()).name("flags").value(chunk.flags())
                            .name("length").value(chunk.length()).endObject();
                    if (chunk.length() < SctpChunk.HEADER_LENGTH) {
                        break;
                    }
                    p = chunk.nextOffset();
                }
                json.endArray().endObject();
            }
            case Layers.L4_OTHER -> json.beginObject().name("type").value("ip_protocol").name("level").value(lv)
                    .name("protocol").value(layers.ipProtocol(lv)).endObject();
            default -> { }
        }
    }

    private static void payload(Layers layers, int lv, JsonWriter json) {
        if (layers.payloadOffset(lv) >= 0) {
            json.name("payload_length").value(layers.payloadLength(lv));
        }
    }
}
