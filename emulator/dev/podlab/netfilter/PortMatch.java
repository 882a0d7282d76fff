package dev.podlab.netfilter;

import dev.podlab.packet.IpProtocol;

/**
 * {@code -m tcp}, {@code -m udp}, {@code -m sctp}: {@code [!] --sport a[:b]},
 * {@code [!] --dport a[:b]} and, for TCP, {@code [!] --tcp-flags mask comp} / {@code [!] --syn}.
 * Mirrors {@code tcp_mt}/{@code udp_mt} (net/netfilter/xt_tcpudp.c) and {@code sctp_mt}
 * (xt_sctp.c, ports only); printed as libxt_tcp/libxt_udp/libxt_sctp save them.
 */
final class PortMatch extends Match {
    /** TCP flag names in {@code tcp_flag_names} order (extensions/libxt_tcp.c). */
    private static final String[] FLAG_NAMES = {"FIN", "SYN", "RST", "PSH", "ACK", "URG"};
    static final int SYN_MASK = 0x01 | 0x02 | 0x04 | 0x10;

    private final String name;
    private final int protocol;
    private boolean hasSport;
    private int sportMin;
    private int sportMax = 0xffff;
    private boolean invSport;
    private boolean hasDport;
    private int dportMin;
    private int dportMax = 0xffff;
    private boolean invDport;
    private boolean hasFlags;
    private int flagMask;
    private int flagCmp;
    private boolean invFlags;

    PortMatch(int protocol) {
        this.protocol = protocol;
        this.name = switch (protocol) {
            case IpProtocol.TCP -> "tcp";
            case IpProtocol.UDP -> "udp";
            default -> "sctp";
        };
    }

    int protocol() {
        return protocol;
    }

    /** Ports are the tuple's; TCP flags differ from packet to packet of a connection. */
    @Override
    boolean flowInvariant() {
        return !hasFlags;
    }

    @Override
    String name() {
        return name;
    }

    @Override
    boolean matches(PacketContext c) {
        if (c.fragOffset != 0) {
            // tcp_mt: a fragment at offset 8 could overwrite the header (RFC 1858): drop it.
            if (protocol == IpProtocol.TCP && c.fragOffset == 1) {
                c.hotdrop = true;
            }
            return false;
        }
        if (!c.l4Ok) {
            c.hotdrop = true;
            return false;
        }
        if ((c.srcPort >= sportMin && c.srcPort <= sportMax) == invSport) {
            return false;
        }
        if ((c.dstPort >= dportMin && c.dstPort <= dportMax) == invDport) {
            return false;
        }
        return !hasFlags || ((c.tcpFlags & flagMask) == flagCmp) != invFlags;
    }

    @Override
    boolean parse(String option, boolean invert, RuleParser.Args args) {
        switch (option) {
            case "--sport", "--source-port" -> {
                if (hasSport) {
                    throw new IptablesException("multiple --sport flags not allowed");
                }
                int r = Text.parsePortRange(args.value(option));
                hasSport = true;
                sportMin = r >>> 16;
                sportMax = r & 0xffff;
                invSport = invert;
                return true;
            }
            case "--dport", "--destination-port" -> {
                if (hasDport) {
                    throw new IptablesException("multiple --dport flags not allowed");
                }
                int r = Text.parsePortRange(args.value(option));
                hasDport = true;
                dportMin = r >>> 16;
                dportMax = r & 0xffff;
                invDport = invert;
                return true;
            }
            case "--tcp-flags" -> {
                if (protocol != IpProtocol.TCP) {
                    return false;
                }
                checkFlagsOnce();
                flagMask = parseFlags(args.value(option));
                flagCmp = parseFlags(args.value(option));
                invFlags = invert;
                hasFlags = true;
                return true;
            }
            case "--syn" -> {
                if (protocol != IpProtocol.TCP) {
                    return false;
                }
                checkFlagsOnce();
                flagMask = SYN_MASK;
                flagCmp = 0x02;
                invFlags = invert;
                hasFlags = true;
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private void checkFlagsOnce() {
        if (hasFlags) {
            throw new IptablesException("only one of `--syn' or `--tcp-flags' may be specified");
        }
    }

    private static int parseFlags(String list) {
        int flags = 0;
        for (String f : list.split(",", -1)) {
            switch (f) {
                case "FIN" -> flags |= 0x01;
                case "SYN" -> flags |= 0x02;
                case "RST" -> flags |= 0x04;
                case "PSH" -> flags |= 0x08;
                case "ACK" -> flags |= 0x10;
                case "URG" -> flags |= 0x20;
                case "ALL" -> flags |= 0x3f;
                case "NONE" -> { }
                default -> throw new IptablesException("Unknown TCP flag `" + f + "'");
            }
        }
        return flags;
    }

    @Override
    void finish(Rule rule) {
        // xt_check_match: a match with .proto set needs "-p <proto>" without "!".
        if (rule.proto != protocol || rule.invProto) {
            throw new IptablesException(name + " match: only valid for protocol " + protocol);
        }
    }

    @Override
    void save(StringBuilder sb) {
        if (hasSport && (protocol == IpProtocol.SCTP || sportMin != 0 || sportMax != 0xffff)) {
            savePorts(sb, "--sport", sportMin, sportMax, invSport);
        }
        if (hasDport && (protocol == IpProtocol.SCTP || dportMin != 0 || dportMax != 0xffff)) {
            savePorts(sb, "--dport", dportMin, dportMax, invDport);
        }
        if (hasFlags && (flagMask != 0 || invFlags)) {
            if (invFlags) {
                sb.append(" !");
            }
            sb.append(" --tcp-flags ");
            appendFlags(sb, flagMask);
            sb.append(' ');
            appendFlags(sb, flagCmp);
        }
    }

    private static void savePorts(StringBuilder sb, String option, int min, int max, boolean invert) {
        if (invert) {
            sb.append(" !");
        }
        sb.append(' ').append(option).append(' ').append(min);
        if (min != max) {
            sb.append(':').append(max);
        }
    }

    /** {@code print_tcpf}: names in table order, "NONE" for no flag. */
    private static void appendFlags(StringBuilder sb, int flags) {
        boolean any = false;
        for (int i = 0; i < FLAG_NAMES.length; i++) {
            if ((flags & (1 << i)) != 0) {
                if (any) {
                    sb.append(',');
                }
                sb.append(FLAG_NAMES[i]);
                any = true;
            }
        }
        if (!any) {
            sb.append("NONE");
        }
    }
}
