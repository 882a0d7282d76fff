package dev.podlab.net;

import dev.podlab.packet.Ipv4Address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RoutingTable against the kernel's FIB behaviour (fib_trie.c, fib_semantics.c, fib_frontend.c) and
 * iproute2's print_route. Expected text comes from the reference notes (independent of this code)
 * and from the format strings of iproute2 ip/iproute.c.
 */
class RoutingTableTest {
    static final DeviceRef LO = new DeviceRef(1, "lo");
    static final DeviceRef ENS33 = new DeviceRef(2, "ens33");
    static final DeviceRef FLANNEL = new DeviceRef(4, "flannel.1");
    static final DeviceRef CNI0 = new DeviceRef(5, "cni0");

    static int ip(String s) {
        return Ipv4Address.parse(s);
    }

    /** node1 of flannel.md §2.3: subnet 10.244.1.0/24, peers node0 (10.244.0.0/24) and node2 (10.244.2.0/24). */
    static RoutingTable flannelNode1() {
        RoutingTable rt = new RoutingTable();
        rt.addLoopback(LO);
        rt.addAddress(LO, "127.0.0.1/8");
        rt.addDevice(ENS33);
        rt.addAddress(ENS33, "192.168.66.212/24");
        rt.apply("add default via 192.168.66.2 dev ens33 proto static");
        rt.addDevice(FLANNEL);
        rt.addAddress(FLANNEL, "10.244.1.0/32");
        rt.addDevice(CNI0);
        rt.addAddress(CNI0, "10.244.1.1/24");
        rt.apply("replace 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink");
        rt.apply("replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
        return rt;
    }

    @Test
    void ipRouteOnFlannelNodeMatchesReferenceLineForLine() {
        List<String> want = Reference.output("flannel.md", "$ ip route");
        Check.lines(Reference.trimmedLines(flannelNode1().show()), want);
    }

    @Test
    void printRouteEndsEveryFieldWithOneSpace() {
        // iproute.c prints each attribute as "%s " and then "\n": a line ends in exactly one blank.
        for (String line : Reference.lines(flannelNode1().show())) {
            assertThat(line).as("got \"%s\", want one trailing blank", line).endsWith(" ").doesNotEndWith("  ");
        }
    }

    @Test
    void ipRouteOnCalicoIpipNodeMatchesReferenceLineForLine() {
        List<String> want = Reference.output("calico.md", "# IPIP Always (BIRD)");
        RoutingTable rt = new RoutingTable();
        DeviceRef ens192 = new DeviceRef(2, "ens192");
        DeviceRef tunl0 = new DeviceRef(3, "tunl0");
        DeviceRef cali = new DeviceRef(7, "cali573926084b2");
        rt.addDevice(ens192);
        rt.addAddress(ens192, ip("192.168.3.128"), 24, 0, RouteScope.UNIVERSE, 100);
        rt.apply("add default via 192.168.3.1 dev ens192 proto static metric 100");
        rt.addDevice(tunl0);
        rt.addAddress(tunl0, "10.244.208.0/32");
        rt.addDevice(cali);
        rt.apply("add blackhole 10.244.208.0/26 proto bird");
        rt.apply("add 10.244.208.1 dev cali573926084b2 scope link");
        rt.apply("add 10.244.92.128/26 via 192.168.3.126 dev tunl0 proto bird onlink");
        rt.apply("add 10.244.71.64/26 via 192.168.3.127 dev tunl0 proto bird onlink");

        Check.lines(Reference.trimmedLines(rt.show()), want);
        Check.lines(Reference.trimmedLines(rt.show(RoutingTable.MAIN, cali)),
                Reference.output("calico.md", "node# ip -4 route show dev cali573926084b2"));
    }

    @Test
    void ipRouteOnCalicoVxlanNodeListsReferenceRoutesInTrieOrder() {
        // The reference excerpt lists these four lines, but not in dump order (10.233.72.0 sorts before
        // 10.233.104.64): the kernel dumps a table by ascending key (fib_trie leaf walk), so we compare
        // the set with the reference and the order with ascending destinations.
        List<String> want = Reference.output("calico.md", "# VXLAN (Felix)");
        RoutingTable rt = new RoutingTable();
        DeviceRef eth0 = new DeviceRef(2, "eth0");
        DeviceRef vxlan = new DeviceRef(3, "vxlan.calico");
        DeviceRef cali = new DeviceRef(8, "cali3c73a6b29ba");
        rt.addDevice(eth0);
        rt.addDevice(vxlan);
        rt.addAddress(vxlan, "10.233.104.64/32");
        rt.addDevice(cali);
        rt.apply("add blackhole 10.233.104.64/26 proto 80");
        rt.apply("add 10.233.104.65 dev cali3c73a6b29ba scope link");
        rt.apply("add 10.233.72.0/26 via 10.233.72.0 dev vxlan.calico onlink");
        rt.apply("add 10.233.105.128/26 via 10.233.105.132 dev vxlan.calico onlink");

        List<String> got = Reference.trimmedLines(rt.show());
        assertThat(got).as("got %s, want the lines of %s", got, want).containsExactlyInAnyOrderElementsOf(want);
        Check.lines(got, List.of(
                "10.233.72.0/26 via 10.233.72.0 dev vxlan.calico onlink",
                "blackhole 10.233.104.64/26 proto 80",
                "10.233.104.65 dev cali3c73a6b29ba scope link",
                "10.233.105.128/26 via 10.233.105.132 dev vxlan.calico onlink"));
    }

    @Test
    void addressOnInterfaceCreatesKernelRoutesOfFibAddIfaddr() {
        // fib_add_ifaddr (Linux >= 5.14): local ADDR and broadcast PREFIX|~MASK in table local, the
        // prefix route in main; no broadcast route for the network address any more.
        RoutingTable rt = flannelNode1();
        Check.lines(Reference.lines(rt.show(RoutingTable.LOCAL)), List.of(
                "local 10.244.1.0 dev flannel.1 proto kernel scope host src 10.244.1.0 ",
                "local 10.244.1.1 dev cni0 proto kernel scope host src 10.244.1.1 ",
                "broadcast 10.244.1.255 dev cni0 proto kernel scope link src 10.244.1.1 ",
                "local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 ",
                "local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 ",
                "broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 ",
                "local 192.168.66.212 dev ens33 proto kernel scope host src 192.168.66.212 ",
                "broadcast 192.168.66.255 dev ens33 proto kernel scope link src 192.168.66.212 "));
    }

    @Test
    void explicitBroadcastAddressAddsItsOwnRouteAndSlash31HasNoBroadcast() {
        RoutingTable rt = new RoutingTable();
        DeviceRef eth0 = new DeviceRef(2, "eth0");
        rt.addDevice(eth0);
        rt.addAddress(eth0, ip("10.0.0.1"), 31, 0, RouteScope.UNIVERSE, 0);
        rt.addAddress(eth0, ip("172.16.0.1"), 16, ip("172.16.255.254"), RouteScope.UNIVERSE, 0);
        Check.lines(Reference.lines(rt.show(RoutingTable.LOCAL)), List.of(
                "local 10.0.0.1 dev eth0 proto kernel scope host src 10.0.0.1 ",
                "local 172.16.0.1 dev eth0 proto kernel scope host src 172.16.0.1 ",
                "broadcast 172.16.255.254 dev eth0 proto kernel scope link src 172.16.0.1 ",
                "broadcast 172.16.255.255 dev eth0 proto kernel scope link src 172.16.0.1 "));
    }

    static Stream<Arguments> longestPrefixCases() {
        return Stream.of(
                Arguments.of("10.244.2.7", "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink "),
                Arguments.of("10.244.1.9", "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 "),
                Arguments.of("192.168.66.215", "192.168.66.0/24 dev ens33 proto kernel scope link src 192.168.66.212 "),
                Arguments.of("8.8.8.8", "default via 192.168.66.2 dev ens33 proto static "),
                Arguments.of("10.244.3.1", "default via 192.168.66.2 dev ens33 proto static "),
                Arguments.of("10.244.1.1", "local 10.244.1.1 dev cni0 proto kernel scope host src 10.244.1.1 "),
                Arguments.of("10.244.1.255", "broadcast 10.244.1.255 dev cni0 proto kernel scope link src 10.244.1.1 "));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("longestPrefixCases")
    void lookupPicksTheMostSpecificRouteLocalTableFirst(String dst, String want) {
        Route got = flannelNode1().lookup(ip(dst));
        Check.text(got == null ? "null" : got.toString(), want);
    }

    @Test
    void equalPrefixPicksLowestMetricWhateverTheInsertionOrder() {
        RoutingTable rt = new RoutingTable();
        DeviceRef eth0 = new DeviceRef(2, "eth0");
        DeviceRef eth1 = new DeviceRef(3, "eth1");
        rt.addDevice(eth0);
        rt.addDevice(eth1);
        rt.addAddress(eth0, "192.168.1.10/24");
        rt.addAddress(eth1, "192.168.2.10/24");
        rt.apply("add 10.0.0.0/8 via 192.168.1.1 metric 200");
        rt.apply("add 10.0.0.0/8 via 192.168.2.1 metric 100");
        rt.apply("add 10.0.0.0/8 via 192.168.1.254 metric 300");
        Check.text(rt.lookup(ip("10.1.2.3")).toString(), "10.0.0.0/8 via 192.168.2.1 dev eth1 metric 100 ");
        // Dump order within one prefix is alias order: ascending metric.
        Check.lines(Reference.lines(rt.show()), List.of(
                "10.0.0.0/8 via 192.168.2.1 dev eth1 metric 100 ",
                "10.0.0.0/8 via 192.168.1.1 dev eth0 metric 200 ",
                "10.0.0.0/8 via 192.168.1.254 dev eth0 metric 300 ",
                "192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.10 ",
                "192.168.2.0/24 dev eth1 proto kernel scope link src 192.168.2.10 "));
    }

    @Test
    void appendedRouteOfEqualMetricGoesAfterItsEqualsAndLosesTheTie() {
        RoutingTable rt = new RoutingTable();
        DeviceRef eth0 = new DeviceRef(2, "eth0");
        rt.addDevice(eth0);
        rt.addAddress(eth0, "192.168.1.10/24");
        rt.apply("add 10.0.0.0/8 via 192.168.1.1");
        rt.apply("append 10.0.0.0/8 via 192.168.1.2");
        Check.text(rt.lookup(ip("10.9.9.9")).toString(), "10.0.0.0/8 via 192.168.1.1 dev eth0 ");
        // Deleting without a gateway removes the first alias of the prefix (fib_table_delete).
        rt.apply("del 10.0.0.0/8");
        Check.text(rt.lookup(ip("10.9.9.9")).toString(), "10.0.0.0/8 via 192.168.1.2 dev eth0 ");
    }

    @Test
    void longerPrefixOfTheSameKeyIsDumpedFirst() {
        RoutingTable rt = new RoutingTable();
        DeviceRef eth0 = new DeviceRef(2, "eth0");
        rt.addDevice(eth0);
        rt.apply("add 10.0.0.0/8 dev eth0");
        rt.apply("add 10.0.0.0/16 dev eth0");
        rt.apply("add 9.0.0.0/8 dev eth0");
        Check.lines(Reference.lines(rt.show()), List.of(
                "9.0.0.0/8 dev eth0 scope link ",
                "10.0.0.0/16 dev eth0 scope link ",
                "10.0.0.0/8 dev eth0 scope link "));
    }

    static Stream<Arguments> rejectCases() {
        return Stream.of(
                Arguments.of("blackhole", RouteType.BLACKHOLE, "RTNETLINK answers: Invalid argument"),
                Arguments.of("unreachable", RouteType.UNREACHABLE, "RTNETLINK answers: No route to host"),
                Arguments.of("prohibit", RouteType.PROHIBIT, "RTNETLINK answers: Permission denied"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejectCases")
    void rejectRouteEndsTheLookupWithItsError(String keyword, RouteType type, String getError) {
        RoutingTable rt = flannelNode1();
        rt.apply("add " + keyword + " 10.244.9.0/24");
        Route r = rt.lookup(ip("10.244.9.3"));
        Check.equal(r.type(), type, "type");
        Check.text(r.toString(), keyword + " 10.244.9.0/24 ");
        // A more specific route inside the reject prefix still wins (calico's blackhole + /32 pod routes).
        rt.apply("add 10.244.9.3 dev cni0");
        Check.equal(rt.lookup(ip("10.244.9.3")).type(), RouteType.UNICAST, "type of the /32");
        assertThatThrownBy(() -> rt.get("10.244.9.4")).hasMessage(getError);
    }

    @Test
    void noRouteIsNetworkUnreachable() {
        RoutingTable rt = new RoutingTable();
        assertThat(rt.lookup(ip("1.2.3.4"))).isNull();
        assertThatThrownBy(() -> rt.get("1.2.3.4")).hasMessage("RTNETLINK answers: Network is unreachable");
    }

    @Test
    void ipRouteGetThroughFlannelUsesTheTunnelAddressAsSource() {
        // flannel.md §2.4: host -> remote pod picks src 10.244.1.0 (the flannel.1 /32).
        Check.text(flannelNode1().get("10.244.2.5"),
                "10.244.2.5 via 10.244.2.0 dev flannel.1 src 10.244.1.0 uid 0 \n    cache \n");
    }

    @Test
    void ipRouteGetOfConnectedLocalAndBroadcastDestinations() {
        RoutingTable rt = flannelNode1();
        Check.text(rt.get("10.244.1.7"), "10.244.1.7 dev cni0 src 10.244.1.1 uid 0 \n    cache \n");
        Check.text(rt.get("8.8.8.8"), "8.8.8.8 via 192.168.66.2 dev ens33 src 192.168.66.212 uid 0 \n    cache \n");
        Check.text(rt.get("10.244.1.1"), "local 10.244.1.1 dev lo table local src 10.244.1.1 uid 0 \n    cache <local> \n");
        Check.text(rt.get("10.244.1.255"),
                "broadcast 10.244.1.255 dev cni0 table local src 10.244.1.1 uid 0 \n    cache <local,brd> \n");
    }

    @Test
    void addingAnExistingRouteIsFileExists() {
        RoutingTable rt = flannelNode1();
        assertThatThrownBy(() -> rt.apply("add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink"))
                .hasMessage("RTNETLINK answers: File exists");
        // NLM_F_EXCL refuses any route of the same prefix and metric, even with another nexthop.
        assertThatThrownBy(() -> rt.apply("add 10.244.2.0/24 dev cni0"))
                .hasMessage("RTNETLINK answers: File exists");
        // A different metric is a different key.
        rt.apply("add 10.244.2.0/24 dev cni0 metric 10");
    }

    @Test
    void gatewayNotOnLinkWithoutOnlinkIsInvalidGateway() {
        RoutingTable rt = flannelNode1();
        // 10.244.2.0 is only reachable through a universe-scope route: fib_check_nh looks it up with
        // scope link and finds nothing.
        assertThatThrownBy(() -> rt.apply("add 10.250.0.0/16 via 10.244.2.0 dev flannel.1"))
                .hasMessage("Error: Nexthop has invalid gateway.");
        assertThatThrownBy(() -> rt.apply("add 10.250.0.0/16 via 172.16.0.1"))
                .hasMessage("Error: Nexthop has invalid gateway.");
        // The gateway is on ens33's subnet but the route names cni0 (flowi4_oif mismatch).
        assertThatThrownBy(() -> rt.apply("add 10.250.0.0/16 via 192.168.66.215 dev cni0"))
                .hasMessage("Error: Nexthop has invalid gateway.");
        // host-gw style route to an on-link peer is accepted and gets the device of the connected route.
        Check.text(rt.apply("add 10.244.3.0/24 via 192.168.66.215").toString(),
                "10.244.3.0/24 via 192.168.66.215 dev ens33 ");
    }

    @Test
    void onlinkGatewayMustNotBeALocalAddress() {
        RoutingTable rt = flannelNode1();
        assertThatThrownBy(() -> rt.apply("add 10.250.0.0/16 via 10.244.1.0 dev flannel.1 onlink"))
                .hasMessage("Error: Nexthop has invalid gateway.");
        assertThatThrownBy(() -> rt.apply("add 10.250.0.0/16 via 10.244.5.0 onlink"))
                .hasMessage("Error: Nexthop device required for onlink.");
        assertThatThrownBy(() -> rt.apply("add 10.250.0.0/16 via 10.244.5.0 dev flannel.1 onlink scope link"))
                .hasMessage("Error: Nexthop has invalid scope.");
    }

    @Test
    void deletingAMissingRouteIsNoSuchProcess() {
        RoutingTable rt = flannelNode1();
        assertThatThrownBy(() -> rt.apply("del 10.99.0.0/16")).hasMessage("RTNETLINK answers: No such process");
        assertThatThrownBy(() -> rt.apply("del 10.244.2.0/24 via 10.244.2.9"))
                .hasMessage("RTNETLINK answers: No such process");
        rt.apply("del 10.244.2.0/24 via 10.244.2.0 dev flannel.1");
        Check.text(rt.lookup(ip("10.244.2.7")).toString(), "default via 192.168.66.2 dev ens33 proto static ");
    }

    @Test
    void kernelRejectsMalformedRequestsWithItsExtack() {
        RoutingTable rt = flannelNode1();
        assertThatThrownBy(() -> rt.apply("add 10.244.9.1/24 dev cni0"))
                .hasMessage("Error: Invalid prefix for given prefix length.");
        assertThatThrownBy(() -> rt.apply("add blackhole 10.9.0.0/16 dev cni0"))
                .hasMessage("Error: Gateway, device and multipath can not be specified for this route type.");
        assertThatThrownBy(() -> rt.apply("add 10.9.0.0/16 dev cni0 src 10.9.9.9"))
                .hasMessage("Error: Invalid prefsrc address.");
        assertThatThrownBy(() -> rt.apply("add 10.9.0.0/16"))
                .hasMessage("RTNETLINK answers: No such device");
    }

    @Test
    void replaceSwapsTheNexthopInPlace() {
        RoutingTable rt = flannelNode1();
        rt.apply("replace 10.244.2.0/24 via 192.168.66.215 dev ens33");
        Check.text(rt.lookup(ip("10.244.2.7")).toString(), "10.244.2.0/24 via 192.168.66.215 dev ens33 ");
        Check.equal(rt.routes(RoutingTable.MAIN).size(), 5, "routes in main");
    }

    /** Lookups are memoised per destination: each change of the routes must show in the next lookup. */
    @Test
    void aRepeatedLookupFollowsEveryChangeOfTheRoutes() {
        RoutingTable rt = flannelNode1();
        int dst = ip("10.244.2.7");
        Check.text(rt.lookup(dst).toString(), "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink ");
        rt.apply("add 10.244.2.7/32 via 192.168.66.215 dev ens33");
        Check.text(rt.lookup(dst).toString(), "10.244.2.7 via 192.168.66.215 dev ens33 ");
        rt.apply("replace 10.244.2.7/32 via 192.168.66.211 dev ens33");
        Check.text(rt.lookup(dst).toString(), "10.244.2.7 via 192.168.66.211 dev ens33 ");
        rt.apply("del 10.244.2.7/32");
        rt.apply("del 10.244.2.0/24 via 10.244.2.0 dev flannel.1");
        Check.text(rt.lookup(dst).toString(), "default via 192.168.66.2 dev ens33 proto static ");
        rt.apply("del default");
        assertThat(rt.lookup(dst)).as("no route left for %s", "10.244.2.7").isNull();
        rt.apply("add 10.244.0.0/16 dev flannel.1");
        Check.text(rt.lookup(dst).toString(), "10.244.0.0/16 dev flannel.1 scope link ");
    }

    @Test
    void lookupAllocatesNothing() {
        RoutingTable rt = flannelNode1();
        int dst = ip("10.244.2.7");
        for (int i = 0; i < 20_000; i++) {
            rt.lookup(dst + (i & 0xff));
        }
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        Route last = null;
        for (int i = 0; i < 100_000; i++) {
            last = rt.lookup(dst + (i & 0xff));
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(last).isNotNull();
        // One object per lookup would be at least 1.6 MB; the JIT and safepoints may add a few KB of
        // their own to the thread's count while the loop runs.
        assertThat(allocated).as("got %d bytes allocated by 100000 lookups, want ~0", allocated).isLessThan(64 * 1024);
    }
}
