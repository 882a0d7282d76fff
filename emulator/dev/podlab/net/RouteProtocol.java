package dev.podlab.net;

/**
 * Route protocol numbers ({@code RTPROT_*}, include/uapi/linux/rtnetlink.h) and the names iproute2
 * prints for them (lib/rt_names.c {@code rtnl_rtprot_tab}, without any /etc/iproute2/rt_protos
 * additions). Numbers without a name print as decimal: Felix's 80 prints {@code proto 80}.
 */
public final class RouteProtocol {
    public static final int UNSPEC = 0;
    public static final int REDIRECT = 1;
    /** Routes the kernel creates itself (fib_magic for interface addresses). */
    public static final int KERNEL = 2;
    /** The default of {@code ip route add}; not printed by {@code ip route show}. */
    public static final int BOOT = 3;
    public static final int STATIC = 4;
    public static final int BIRD = 12;
    public static final int DHCP = 16;
    /** Calico Felix's protocol number (felix/dataplane/linux: {@code unix.RTPROT_*} 80). */
    public static final int FELIX = 80;

    private static final String[] NAMES = new String[256];

    static {
        NAMES[0] = "unspec";
        NAMES[1] = "redirect";
        NAMES[2] = "kernel";
        NAMES[3] = "boot";
        NAMES[4] = "static";
        NAMES[8] = "gated";
        NAMES[9] = "ra";
        NAMES[10] = "mrt";
        NAMES[11] = "zebra";
        NAMES[12] = "bird";
        NAMES[13] = "dnrouted";
        NAMES[14] = "xorp";
        NAMES[15] = "ntk";
        NAMES[16] = "dhcp";
        NAMES[18] = "keepalived";
        NAMES[42] = "babel";
        NAMES[186] = "bgp";
        NAMES[187] = "isis";
        NAMES[188] = "ospf";
        NAMES[189] = "rip";
        NAMES[192] = "eigrp";
    }

    private RouteProtocol() {}

    /** {@code rtnl_rtprot_n2a}. */
    public static String name(int protocol) {
        String n = protocol >= 0 && protocol < 256 ? NAMES[protocol] : null;
        return n != null ? n : Integer.toString(protocol);
    }

    /** {@code rtnl_rtprot_a2n}: a name or a number 0..255. */
    public static int parse(String text) {
        for (int i = 0; i < NAMES.length; i++) {
            if (text.equals(NAMES[i])) {
                return i;
            }
        }
        return parseByte(text, "protocol");
    }

    static int parseByte(String text, String what) {
        try {
            int v = Integer.decode(text);
            if (v >= 0 && v <= 255) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("Error: argument \"" + text + "\" is wrong: invalid \"" + what + "\" value");
    }
}
