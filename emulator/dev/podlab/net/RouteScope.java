package dev.podlab.net;

/**
 * Route and address scopes ({@code RT_SCOPE_*}, an ordered byte: a larger value is "closer"), with
 * iproute2's names from lib/rt_names.c {@code rtnl_rtscope_tab}.
 */
public final class RouteScope {
    public static final int UNIVERSE = 0;
    public static final int SITE = 200;
    public static final int LINK = 253;
    public static final int HOST = 254;
    public static final int NOWHERE = 255;

    private RouteScope() {}

    /** {@code rtnl_rtscope_n2a}: the name, or the decimal number for unnamed scopes. */
    public static String name(int scope) {
        return switch (scope) {
            case UNIVERSE -> "global";
            case SITE -> "site";
            case LINK -> "link";
            case HOST -> "host";
            case NOWHERE -> "nowhere";
            default -> Integer.toString(scope);
        };
    }

    /** {@code rtnl_rtscope_a2n}: a name or a number 0..255. */
    public static int parse(String text) {
        return switch (text) {
            case "global" -> UNIVERSE;
            case "site" -> SITE;
            case "link" -> LINK;
            case "host" -> HOST;
            case "nowhere" -> NOWHERE;
            default -> RouteProtocol.parseByte(text, "scope");
        };
    }
}
