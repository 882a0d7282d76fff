package dev.podlab.netfilter;

import dev.podlab.net.Hook;

import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.Tcp;

/** The extension targets podlab implements, by {@code -j} name. */
final class Targets {
    private Targets() {}

    static final String NOT_EMULATED = "CONNMARK, CT, NOTRACK, REDIRECT, NETMAP, TPROXY, NFLOG, NFQUEUE, TCPMSS, "
            + "DSCP, TOS, TTL, CLASSIFY, SET, CHECKSUM, AUDIT";

    /** A fresh extension target for {@code -j name}, or null if it is not one podlab emulates. */
    static Target create(String name) {
        return switch (name) {
            case "REJECT" -> new Reject();
            case "LOG" -> new Log();
            case "TRACE" -> new Trace();
            case "MARK" -> new Mark();
            case "DNAT" -> new Nat(NatRequest.Type.DNAT);
            case "SNAT" -> new Nat(NatRequest.Type.SNAT);
            case "MASQUERADE" -> new Nat(NatRequest.Type.MASQUERADE);
            default -> null;
        };
    }

    /**
     * {@code -j REJECT [--reject-with type]}: {@code reject_tg} (net/ipv4/netfilter/ipt_REJECT.c).
     * Filter table, INPUT/FORWARD/OUTPUT only; tcp-reset needs {@code -p tcp}. The verdict is
     * DROP; the reply to send is left in {@link PacketContext#rejectWith()}.
     */
    static final class Reject extends Target {
        private RejectWith with = RejectWith.ICMP_PORT_UNREACHABLE;

        @Override
        String name() {
            return "REJECT";
        }

        @Override
        int execute(PacketContext c, Rule rule) {
            c.rejectWith = with;
            return VERDICT_DROP;
        }

        @Override
        boolean parse(String option, boolean invert, RuleParser.Args args) {
            if (!option.equals("--reject-with")) {
                return false;
            }
            Match.requireNoInvert(invert, option);
            String v = args.value(option);
            RejectWith w = RejectWith.parse(v);
            if (w == null) {
                throw new IptablesException("unknown reject type \"" + v + "\"");
            }
            with = w;
            return true;
        }

        @Override
        void finish(Rule rule) {
            if (with == RejectWith.TCP_RESET && (rule.proto != IpProtocol.TCP || rule.invProto)) {
                // reject_tg_check
                throw new IptablesException("REJECT: TCP_RESET invalid for non-tcp");
            }
        }

        @Override
        void save(StringBuilder sb) {
            sb.append(" --reject-with ").append(with.option());
        }

        @Override
        int hooks() {
            return Hook.INPUT.bit() | Hook.FORWARD.bit() | Hook.OUTPUT.bit();
        }

        @Override
        String table() {
            return "filter";
        }
    }

    /**
     * {@code -j LOG [--log-level l] [--log-prefix p] [--log-tcp-sequence] [--log-tcp-options]
     * [--log-ip-options] [--log-uid]}: writes one line in the format of {@code nf_log_ip_packet}
     * (net/netfilter/nf_log_syslog.c) and continues. The {@code MAC=} field and the option dumps
     * are not printed.
     */
    static final class Log extends Target {
        private static final String[] LEVELS = {"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"};
        /** LOG_DEFAULT_LEVEL: warning. */
        private static final int DEFAULT_LEVEL = 4;
        private static final int TCPSEQ = 1;
        private static final int TCPOPT = 2;
        private static final int IPOPT = 4;
        private static final int UID = 8;
        private static final int MACDECODE = 0x20;

        private int level = DEFAULT_LEVEL;
        private String prefix = "";
        private int flags;

        @Override
        String name() {
            return "LOG";
        }

        @Override
        int execute(PacketContext c, Rule rule) {
            StringBuilder sb = new StringBuilder(160).append(prefix);
            dumpPacket(sb, c, (flags & TCPSEQ) != 0);
            c.log(new NfLog(level, rule.chain.table.id().tableName(), rule.chain.name(), rule.number(), sb.toString()));
            return CONTINUE;
        }

        @Override
        boolean parse(String option, boolean invert, RuleParser.Args args) {
            switch (option) {
                case "--log-level" -> {
                    String v = args.value(option);
                    int l = -1;
                    for (int i = 0; i < LEVELS.length; i++) {
                        if (LEVELS[i].equalsIgnoreCase(v)) {
                            l = i;
                        }
                    }
                    if (v.equalsIgnoreCase("panic")) {
                        l = 0;
                    } else if (v.equalsIgnoreCase("err")) {
                        l = 3;
                    } else if (v.equalsIgnoreCase("warn")) {
                        l = 4;
                    }
                    level = l >= 0 ? l : Text.parseDecimal(v, 0, 7, "log-level");
                }
                case "--log-prefix" -> {
                    String v = args.value(option);
                    if (v.length() > 29) {
                        throw new IptablesException("Maximum prefix length 29 for --log-prefix");
                    }
                    prefix = v;
                }
                case "--log-tcp-sequence" -> flags |= TCPSEQ;
                case "--log-tcp-options" -> flags |= TCPOPT;
                case "--log-ip-options" -> flags |= IPOPT;
                case "--log-uid" -> flags |= UID;
                case "--log-macdecode" -> flags |= MACDECODE;
                default -> {
                    return false;
                }
            }
            Match.requireNoInvert(invert, option);
            return true;
        }

        @Override
        void save(StringBuilder sb) {
            if (!prefix.isEmpty()) {
                sb.append(" --log-prefix");
                Text.saveString(sb, prefix);
            }
            if (level != DEFAULT_LEVEL) {
                sb.append(" --log-level ").append(level);
            }
            if ((flags & TCPSEQ) != 0) {
                sb.append(" --log-tcp-sequence");
            }
            if ((flags & TCPOPT) != 0) {
                sb.append(" --log-tcp-options");
            }
            if ((flags & IPOPT) != 0) {
                sb.append(" --log-ip-options");
            }
            if ((flags & UID) != 0) {
                sb.append(" --log-uid");
            }
            if ((flags & MACDECODE) != 0) {
                sb.append(" --log-macdecode");
            }
        }
    }

    /**
     * The fields {@code nf_log_dump_packet_common} and {@code dump_ipv4_packet} print (without
     * MAC= and option dumps): devices, addresses, length, TOS/precedence, TTL, ID, flags, then the
     * transport fields.
     */
    static void dumpPacket(StringBuilder sb, PacketContext c, boolean tcpSequence) {
        sb.append("IN=").append(c.inName).append(" OUT=").append(c.outName).append(' ');
        if (c.bridged) {
            if (c.physIn != null) {
                sb.append("PHYSIN=").append(c.physIn).append(' ');
            }
            if (c.physOut != null) {
                sb.append("PHYSOUT=").append(c.physOut).append(' ');
            }
        }
        Ipv4Address.appendTo(sb.append("SRC="), c.src).append(' ');
        Ipv4Address.appendTo(sb.append("DST="), c.dst).append(' ');
        sb.append("LEN=").append(c.length).append(' ');
        hex2(sb.append("TOS=0x"), c.tos & Ipv4.TOS_MASK).append(' ');
        hex2(sb.append("PREC=0x"), c.tos & 0xe0).append(' ');
        sb.append("TTL=").append(c.ttl).append(" ID=").append(c.ipId).append(' ');
        if ((c.flagsFragment & Ipv4.FLAG_RESERVED) != 0) {
            sb.append("CE ");
        }
        if ((c.flagsFragment & Ipv4.FLAG_DF) != 0) {
            sb.append("DF ");
        }
        if ((c.flagsFragment & Ipv4.FLAG_MF) != 0) {
            sb.append("MF ");
        }
        if (c.fragOffset != 0) {
            sb.append("FRAG:").append(c.fragOffset).append(' ');
        }
        switch (c.protocol) {
            case IpProtocol.TCP -> {
                sb.append("PROTO=TCP ");
                if (c.fragOffset != 0) {
                    break;
                }
                if (!c.l4Ok) {
                    sb.append("INCOMPLETE [").append(c.length - c.ipHeaderLength).append(" bytes] ");
                    break;
                }
                sb.append("SPT=").append(c.srcPort).append(" DPT=").append(c.dstPort).append(' ');
                if (tcpSequence) {
                    Tcp t = new Tcp().wrap(c.buf, c.l4Offset);
                    sb.append("SEQ=").append(t.seq()).append(" ACK=").append(t.ack()).append(' ');
                }
                sb.append("WINDOW=").append(c.tcpWindow).append(' ');
                int res = c.buf.getUnsignedByte(c.l4Offset + Tcp.DATA_OFFSET_OFFSET) & 0x0f;
                hex2(sb.append("RES=0x"), res).append(' ');
                String[] names = {"CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN"};
                for (int i = 0; i < 8; i++) {
                    if ((c.tcpFlags & (0x80 >>> i)) != 0) {
                        sb.append(names[i]).append(' ');
                    }
                }
                sb.append("URGP=").append(c.buf.getUnsignedShort(c.l4Offset + Tcp.URGENT_OFFSET)).append(' ');
            }
            case IpProtocol.UDP -> {
                sb.append("PROTO=UDP ");
                if (c.fragOffset == 0 && c.l4Ok) {
                    sb.append("SPT=").append(c.srcPort).append(" DPT=").append(c.dstPort).append(" LEN=")
                            .append(c.buf.getUnsignedShort(c.l4Offset + 4)).append(' ');
                }
            }
            case IpProtocol.ICMP -> {
                sb.append("PROTO=ICMP ");
                if (c.fragOffset == 0 && c.l4Ok) {
                    sb.append("TYPE=").append(c.icmpType).append(" CODE=").append(c.icmpCode).append(' ');
                    if (c.icmpType == 0 || c.icmpType == 8) {
                        sb.append("ID=").append(c.icmpId).append(" SEQ=").append(c.icmpSequence).append(' ');
                    }
                }
            }
            default -> sb.append("PROTO=").append(c.protocol).append(' ');
        }
    }

    private static StringBuilder hex2(StringBuilder sb, int v) {
        String h = Integer.toHexString(v).toUpperCase(java.util.Locale.ROOT);
        return sb.append(h.length() < 2 ? "0" : "").append(h);
    }

    /** {@code -j TRACE} (net/netfilter/xt_TRACE.c): sets {@code skb->nf_trace}; raw table only. */
    static final class Trace extends Target {
        @Override
        String name() {
            return "TRACE";
        }

        @Override
        int execute(PacketContext c, Rule rule) {
            c.trace = true;
            return CONTINUE;
        }

        @Override
        String table() {
            return "raw";
        }
    }

    /**
     * {@code -j MARK} revision 2 ({@code mark_tg}, net/netfilter/xt_mark.c):
     * {@code mark = (mark & ~mask) ^ value}. {@code --set-mark v/m} is stored as value v, mask
     * v|m; {@code --and-mark v} as 0/~v; {@code --or-mark v} as v/v; {@code --xor-mark v} as v/0
     * (extensions/libxt_MARK.c); all print as {@code --set-xmark value/mask}.
     */
    static final class Mark extends Target {
        private boolean given;
        private int value;
        private int mask;

        @Override
        boolean flowInvariant() {
            return true;
        }

        @Override
        String name() {
            return "MARK";
        }

        @Override
        int execute(PacketContext c, Rule rule) {
            c.mark = (c.mark & ~mask) ^ value;
            return CONTINUE;
        }

        @Override
        boolean parse(String option, boolean invert, RuleParser.Args args) {
            switch (option) {
                case "--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark" -> { }
                default -> {
                    return false;
                }
            }
            Match.requireNoInvert(invert, option);
            if (given) {
                throw new IptablesException("MARK target: Can't specify --set-mark twice");
            }
            given = true;
            String v = args.value(option);
            int slash = v.indexOf('/');
            boolean hasMask = slash >= 0;
            int a = (int) Text.parseUnsigned(hasMask ? v.substring(0, slash) : v, 0xffffffffL, "mark");
            int m = hasMask ? (int) Text.parseUnsigned(v.substring(slash + 1), 0xffffffffL, "mask") : -1;
            if (hasMask && !option.equals("--set-xmark") && !option.equals("--set-mark")) {
                throw new IptablesException("MARK: " + option + " takes no mask");
            }
            switch (option) {
                case "--set-xmark" -> {
                    value = a;
                    mask = m;
                }
                case "--set-mark" -> {
                    value = a;
                    mask = a | m;
                }
                case "--and-mark" -> {
                    value = 0;
                    mask = ~a;
                }
                case "--or-mark" -> {
                    value = a;
                    mask = a;
                }
                default -> {
                    value = a;
                    mask = 0;
                }
            }
            return true;
        }

        @Override
        void finish(Rule rule) {
            if (!given) {
                throw new IptablesException("MARK target: Parameter --set/and/or/xor-mark is required");
            }
        }

        @Override
        void save(StringBuilder sb) {
            sb.append(" --set-xmark ");
            Text.appendHex(sb, value);
            sb.append('/');
            Text.appendHex(sb, mask);
        }
    }

    /**
     * {@code -j DNAT --to-destination}, {@code -j SNAT --to-source}, {@code -j MASQUERADE
     * [--to-ports]} (net/netfilter/xt_nat.c, xt_MASQUERADE.c): nat table only; DNAT in
     * PREROUTING/OUTPUT, SNAT in POSTROUTING/INPUT, MASQUERADE in POSTROUTING. The target records a
     * {@link NatRequest} and returns ACCEPT ({@code nf_nat_setup_info} returns NF_ACCEPT): the
     * conntrack/NAT module applies it.
     */
    static final class Nat extends Target {
        private final NatRequest.Type type;
        private boolean hasRange;
        private int flags;
        private int minAddr;
        private int maxAddr;
        private int minPort;
        private int maxPort;

        Nat(NatRequest.Type type) {
            this.type = type;
        }

        @Override
        String name() {
            return type.name();
        }

        @Override
        int execute(PacketContext c, Rule rule) {
            c.nat.set(type, flags, minAddr, maxAddr, minPort, maxPort);
            return VERDICT_ACCEPT;
        }

        @Override
        boolean parse(String option, boolean invert, RuleParser.Args args) {
            String rangeOption = switch (type) {
                case DNAT -> "--to-destination";
                case SNAT -> "--to-source";
                default -> "--to-ports";
            };
            if (option.equals(rangeOption) || (type != NatRequest.Type.MASQUERADE && option.equals("--to"))) {
                Match.requireNoInvert(invert, option);
                if (hasRange) {
                    throw new IptablesException("Multiple " + rangeOption + " not supported");
                }
                hasRange = true;
                String v = args.value(option);
                if (type == NatRequest.Type.MASQUERADE) {
                    parsePorts(v.replace(':', '-'), v);
                } else {
                    parseRange(v);
                }
                return true;
            }
            switch (option) {
                case "--random" -> flags |= NatRequest.PROTO_RANDOM;
                case "--random-fully" -> {
                    if (type == NatRequest.Type.DNAT) {
                        return false;
                    }
                    flags |= NatRequest.PROTO_RANDOM_FULLY;
                }
                case "--persistent" -> {
                    if (type == NatRequest.Type.MASQUERADE) {
                        return false;
                    }
                    flags |= NatRequest.PERSISTENT;
                }
                default -> {
                    return false;
                }
            }
            Match.requireNoInvert(invert, option);
            return true;
        }

        /** {@code [ip[-ip]][:port[-port]]} as {@code parse_to} in extensions/libxt_NAT.c. */
        private void parseRange(String v) {
            int colon = v.indexOf(':');
            String ips = colon < 0 ? v : v.substring(0, colon);
            if (colon >= 0) {
                parsePorts(v.substring(colon + 1), v);
            }
            if (!ips.isEmpty()) {
                int dash = ips.indexOf('-');
                minAddr = Text.parseAddress(dash < 0 ? ips : ips.substring(0, dash));
                maxAddr = dash < 0 ? minAddr : Text.parseAddress(ips.substring(dash + 1));
                if (Integer.compareUnsigned(minAddr, maxAddr) > 0) {
                    throw new IptablesException("Bad IP range \"" + ips + "\"");
                }
                flags |= NatRequest.MAP_IPS;
            }
        }

        private void parsePorts(String ports, String whole) {
            int dash = ports.indexOf('-');
            try {
                minPort = Text.parseDecimal(dash < 0 ? ports : ports.substring(0, dash), 0, 65535, "port");
                maxPort = dash < 0 ? minPort : Text.parseDecimal(ports.substring(dash + 1), 0, 65535, "port");
            } catch (IptablesException e) {
                throw new IptablesException("Port \"" + ports + "\" not valid in \"" + whole + "\"");
            }
            if (minPort > maxPort) {
                throw new IptablesException("Port range \"" + ports + "\" is reversed");
            }
            flags |= NatRequest.PROTO_SPECIFIED;
        }

        @Override
        void finish(Rule rule) {
            if (type == NatRequest.Type.DNAT && !hasRange) {
                throw new IptablesException("DNAT needs --to-destination");
            }
            if (type == NatRequest.Type.SNAT && !hasRange) {
                throw new IptablesException("SNAT needs --to-source");
            }
            if ((flags & NatRequest.PROTO_SPECIFIED) != 0) {
                int p = rule.proto;
                if (rule.invProto || !(p == IpProtocol.TCP || p == IpProtocol.UDP || p == IpProtocol.SCTP
                        || p == Protocols.DCCP || p == Protocols.UDPLITE)) {
                    throw new IptablesException("Need TCP, UDP, SCTP or DCCP with port specification");
                }
            }
        }

        @Override
        void save(StringBuilder sb) {
            if (type == NatRequest.Type.MASQUERADE) {
                if ((flags & NatRequest.PROTO_SPECIFIED) != 0) {
                    sb.append(" --to-ports ").append(minPort);
                    if (maxPort != minPort) {
                        sb.append('-').append(maxPort);
                    }
                }
            } else {
                sb.append(type == NatRequest.Type.DNAT ? " --to-destination " : " --to-source ");
                if ((flags & NatRequest.MAP_IPS) != 0) {
                    Ipv4Address.appendTo(sb, minAddr);
                    if (maxAddr != minAddr) {
                        Ipv4Address.appendTo(sb.append('-'), maxAddr);
                    }
                }
                if ((flags & NatRequest.PROTO_SPECIFIED) != 0) {
                    sb.append(':').append(minPort);
                    if (maxPort != minPort) {
                        sb.append('-').append(maxPort);
                    }
                }
            }
            if ((flags & NatRequest.PROTO_RANDOM) != 0) {
                sb.append(" --random");
            }
            if ((flags & NatRequest.PROTO_RANDOM_FULLY) != 0) {
                sb.append(" --random-fully");
            }
            if ((flags & NatRequest.PERSISTENT) != 0) {
                sb.append(" --persistent");
            }
        }

        @Override
        int hooks() {
            return switch (type) {
                case DNAT -> Hook.PREROUTING.bit() | Hook.OUTPUT.bit();
                case SNAT -> Hook.POSTROUTING.bit() | Hook.INPUT.bit();
                default -> Hook.POSTROUTING.bit();
            };
        }

        @Override
        String table() {
            return "nat";
        }
    }
}
