package dev.podlab.netfilter;

import dev.podlab.packet.Ipv4Address;

/**
 * {@code -m iprange [!] --src-range a[-b] [!] --dst-range a[-b]}: {@code iprange_mt4}
 * (net/netfilter/xt_iprange.c), comparing addresses as unsigned host-order numbers.
 */
final class IprangeMatch extends Match {
    private boolean hasSrc;
    private int srcMin;
    private int srcMax;
    private boolean invSrc;
    private boolean hasDst;
    private int dstMin;
    private int dstMax;
    private boolean invDst;

    @Override
    boolean flowInvariant() {
        return true;
    }

    @Override
    String name() {
        return "iprange";
    }

    @Override
    boolean matches(PacketContext c) {
        if (hasSrc) {
            boolean out = Integer.compareUnsigned(c.src, srcMin) < 0 || Integer.compareUnsigned(c.src, srcMax) > 0;
            if (out != invSrc) {
                return false;
            }
        }
        if (hasDst) {
            boolean out = Integer.compareUnsigned(c.dst, dstMin) < 0 || Integer.compareUnsigned(c.dst, dstMax) > 0;
            return out == invDst;
        }
        return true;
    }

    @Override
    boolean parse(String option, boolean invert, RuleParser.Args args) {
        boolean src;
        if (option.equals("--src-range")) {
            src = true;
        } else if (option.equals("--dst-range")) {
            src = false;
        } else {
            return false;
        }
        String v = args.value(option);
        int dash = v.indexOf('-');
        int lo = Text.parseAddress(dash < 0 ? v : v.substring(0, dash));
        int hi = dash < 0 ? lo : Text.parseAddress(v.substring(dash + 1));
        if (Integer.compareUnsigned(lo, hi) > 0) {
            throw new IptablesException("iprange: range " + v + " is reversed");
        }
        if (src) {
            hasSrc = true;
            srcMin = lo;
            srcMax = hi;
            invSrc = invert;
        } else {
            hasDst = true;
            dstMin = lo;
            dstMax = hi;
            invDst = invert;
        }
        return true;
    }

    @Override
    void finish(Rule rule) {
        if (!hasSrc && !hasDst) {
            throw new IptablesException("iprange match: You must specify `--src-range' or `--dst-range'");
        }
    }

    @Override
    void save(StringBuilder sb) {
        if (hasSrc) {
            sb.append(invSrc ? " !" : "").append(" --src-range ");
            Ipv4Address.appendTo(sb, srcMin).append('-');
            Ipv4Address.appendTo(sb, srcMax);
        }
        if (hasDst) {
            sb.append(invDst ? " !" : "").append(" --dst-range ");
            Ipv4Address.appendTo(sb, dstMin).append('-');
            Ipv4Address.appendTo(sb, dstMax);
        }
    }
}
