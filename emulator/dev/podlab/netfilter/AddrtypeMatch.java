package dev.podlab.netfilter;

import dev.podlab.net.Hook;

import dev.podlab.packet.Ipv4Address;

/**
 * {@code -m addrtype [!] --src-type T[,T] [!] --dst-type T[,T] [--limit-iface-in|--limit-iface-out]}:
 * {@code addrtype_mt_v1} (net/netfilter/xt_addrtype.c). The type of an address is what
 * {@code inet_dev_addr_type} answers: 0.0.0.0/8 and 255.255.255.255 are BROADCAST, 224.0.0.0/4
 * MULTICAST, the rest comes from the namespace's {@link AddressTypeLookup}.
 */
final class AddrtypeMatch extends Match {
    private int source;
    private int dest;
    private boolean invSource;
    private boolean invDest;
    private boolean limitIn;
    private boolean limitOut;

    @Override
    String name() {
        return "addrtype";
    }

    @Override
    boolean matches(PacketContext c) {
        int ifindex = limitIn ? c.inIfindex : limitOut ? c.outIfindex : 0;
        if (source != 0 && ((source & typeBit(c, c.src, ifindex)) != 0) == invSource) {
            return false;
        }
        return dest == 0 || ((dest & typeBit(c, c.dst, ifindex)) != 0) != invDest;
    }

    private static int typeBit(PacketContext c, int addr, int ifindex) {
        // inet_addr_type_dev_table: zeronet and limited broadcast, then multicast, then the local table.
        if ((addr & 0xff000000) == 0 || addr == Ipv4Address.BROADCAST) {
            return AddressType.BROADCAST.bit();
        }
        if ((addr & 0xf0000000) == 0xe0000000) {
            return AddressType.MULTICAST.bit();
        }
        return c.addressTypes.typeOf(addr, ifindex).bit();
    }

    @Override
    boolean parse(String option, boolean invert, RuleParser.Args args) {
        switch (option) {
            case "--src-type" -> {
                if (source != 0) {
                    throw new IptablesException("addrtype: can't specify src-type twice");
                }
                source = parseTypes(args.value(option));
                invSource = invert;
            }
            case "--dst-type" -> {
                if (dest != 0) {
                    throw new IptablesException("addrtype: can't specify dst-type twice");
                }
                dest = parseTypes(args.value(option));
                invDest = invert;
            }
            case "--limit-iface-in" -> {
                requireNoInvert(invert, option);
                limitIn = true;
            }
            case "--limit-iface-out" -> {
                requireNoInvert(invert, option);
                limitOut = true;
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static int parseTypes(String list) {
        int m = 0;
        for (String s : list.split(",", -1)) {
            AddressType t = AddressType.byName(s.toUpperCase(java.util.Locale.ROOT));
            if (t == null) {
                throw new IptablesException("addrtype: bad type \"" + s + "\"");
            }
            m |= t.bit();
        }
        return m;
    }

    @Override
    void finish(Rule rule) {
        if (source == 0 && dest == 0) {
            throw new IptablesException("addrtype: you must specify --src-type or --dst-type");
        }
        if (limitIn && limitOut) {
            throw new IptablesException("addrtype: you can't specify both --limit-iface-in and --limit-iface-out");
        }
    }

    /** addrtype_mt_checkentry_v1: the limited device must exist at the hook. */
    @Override
    int hooks() {
        if (limitIn) {
            return Hook.PREROUTING.bit() | Hook.INPUT.bit() | Hook.FORWARD.bit();
        }
        if (limitOut) {
            return Hook.POSTROUTING.bit() | Hook.OUTPUT.bit() | Hook.FORWARD.bit();
        }
        return Hook.ALL;
    }

    @Override
    void save(StringBuilder sb) {
        if (source != 0) {
            sb.append(invSource ? " !" : "").append(" --src-type ");
            appendTypes(sb, source);
        }
        if (dest != 0) {
            sb.append(invDest ? " !" : "").append(" --dst-type ");
            appendTypes(sb, dest);
        }
        if (limitIn) {
            sb.append(" --limit-iface-in");
        }
        if (limitOut) {
            sb.append(" --limit-iface-out");
        }
    }

    private static void appendTypes(StringBuilder sb, int mask) {
        boolean first = true;
        for (AddressType t : AddressType.all()) {
            if ((mask & t.bit()) != 0) {
                sb.append(first ? "" : ",").append(t.name());
                first = false;
            }
        }
    }
}
