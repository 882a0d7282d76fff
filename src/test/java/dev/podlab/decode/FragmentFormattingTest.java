package dev.podlab.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.Dissector;
import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Ipv4Spec;
import dev.podlab.packet.Layers;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.TestFrames;
import dev.podlab.trace.JsonWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/**
 * Fragments in decode output. tcpdump's ip_print prints the offset field times 8 ("offset 1376")
 * and the MF flag as "+"; a non-first fragment carries no transport header.
 */
class FragmentFormattingTest {
    @Test
    void offsetIsPrintedInBytesAndMoreFragmentsAsPlus() {
        ByteBuf frame = TestFrames.heap().udp(new Ipv4Spec().df(false).id(4660)
                .addresses(Ipv4Address.parse("10.0.0.2"), Ipv4Address.parse("10.0.1.2")), 1000, 2000,
                Unpooled.wrappedBuffer(new byte[100]));
        int ipOff = frame.readerIndex() + Ethernet.HEADER_LENGTH;
        // Make it the second fragment of a larger datagram: offset 1376 bytes (field 172), MF set.
        new Ipv4().wrap(frame, ipOff).flagsFragment(Ipv4.FLAG_MF | (1376 / 8)).checksum(0).updateChecksum();
        Layers layers = new Dissector().dissect(frame, frame.readerIndex(), frame.readableBytes(), LinkType.ETHERNET,
                new Layers());
        String text = new TcpdumpFormatter(false, true).format(frame, layers, frame.readableBytes(), new StringBuilder())
                .toString();
        assertThat(text).startsWith("IP (tos 0x0, ttl 64, id 4660, offset 1376, flags [+], proto UDP (17), length 128)");
        StringBuilder json = new StringBuilder();
        JsonWriter w = new JsonWriter(json).beginObject();
        new JsonFormatter().format(frame, layers, w);
        w.endObject();
        assertThat(json.toString()).contains("\"fragment_offset\":1376").contains("\"mf\":true");
    }
}
