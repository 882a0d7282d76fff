package dev.podlab.kernel;

import java.util.List;

/**
 * The one script both worlds run: namespaces, the commands that build the topology (in the
 * iproute2, sysctl and iptables syntax podlab's {@code IpCommand} and {@code Iptables.execute}
 * accept and the real tools run as {@code ip netns exec NS ...}), and the probes sent afterwards.
 *
 * <pre>
 *          a 10.0.0.2 ─ eth0═vetha ┐                              ┌ vethc═eth0 ─ c 10.0.1.2
 *                                  ├ br0 10.0.0.1/24  router r    │  10.0.1.1/24   mtu 1000
 *          b 10.0.0.3 ─ eth0═vethb ┘   ip_forward=1  ─────────────┘  TCP server :8080 (keeps connections open)
 *
 *   r nat:    PREROUTING -d 10.96.0.10 -p tcp --dport 80 -j DNAT --to-destination 10.0.1.2:8080
 *   r filter: FORWARD ctstate RELATED,ESTABLISHED ACCEPT
 *             FORWARD -s 10.0.0.3 -p tcp --dport 8080 REJECT icmp-admin-prohibited
 *             FORWARD -p udp --dport 9999 DROP
 * </pre>
 */
final class Scenario {
    private Scenario() {}

    /** A command in a namespace; {@code kernelOptional}: the real kernel may lack it (skip if it fails there). */
    record Command(String ns, String line, boolean kernelOptional) {
        Command(String ns, String line) {
            this(ns, line, false);
        }
    }

    /** What a probe does; {@code arg} is the port (TCP, UDP) or the ping data size. */
    enum Kind { PING, TCP, UDP }

    record Probe(String name, String ns, Kind kind, String dst, int arg) {
        String describe() {
            return name + ": " + ns + " " + switch (kind) {
                case PING -> "ping -c 1 -W 1 -M do -s " + arg + " " + dst;
                case TCP -> "connect " + dst + ":" + arg;
                case UDP -> "udp " + dst + ":" + arg;
            };
        }
    }

    static final List<String> NAMESPACES = List.of("r", "a", "b", "c");

    /** The router; its state views are what the test compares. */
    static final String ROUTER = "r";

    static final int SERVER_PORT = 8080;

    static final List<Command> SETUP = List.of(
            new Command("r", "ip link set lo up"),
            new Command("r", "ip link add br0 type bridge"),
            new Command("r", "ip link set br0 address 02:00:00:00:00:01"),
            new Command("r", "ip link set br0 up"),
            new Command("r", "ip addr add 10.0.0.1/24 dev br0"),
            new Command("r", "ip link add vetha type veth peer name eth0 netns a"),
            new Command("r", "ip link set vetha master br0"),
            new Command("r", "ip link set vetha up"),
            new Command("r", "ip link add vethb type veth peer name eth0 netns b"),
            new Command("r", "ip link set vethb master br0"),
            new Command("r", "ip link set vethb up"),
            new Command("r", "ip link add vethc type veth peer name eth0 netns c"),
            new Command("r", "ip link set vethc address 02:00:00:00:01:01"),
            new Command("r", "ip link set vethc mtu 1000"),
            new Command("r", "ip link set vethc up"),
            new Command("r", "ip addr add 10.0.1.1/24 dev vethc"),
            new Command("r", "sysctl -w net.ipv4.ip_forward=1"),
            // Bridged frames stay out of iptables in both worlds; the key exists only where
            // br_netfilter is loaded, and without it the kernel behaves as with 0.
            new Command("r", "sysctl -w net.bridge.bridge-nf-call-iptables=0", true),
            new Command("a", "ip link set lo up"),
            new Command("a", "ip link set eth0 address 02:00:00:00:00:02"),
            new Command("a", "ip link set eth0 up"),
            new Command("a", "ip addr add 10.0.0.2/24 dev eth0"),
            new Command("a", "ip route add default via 10.0.0.1"),
            new Command("b", "ip link set lo up"),
            new Command("b", "ip link set eth0 address 02:00:00:00:00:03"),
            new Command("b", "ip link set eth0 up"),
            new Command("b", "ip addr add 10.0.0.3/24 dev eth0"),
            new Command("b", "ip route add default via 10.0.0.1"),
            new Command("c", "ip link set lo up"),
            new Command("c", "ip link set eth0 address 02:00:00:00:01:02"),
            new Command("c", "ip link set eth0 mtu 1000"),
            new Command("c", "ip link set eth0 up"),
            new Command("c", "ip addr add 10.0.1.2/24 dev eth0"),
            new Command("c", "ip route add default via 10.0.1.1"),
            new Command("r", "iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
            new Command("r", "iptables -A FORWARD -s 10.0.0.3/32 -p tcp -m tcp --dport 8080"
                    + " -j REJECT --reject-with icmp-admin-prohibited"),
            new Command("r", "iptables -A FORWARD -p udp -m udp --dport 9999 -j DROP"),
            new Command("r", "iptables -t nat -A PREROUTING -d 10.96.0.10/32 -p tcp -m tcp --dport 80"
                    + " -j DNAT --to-destination 10.0.1.2:8080"));

    /** Sent one after the other, each when the previous one has its outcome. */
    static final List<Probe> TRAFFIC = List.of(
            new Probe("ping across the bridge", "a", Kind.PING, "10.0.0.3", 56),
            new Probe("ping through the router", "a", Kind.PING, "10.0.1.2", 56),
            new Probe("TCP to the DNATed virtual address", "a", Kind.TCP, "10.96.0.10", 80),
            new Probe("TCP to a closed port", "a", Kind.TCP, "10.0.1.2", 8081),
            new Probe("UDP to a closed port", "a", Kind.UDP, "10.0.1.2", 5000),
            new Probe("DF ping larger than the MTU", "a", Kind.PING, "10.0.1.2", 1400),
            new Probe("TCP rejected by the FORWARD rule", "b", Kind.TCP, "10.0.1.2", SERVER_PORT),
            new Probe("UDP dropped by the FORWARD rule", "b", Kind.UDP, "10.0.1.2", 9999));

    /** The UDP probes' payload. */
    static final byte[] UDP_PAYLOAD = "podlab\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * The real side's TCP/UDP client and TCP server, in python3: one line of outcome per run, in
     * the form {@link Outcomes} compares. ICMP errors are read from the socket's error queue
     * ({@code IP_RECVERR}), which names the ICMP type, code and the reporting address.
     */
    static final String PROBE_PY = """
            import errno, socket, struct, sys, time
            IP_RECVERR = 11

            def icmp_error(s):
                try:
                    _, anc, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE)
                except OSError:
                    return ""
                for level, kind, data in anc:
                    if level == socket.IPPROTO_IP and kind == IP_RECVERR and len(data) >= 24:
                        _, origin, typ, code, _, info, _ = struct.unpack("=IBBBBII", data[:16])
                        if origin != 2:
                            continue
                        text = " icmp %d/%d from %s" % (typ, code, socket.inet_ntoa(data[20:24]))
                        return text + (" mtu=%d" % info if info else "")
                return ""

            def serve_tcp(port, life):
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("0.0.0.0", port))
                s.listen(16)
                print("LISTENING", flush=True)
                kept = []
                end = time.time() + life
                while time.time() < end:
                    s.settimeout(max(0.05, end - time.time()))
                    try:
                        c, _ = s.accept()
                    except socket.timeout:
                        break
                    c.settimeout(max(0.05, end - time.time()))
                    try:
                        while c.recv(4096):
                            pass
                    except OSError:
                        pass
                    # Kept open (CLOSE_WAIT) until the process ends: the client's close is then
                    # always FIN + ACK, never raced by this side's own FIN.
                    kept.append(c)

            def client(kind, dst, port, timeout):
                if kind == "tcp":
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                else:
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
                s.settimeout(timeout)
                try:
                    if kind == "tcp":
                        s.connect((dst, port))
                        print("CONNECTED")
                    else:
                        s.connect((dst, port))
                        s.send(b"podlab\\n")
                        s.recv(2048)
                        print("ANSWERED")
                except socket.timeout:
                    print("TIMED_OUT")
                except OSError as e:
                    print(errno.errorcode.get(e.errno, str(e.errno)) + icmp_error(s))
                s.close()

            if sys.argv[1] == "serve-tcp":
                serve_tcp(int(sys.argv[2]), float(sys.argv[3]))
            else:
                client(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
            """;
}
