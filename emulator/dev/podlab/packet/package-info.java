/**
 * Packets as bytes: the {@link dev.podlab.packet.Packet} buffer, flyweight header views
 * ({@link dev.podlab.packet.Ethernet}, {@link dev.podlab.packet.Vlan}, {@link dev.podlab.packet.Arp},
 * {@link dev.podlab.packet.Ipv4}, {@link dev.podlab.packet.Icmp4}, {@link dev.podlab.packet.Tcp},
 * {@link dev.podlab.packet.Udp}, {@link dev.podlab.packet.Sctp} and its chunks,
 * {@link dev.podlab.packet.Vxlan}, the Linux cooked-capture headers), the
 * {@link dev.podlab.packet.Checksums} they share, {@link dev.podlab.packet.Frames} that builds what
 * a Linux host sends, and the allocation-free {@link dev.podlab.packet.Dissector} that walks any
 * frame into {@link dev.podlab.packet.Layers}.
 *
 * <p>Conventions: offsets are absolute offsets in a Netty {@code ByteBuf}; views never copy and
 * never validate on read (use their {@code fits} helpers or the dissector first); IPv4 addresses
 * are {@code int}, MAC addresses the low 48 bits of a {@code long}; multi-byte fields are network
 * order on the wire and host values in Java.
 */
package dev.podlab.packet;
