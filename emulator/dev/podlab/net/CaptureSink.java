package dev.podlab.net;

import dev.podlab.packet.Packet;

/**
 * Where frames seen on devices go when a run is captured: called for every frame a device
 * transmits or receives, as {@code tcpdump -i DEV} would see it. Implementations copy what they
 * keep; the packet stays the caller's.
 */
@FunctionalInterface
public interface CaptureSink {
    void capture(NetDevice device, long timeNs, Packet packet);
}
