package dev.podlab.policy;

import java.util.List;

/**
 * A peer {@code ipBlock}: the addresses in {@code cidr} but in none of {@code except} (each a
 * strict subset of {@code cidr}, as validation ensures). Matched by address, whatever owns it:
 * a block covering the pod network matches pods (reference A.4).
 */
public record IpBlock(Cidr cidr, List<Cidr> except) {
    public IpBlock {
        except = List.copyOf(except);
    }

    public boolean contains(int address) {
        if (!cidr.contains(address)) {
            return false;
        }
        for (Cidr e : except) {
            if (e.contains(address)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return except.isEmpty() ? cidr.toString() : cidr + " except " + except;
    }
}
