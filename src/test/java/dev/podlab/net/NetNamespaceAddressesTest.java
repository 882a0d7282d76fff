package dev.podlab.net;

import static dev.podlab.net.TestNet.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podlab.packet.Ipv4Address;
import org.junit.jupiter.api.Test;

/**
 * Which addresses a namespace takes as its own ({@code inet_addr_type}) and as a subnet
 * broadcast, asked again after each change as the packet path asks it: an answer kept from
 * before an {@code ip addr add} or {@code ip link set down} would be a wrong verdict for every
 * packet after it.
 *
 * <p>The expectations were checked by hand against this machine's kernel (Linux 6.18 under Debian 12) with the
 * same commands in a network namespace, reading {@code ip route show table local}: an address's
 * {@code local} route exists from {@code ip addr add} on, while the link is down too (and a ping
 * to it arriving on another, up, interface is answered); its {@code broadcast} route exists only
 * while the link is up; 127/8 is local once lo is up.
 */
class NetNamespaceAddressesTest {
    private final TestNet t = new TestNet();
    private final NetNamespace ns = t.ns("n", null);

    private boolean local(String address) {
        return ns.isLocalAddress(Ipv4Address.parse(address));
    }

    private boolean broadcast(String address) {
        return ns.isBroadcastAddress(Ipv4Address.parse(address));
    }

    @Test
    void answersFollowAddressesAndLinkState() {
        ip(ns, "link add br0 type bridge", "addr add 10.0.0.1/24 dev br0");
        assertThat(local("10.0.0.1")).as("br0 was never up: the local route is there").isTrue();
        assertThat(broadcast("10.0.0.255")).as("br0 was never up: no broadcast route").isFalse();

        ip(ns, "link set br0 up");
        assertThat(local("10.0.0.1")).as("br0 is up").isTrue();
        assertThat(local("10.0.0.2")).isFalse();
        assertThat(broadcast("10.0.0.255")).isTrue();
        assertThat(broadcast("10.0.1.255")).isFalse();

        ip(ns, "addr add 10.0.1.1/24 dev br0");
        assertThat(local("10.0.1.1")).as("added after the first answers").isTrue();
        assertThat(broadcast("10.0.1.255")).isTrue();

        ip(ns, "link set br0 down");
        assertThat(local("10.0.0.1")).as("br0 went down: the local route stays").isTrue();
        assertThat(local("10.0.1.1")).isTrue();
        assertThat(broadcast("10.0.0.255")).as("br0 went down: the broadcast route goes").isFalse();
        assertThat(broadcast("10.0.1.255")).isFalse();

        assertThat(local("127.0.0.1")).as("lo is down in a new namespace").isFalse();
        ip(ns, "link set lo up");
        assertThat(local("127.0.0.1")).isTrue();
        assertThat(local("127.1.2.3")).as("all of 127/8").isTrue();
    }

    @Test
    void aDeletedLinkTakesItsAddressesAlong() {
        ip(ns, "link add veth0 type veth peer name veth1", "link set veth0 up", "addr add 10.1.0.1/24 dev veth0");
        assertThat(local("10.1.0.1")).isTrue();
        ((Veth) ns.device("veth0")).delete(); // what the CNI does when a pod goes
        assertThat(local("10.1.0.1")).isFalse();
        assertThat(broadcast("10.1.0.255")).isFalse();
    }
}
