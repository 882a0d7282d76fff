package dev.podlab.net;

import java.util.Objects;

/**
 * A network device as the tables refer to it: its ifindex (what the kernel stores in a nexthop,
 * neighbour or FDB entry) and its name (what iproute2 prints after {@code dev}).
 */
public record DeviceRef(int ifindex, String name) {
    public DeviceRef {
        if (ifindex <= 0) {
            throw new IllegalArgumentException("ifindex must be positive: " + ifindex);
        }
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
        return ifindex + ": " + name;
    }
}
