package dev.podlab.netfilter;

/**
 * What {@code -m addrtype} asks the namespace: the type of an address as
 * {@code inet_dev_addr_type} (net/ipv4/fib_frontend.c) answers it, from the local routing table.
 * The node implements it. The match itself handles the fixed cases first (0.0.0.0/8 and
 * 255.255.255.255 are BROADCAST, 224.0.0.0/4 is MULTICAST), so an implementation only needs to
 * answer LOCAL or BROADCAST for the addresses in its {@code local} table and UNICAST otherwise.
 */
@FunctionalInterface
public interface AddressTypeLookup {
    /**
     * @param address IPv4 address, network order as an int
     * @param ifindex restrict the lookup to this device ({@code --limit-iface-in/out}), or 0 for
     *                any device
     * @return the address type; never null
     */
    AddressType typeOf(int address, int ifindex);

    /** A namespace with no local addresses: everything is UNICAST. */
    AddressTypeLookup NONE = (address, ifindex) -> AddressType.UNICAST;
}
