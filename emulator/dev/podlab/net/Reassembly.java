package dev.podlab.net;

import dev.podlab.packet.Ethernet;
import dev.podlab.packet.Frames;
import dev.podlab.packet.Icmp4;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Packet;
import dev.podlab.trace.DropReason;
import dev.podlab.trace.Step;
import dev.podlab.trace.Verdict;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * IPv4 reassembly (net/ipv4/ip_fragment.c): fragments are queued by (source, destination, id,
 * protocol) until the datagram is complete, then delivered as one packet whose
 * {@link Packet#fragMaxSize()} remembers the largest fragment. A queue still incomplete after
 * {@code ipfrag_time} (30 s) is dropped, with an ICMP "fragment reassembly time exceeded" back to
 * the sender when the first fragment had arrived ({@code ip_expire}). A fragment overlapping
 * another discards the whole datagram ({@code inet_frag_queue_insert}: IPFRAG_OVERLAP); an exact
 * duplicate is dropped alone.
 */
final class Reassembly {
    private record Key(int src, int dst, int id, int protocol) {}

    private static final class Fragment {
        final int offset;
        final int length;
        final byte[] data;

        Fragment(int offset, int length, byte[] data) {
            this.offset = offset;
            this.length = length;
            this.data = data;
        }
    }

    private static final class Queue {
        final List<Fragment> fragments = new ArrayList<>();
        byte[] header;
        byte[] ethernet;
        int total = -1;
        int maxSize;
        long id;
        NetDevice dev;
        boolean firstSeen;
    }

    private final Ipv4Stack stack;
    private final Map<Key, Queue> queues = new HashMap<>();
    private final Ipv4 ip = new Ipv4();

    Reassembly(Ipv4Stack stack) {
        this.stack = stack;
    }

    /**
     * Queues a fragment (taking ownership); returns the reassembled packet when this fragment
     * completed its datagram, else null.
     */
    Packet add(NetDevice dev, Packet p, int off) {
        ByteBuf b = p.buf();
        ip.wrap(b, off);
        Key key = new Key(ip.src(), ip.dst(), ip.id(), ip.protocol());
        Queue q = queues.get(key);
        NetNamespace ns = stack.netns();
        if (q == null) {
            q = new Queue();
            q.id = p.id();
            q.dev = dev;
            queues.put(key, q);
            Queue created = q;
            ns.network().sim().schedule(stack.fragTimeoutNs(), () -> expire(key, created));
        }
        int hl = ip.headerLength();
        int offset = ip.fragmentOffset();
        int length = ip.totalLength() - hl;
        for (Fragment f : q.fragments) {
            if (f.offset == offset && f.length == length) {
                stack.drop(dev, p, Step.IP_DEFRAG, DropReason.DUP_FRAG, "duplicate fragment at offset " + offset);
                return null;
            }
            if (offset < f.offset + f.length && f.offset < offset + length) {
                queues.remove(key);
                stack.drop(dev, p, Step.IP_DEFRAG, DropReason.DUP_FRAG, "overlapping fragment at offset " + offset
                        + ": datagram discarded");
                return null;
            }
        }
        byte[] data = new byte[length];
        b.getBytes(off + hl, data);
        q.fragments.add(new Fragment(offset, length, data));
        q.maxSize = Math.max(q.maxSize, ip.totalLength());
        if (offset == 0) {
            q.firstSeen = true;
            q.header = new byte[hl];
            b.getBytes(off, q.header);
            int l2 = off - p.start();
            q.ethernet = new byte[l2];
            b.getBytes(p.start(), q.ethernet);
        }
        if (!ip.moreFragments()) {
            q.total = offset + length;
        }
        p.release();
        if (q.total < 0 || q.header == null) {
            ns.trace(dev, Step.IP_DEFRAG, Verdict.PASS, null, "fragment at offset " + offset + " queued");
            return null;
        }
        int covered = 0;
        q.fragments.sort((x, y) -> Integer.compare(x.offset, y.offset));
        for (Fragment f : q.fragments) {
            if (f.offset > covered) {
                return null;
            }
            covered = Math.max(covered, f.offset + f.length);
        }
        if (covered < q.total) {
            return null;
        }
        queues.remove(key);
        int hlFirst = q.header.length;
        ByteBuf out = ns.network().alloc().heapBuffer(Frames.DEFAULT_HEADROOM + q.ethernet.length + hlFirst + q.total);
        out.writerIndex(Frames.DEFAULT_HEADROOM).readerIndex(Frames.DEFAULT_HEADROOM);
        out.writeBytes(q.ethernet);
        int ipOff = out.writerIndex();
        out.writeBytes(q.header);
        for (Fragment f : q.fragments) {
            out.setBytes(ipOff + hlFirst + f.offset, f.data);
        }
        out.writerIndex(ipOff + hlFirst + q.total);
        Ipv4 h = ip.wrap(out, ipOff);
        h.totalLength(hlFirst + q.total).flagsFragment(h.flagsFragment() & Ipv4.FLAG_DF).checksum(0).updateChecksum();
        Packet whole = new Packet(out, dev.linkType());
        whole.id(q.id).timestampNs(ns.network().sim().now()).fragMaxSize(q.maxSize);
        ns.trace(dev, Step.IP_DEFRAG, Verdict.PASS, null, "reassembled " + (hlFirst + q.total) + " bytes from "
                + q.fragments.size() + " fragments");
        return whole;
    }

    private void expire(Key key, Queue q) {
        if (queues.get(key) != q) {
            return;
        }
        queues.remove(key);
        NetNamespace ns = stack.netns();
        if (q.firstSeen && !q.fragments.isEmpty()) {
            // ip_expire: send ICMP time exceeded (reassembly) quoting the first fragment.
            Fragment first = q.fragments.get(0);
            ByteBuf b = ns.network().alloc().heapBuffer(Frames.DEFAULT_HEADROOM + q.ethernet.length + q.header.length
                    + first.length);
            b.writerIndex(Frames.DEFAULT_HEADROOM).readerIndex(Frames.DEFAULT_HEADROOM);
            b.writeBytes(q.ethernet.length == Ethernet.HEADER_LENGTH ? q.ethernet : new byte[Ethernet.HEADER_LENGTH]);
            int ipOff = b.writerIndex();
            b.writeBytes(q.header);
            b.writeBytes(first.data, 0, first.length);
            Packet p = new Packet(b, LinkType.ETHERNET).id(q.id);
            stack.icmpSend(q.dev, p, ipOff, Icmp4.TIME_EXCEEDED, Icmp4.EXC_FRAGTIME, 0, true);
            p.release();
        }
        ns.trace(q.dev, Step.IP_DEFRAG, Verdict.DROP, DropReason.FRAG_REASM_TIMEOUT,
                "datagram incomplete after 30 s: " + q.fragments.size() + " fragments dropped");
    }
}
