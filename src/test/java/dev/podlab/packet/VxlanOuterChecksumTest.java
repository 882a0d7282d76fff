package dev.podlab.packet;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The outer UDP checksum of a VXLAN datagram derived from the inner checksums (Linux's local
 * checksum offload, used when the inner checksums are known right) equals the checksum summed
 * over the whole datagram, for random TCP and UDP inner frames of every length parity, with and
 * without bytes after the inner datagram; and where the inner checksum is wrong or absent it is
 * still summed over the datagram, so the outer checksum always verifies.
 */
class VxlanOuterChecksumTest {
    private final Frames frames = new Frames(HeapFrames.ALLOCATOR);
    private final SplittableRandom rnd = new SplittableRandom(11);

    private ByteBuf inner(boolean tcp, int payload) {
        byte[] data = new byte[payload];
        for (int i = 0; i < payload; i++) {
            data[i] = (byte) rnd.nextInt(256);
        }
        Ipv4Spec ip = new Ipv4Spec().addresses(rnd.nextInt(), rnd.nextInt()).id(rnd.nextInt(65536)).ttl(1 + rnd.nextInt(255));
        return tcp
                ? frames.tcp(ip, new TcpSpec().ports(1 + rnd.nextInt(65535), 1 + rnd.nextInt(65535))
                        .seq(rnd.nextInt()).flags(Tcp.ACK | Tcp.PSH), Unpooled.wrappedBuffer(data))
                : frames.udp(ip, 1 + rnd.nextInt(65535), 1 + rnd.nextInt(65535), Unpooled.wrappedBuffer(data));
    }

    private static VxlanSpec spec() {
        return new VxlanSpec().macs(0x020000000001L, 0x020000000002L).addresses(0xc0a8010b, 0xc0a8010c)
                .vni(1).dstPort(8472).srcPort(40000).id(7);
    }

    /** The outer checksum as stored, and as summed over the datagram with the field zeroed. */
    private static int[] outerChecksums(ByteBuf f) {
        int ipOff = f.readerIndex() + Ethernet.HEADER_LENGTH;
        int udpOff = ipOff + Ipv4.MIN_HEADER_LENGTH;
        Udp u = new Udp().wrap(f, udpOff);
        return new int[] {u.checksum(), u.computeChecksum(0xc0a8010b, 0xc0a8010c, u.length())};
    }

    @Test
    void derivedFromTheInnerChecksumsItEqualsTheSumOverTheDatagram() {
        for (int i = 0; i < 2_000; i++) {
            ByteBuf f = inner(rnd.nextBoolean(), rnd.nextInt(300));
            if (rnd.nextInt(4) == 0) {
                for (int pad = 1 + rnd.nextInt(6); pad > 0; pad--) {
                    f.writeByte(rnd.nextInt(256)); // bytes after the datagram (a trailer)
                }
            }
            frames.vxlanEncap(f, spec(), true);
            int[] c = outerChecksums(f);
            assertThat(c[0]).as("frame %d", i).isEqualTo(c[1]);
        }
    }

    @Test
    void aWrongOrAbsentInnerChecksumIsSummedNotTrusted() {
        ByteBuf bad = inner(false, 31);
        int udpCsum = bad.readerIndex() + Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + 6;
        bad.setShort(udpCsum, bad.getUnsignedShort(udpCsum) ^ 0x1234);
        frames.vxlanEncap(bad, spec(), false);
        int[] c = outerChecksums(bad);
        assertThat(c[0]).isEqualTo(c[1]);

        ByteBuf none = inner(false, 40);
        none.setShort(none.readerIndex() + Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + 6, 0); // "no checksum"
        frames.vxlanEncap(none, spec(), true);
        c = outerChecksums(none);
        assertThat(c[0]).isEqualTo(c[1]);
    }
}
