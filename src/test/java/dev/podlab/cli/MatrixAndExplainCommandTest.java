package dev.podlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code podlab matrix}, {@code podlab explain} and their lab steps on the shipped
 * {@code netpol-e2e} topology (the Kubernetes netpol e2e layout: x, y, z; a, b, c; TCP, UDP and
 * SCTP on 80 and 81). Until a CNI enforces NetworkPolicy every probe connects, which is what the
 * e2e suite expects with no policy; {@code explain} uses the reference evaluator, so its verdicts
 * on the policies below (from the Kubernetes documentation's NetworkPolicy page, placed in the
 * e2e namespaces) hold already.
 */
class MatrixAndExplainCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String E2E = "topologies/clusters/netpol-e2e.yaml";

    /** The e2e suite's reachability with no policy: every pod reaches every pod ({@code NewReachability(allPods, true)}). */
    private static final String ALL_CONNECTED = """
            - x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a . . . . . . . . .
            x/b . . . . . . . . .
            x/c . . . . . . . . .
            y/a . . . . . . . . .
            y/b . . . . . . . . .
            y/c . . . . . . . . .
            z/a . . . . . . . . .
            z/b . . . . . . . . .
            z/c . . . . . . . . .
            """.replace(' ', '\t');

    /**
     * The documentation's {@code test-network-policy} (role=db -> pod=a in x, project=myproject
     * -> ns=y, role=frontend -> pod=b, port 6379 -> 80) and {@code default-deny-ingress} (in z).
     */
    private static final String DOCS_POLICIES = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: test-network-policy, namespace: x}
            spec:
              podSelector:
                matchLabels: {pod: a}
              policyTypes: [Ingress, Egress]
              ingress:
              - from:
                - ipBlock:
                    cidr: 172.17.0.0/16
                    except: [172.17.1.0/24]
                - namespaceSelector:
                    matchLabels: {ns: y}
                - podSelector:
                    matchLabels: {pod: b}
                ports:
                - {protocol: TCP, port: 80}
              egress:
              - to:
                - ipBlock: {cidr: 10.0.0.0/24}
                ports:
                - {protocol: TCP, port: 5978}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: default-deny-ingress, namespace: z}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
            """;

    private static void oneLineExit2(Cli.Result r, String line) {
        assertThat(r.status()).as("%s", r).isEqualTo(2);
        assertThat(r.err()).isEqualTo(line + "\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void matrixWithNoPolicyIsTheE2eAllConnectedGrid(@TempDir Path dir) throws IOException {
        Cli.Result r = Cli.run("matrix", E2E);
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.out()).isEqualTo(ALL_CONNECTED);
        assertThat(r.err()).isEmpty();

        Path expect = dir.resolve("expect.txt");
        Files.writeString(expect, ALL_CONNECTED);
        Cli.Result same = Cli.run("matrix", E2E, "--port", "TCP/81", "--expect", expect.toString());
        assertThat(same.status()).as("%s", same).isZero();
        assertThat(same.out()).isEqualTo(ALL_CONNECTED + "as expected (" + expect + ")\n");
    }

    @Test
    void everyProtocolOnASubsetAndRefusedWhereNothingListens() {
        for (String port : new String[] {"UDP/80", "udp/81", "SCTP/80", "SCTP/81"}) {
            Cli.Result r = Cli.run("matrix", E2E, "--port", port, "--pods", "z/c,x/a,y/b");
            assertThat(r.status()).as("%s %s", port, r).isZero();
            assertThat(r.out()).as(port).isEqualTo("-\tz/c\tx/a\ty/b\nz/c\t.\t.\t.\nx/a\t.\t.\t.\ny/b\t.\t.\t.\n");
        }
        // nobody serves TCP 82: every probe is refused, the pod's own one included
        Cli.Result r = Cli.run("matrix", E2E, "--port", "TCP/82", "--pods", "x/a,y/b");
        assertThat(r.out()).isEqualTo("-\tx/a\ty/b\nx/a\tX\tX\ny/b\tX\tX\n");
    }

    @Test
    void jsonIsPortPodsAndRowsOfClients() throws IOException {
        Cli.Result r = Cli.run("matrix", E2E, "--json", "--pods", "x/a,y/b", "--port", "tcp/81");
        assertThat(r.status()).as("%s", r).isZero();
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.get("port").asText()).isEqualTo("TCP/81");
        assertThat(j.get("pods").toString()).isEqualTo("[\"x/a\",\"y/b\"]");
        assertThat(j.get("allowed").toString()).isEqualTo("[[true,true],[true,true]]");
    }

    @Test
    void expectThatDiffersPrintsTheCellsAndExits1(@TempDir Path dir) throws IOException {
        Path expect = dir.resolve("deny-x-a.txt");
        // what default-deny-ingress on x/a would give: only x/a itself reaches x/a
        Files.writeString(expect, """
                -	x/a	x/b	y/a
                x/a	.	.	.
                x/b	X	.	.
                y/a	X	.	.
                """);
        Cli.Result r = Cli.run("matrix", E2E, "--expect", expect.toString());
        assertThat(r.status()).as("%s", r).isEqualTo(1);
        assertThat(r.out()).isEqualTo("""
                -	x/a	x/b	y/a
                x/a	.	.	.
                x/b	.	.	.
                y/a	.	.	.
                2 of 9 cells differ from %s:
                x/b -> x/a: expected X, got .
                y/a -> x/a: expected X, got .
                """.formatted(expect));

        // the JSON form is accepted too; with --json the differences go to stderr
        Path json = dir.resolve("expect.json");
        Files.writeString(json, "{\"port\": \"TCP/80\", \"pods\": [\"x/a\", \"x/b\"], \"allowed\": [[true, false], [true, true]]}");
        Cli.Result j = Cli.run("matrix", E2E, "--json", "--expect", json.toString());
        assertThat(j.status()).as("%s", j).isEqualTo(1);
        assertThat(JSON.readTree(j.out()).get("pods").size()).isEqualTo(2);
        assertThat(j.err()).isEqualTo("1 of 4 cells differ from " + json + ":\nx/a -> x/b: expected X, got .\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--port TCP/abc|podlab matrix: --port: Invalid value: \"TCP/abc\": write PROTOCOL/PORT with a port between 1 and 65535, as in TCP/80",
        "--port ICMP/80|podlab matrix: --port: Unsupported value: \"ICMP/80\": the protocol must be TCP, UDP or SCTP, as in TCP/80",
        "--timeout soon|podlab matrix: --timeout: Invalid value: \"soon\": a duration like 1s or 500ms",
        "--pods x/a,q/zz|podlab matrix: --pods: pod \"q/zz\" not found (write NAMESPACE/POD; pods: x/a, x/b, x/c, y/a, y/b, y/c, z/a, z/b, z/c)",
        "--pods x/a,x/a|podlab matrix: --pods: pod \"x/a\" is listed twice",
        "--expect /nonexistent/grid.txt|podlab matrix: --expect: /nonexistent/grid.txt: no such file",
    })
    void badMatrixInputIsOneLineAndExit2(String option, String line) {
        String[] o = option.split(" ");
        oneLineExit2(Cli.run("matrix", E2E, o[0], o[1]), line);
    }

    @Test
    void malformedOrMismatchedExpectFileIsOneLineWithFileAndLine(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.txt");
        Files.writeString(bad, "-\tx/a\tx/b\nx/a\t.\t.\nx/b\t.\tY\n");
        oneLineExit2(Cli.run("matrix", E2E, "--expect", bad.toString()), "podlab matrix: " + bad
                + ":3: row \"x/b\", column \"x/b\": \"Y\" is not a cell (. connected, X not connected, ? not compared)");
        Path unknown = dir.resolve("unknown.txt");
        Files.writeString(unknown, "- x/a w/w\nx/a . .\nw/w . .\n");
        assertThat(Cli.run("matrix", E2E, "--expect", unknown.toString()).err())
                .startsWith("podlab matrix: --expect: " + unknown + ": pod \"w/w\" not found");
        Path other = dir.resolve("other.txt");
        Files.writeString(other, "- x/a x/b\nx/a . .\nx/b . .\n");
        oneLineExit2(Cli.run("matrix", E2E, "--pods", "x/b,x/a", "--expect", other.toString()),
                "podlab matrix: --expect: " + other + ": the table names the pods [x/a, x/b], --pods [x/b, x/a]");
    }

    private static Path policies(Path dir) throws IOException {
        Path p = dir.resolve("docs-policies.yaml");
        Files.writeString(p, DOCS_POLICIES);
        return p;
    }

    @Test
    void explainNamesTheRuleThatAllows(@TempDir Path dir) throws IOException {
        String np = policies(dir).toString();
        Cli.Result r = Cli.run("explain", E2E, np, "--from", "y/c", "--to", "x/a", "--port", "80");
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.outLines()).hasSize(3);
        assertThat(r.outLines()[0]).matches("y/c \\(10\\.244\\.\\d+\\.\\d+\\) -> x/a \\(10\\.244\\.0\\.\\d+\\) TCP/80: allowed");
        assertThat(r.outLines()[1]).isEqualTo("  egress at y/c: allowed: not isolated (no policy selects y/c for egress)");
        assertThat(r.outLines()[2]).isEqualTo("  ingress at x/a, selected by x/test-network-policy: allowed by"
                + " x/test-network-policy ingress rule 0 (from[1] namespaceSelector ns=y, ports[0] TCP/80)");

        Cli.Result b = Cli.run("explain", E2E, np, "--from", "x/b", "--to", "x/a");
        assertThat(b.status()).isZero();
        assertThat(b.out()).contains("TCP/80: allowed")
                .contains("allowed by x/test-network-policy ingress rule 0 (from[2] podSelector pod=b, ports[0] TCP/80)");
    }

    @Test
    void explainJsonCarriesTheVerdictTheSidesAndTheRule(@TempDir Path dir) throws IOException {
        String np = policies(dir).toString();
        Cli.Result r = Cli.run("explain", E2E, np, "--from", "y/c", "--to", "x/a", "--port", "80", "--json");
        assertThat(r.status()).as("%s", r).isZero();
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.get("allowed").asBoolean()).isTrue();
        assertThat(j.get("from").asText()).isEqualTo("y/c");
        assertThat(j.get("toAddress").asText()).startsWith("10.244.0.");
        assertThat(j.get("protocol").asText()).isEqualTo("TCP");
        assertThat(j.get("egress").get("reason").asText()).isEqualTo("NOT_ISOLATED");
        JsonNode by = j.get("ingress").get("allowedBy");
        assertThat(by.get("policy").asText()).isEqualTo("x/test-network-policy");
        assertThat(by.get("rule").asInt()).isZero();
        assertThat(by.get("peer").asInt()).isEqualTo(1); // from[1]: the namespaceSelector ns=y
        Cli.Result denied = Cli.run("explain", E2E, np, "--from", "x/c", "--to", "x/a", "--port", "80", "--json");
        assertThat(denied.status()).isEqualTo(1);
        JsonNode d = JSON.readTree(denied.out());
        assertThat(d.get("allowed").asBoolean()).isFalse();
        assertThat(d.get("ingress").get("reason").asText()).isEqualTo("NO_RULE_MATCHES_PEER");
        assertThat(d.get("ingress").get("allowedBy").isNull()).isTrue();
    }

    @Test
    void explainSaysWhyNoRuleAllows(@TempDir Path dir) throws IOException {
        String np = policies(dir).toString();
        Cli.Result peer = Cli.run("explain", E2E, np, "--from", "x/c", "--to", "x/a", "--port", "80");
        assertThat(peer.status()).as("%s", peer).isEqualTo(1);
        assertThat(peer.out()).contains("TCP/80: denied\n")
                .containsPattern("ingress at x/a, selected by x/test-network-policy: denied: isolated, and no ingress rule"
                        + " matches the peer x/c \\(10\\.244\\.2\\.\\d+\\)\n")
                .contains("    x/test-network-policy ingress rule 0 (from ipBlock 172.17.0.0/16 except [172.17.1.0/24] or"
                        + " namespaceSelector ns=y or podSelector pod=b; ports TCP/80): the peer does not match\n");

        Cli.Result port = Cli.run("explain", E2E, np, "--from", "y/a", "--to", "x/a", "--port", "81");
        assertThat(port.status()).isEqualTo(1);
        assertThat(port.out()).contains("no ingress rule that matches the peer allows TCP port 81")
                .contains("): the peer matches; the port 81 does not");

        Cli.Result proto = Cli.run("explain", E2E, np, "--from", "y/a", "--to", "x/a", "--port", "80", "--proto", "udp");
        assertThat(proto.status()).isEqualTo(1);
        assertThat(proto.out()).contains("UDP/80: denied").contains("no ingress rule that matches the peer allows UDP\n")
                .contains("): the peer matches; no port entry for UDP");

        // egress: x/a may only reach 10.0.0.0/24 on 5978
        Cli.Result egress = Cli.run("explain", E2E, np, "--from", "x/a", "--to", "y/b", "--port", "80");
        assertThat(egress.status()).isEqualTo(1);
        assertThat(egress.out()).containsPattern("egress at x/a, selected by x/test-network-policy: denied: isolated,"
                + " and no egress rule matches the peer y/b \\(10\\.244\\.1\\.\\d+\\)\n")
                .contains("    x/test-network-policy egress rule 0 (to ipBlock 10.0.0.0/24; ports TCP/5978): the peer"
                        + " does not match\n")
                .contains("  ingress at y/b: allowed: not isolated (no policy selects y/b for ingress)");
        Cli.Result ip = Cli.run("explain", E2E, np, "--from", "x/a", "--to", "10.0.0.7", "--port", "5978");
        assertThat(ip.status()).isZero();
        assertThat(ip.out()).contains("allowed by x/test-network-policy egress rule 0 (to[0] ipBlock 10.0.0.0/24,"
                + " ports[0] TCP/5978)").contains("ingress at 10.0.0.7: allowed: not a pod, no policy applies");

        Cli.Result deny = Cli.run("explain", E2E, np, "--from", "x/a", "--to", "z/b", "--port", "80");
        assertThat(deny.out()).contains("ingress at z/b, selected by z/default-deny-ingress: denied: isolated, and the"
                + " selecting policy has no ingress rules");
    }

    @Test
    void explainKnowsTheAlwaysAllowedCases(@TempDir Path dir) throws IOException {
        String np = policies(dir).toString();
        // z/a runs on node1: any address of node1's root namespace is its own node (eth0, flannel.1)
        for (String node1 : new String[] {"192.168.1.11", "10.244.0.0"}) {
            Cli.Result r = Cli.run("explain", E2E, np, "--from", node1, "--to", "z/a");
            assertThat(r.status()).as("%s %s", node1, r).isZero();
            assertThat(r.out()).contains("ingress at z/a, selected by z/default-deny-ingress: allowed: from the pod's own"
                    + " node node1 (always allowed)");
        }
        Cli.Result other = Cli.run("explain", E2E, np, "--from", "192.168.1.12", "--to", "z/a");
        assertThat(other.status()).isEqualTo(1);
        Cli.Result self = Cli.run("explain", E2E, np, "--from", "z/a", "--to", "z/a");
        assertThat(self.status()).isZero();
        assertThat(self.out()).contains("ingress at z/a, selected by z/default-deny-ingress: allowed: same pod");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--from x/q --to x/a|podlab explain: --from: \"x/q\" is neither a pod (NAMESPACE/POD) nor an IPv4 address (pods: x/a, x/b, x/c, y/a, y/b, y/c, z/a, z/b, z/c)",
        "--from x/a --to 300.1.1.1|podlab explain: --to: \"300.1.1.1\" is neither a pod (NAMESPACE/POD) nor an IPv4 address (pods: x/a, x/b, x/c, y/a, y/b, y/c, z/a, z/b, z/c)",
        "--from x/a --to x/b --proto icmp|podlab explain: --proto: Unsupported value: \"icmp\": supported values: \"tcp\", \"udp\", \"sctp\"",
        "--from x/a --to x/b --port abc|podlab explain: --port: Invalid value: \"abc\": must be between 1 and 65535, inclusive",
        "--from x/a --to x/b --port 0|podlab explain: --port: Invalid value: \"0\": must be between 1 and 65535, inclusive",
    })
    void badExplainInputIsOneLineAndExit2(String options, String line) {
        String[] o = options.split(" ");
        String[] args = new String[o.length + 2];
        args[0] = "explain";
        args[1] = E2E;
        System.arraycopy(o, 0, args, 2, o.length);
        oneLineExit2(Cli.run(args), line);
    }

    @Test
    void labStepsMatrixAndExplain(@TempDir Path dir) throws IOException {
        Path lab = dir.resolve("lab.yaml");
        Files.writeString(lab, """
                apiVersion: podlab.dev/v1alpha1
                kind: Lab
                metadata: {name: netpol}
                spec:
                  topology: [%s]
                  steps:
                  - matrix: {port: TCP/81, pods: [x/a, y/b], timeout: 1s}
                    expect: |
                      -	x/a	y/b
                      x/a	.	.
                      y/b	.	.
                  - matrix: {port: UDP/80}
                    expect: |
                      -   x/b z/c
                      x/b .   .
                      z/c .   .
                  - apply: |
                      apiVersion: networking.k8s.io/v1
                      kind: NetworkPolicy
                      metadata: {name: x-a-allows-x-b, namespace: x}
                      spec:
                        podSelector: {matchLabels: {pod: a}}
                        ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
                  - explain: {from: x/b, to: x/a, port: 80, proto: tcp}
                    expect: {contains: "allowed by x/x-a-allows-x-b ingress rule 0 (from[0] podSelector pod=b, all ports)"}
                  - explain: {from: x/c, to: x/a, port: 80}
                    expect: denied
                  - label: {pod: x/c, set: {pod: b}}
                  - explain: {from: x/c, to: x/a, port: 80}
                    expect: allowed
                """.formatted(Path.of(E2E).toAbsolutePath()));
        Cli.Result r = Cli.run("lab", "--color", "never", lab.toString());
        assertThat(r.status()).as("%s", r).isZero();
        assertThat(r.out()).contains("   1  matrix TCP/81, 2 pods  PASS\n         -\tx/a\ty/b\n")
                .contains("   2  matrix UDP/80, 2 pods  PASS\n")
                .contains("   4  explain x/b -> x/a TCP/80: allowed  PASS\n")
                .contains("   5  explain x/c -> x/a TCP/80: denied  PASS\n")
                .contains("   7  explain x/c -> x/a TCP/80: allowed  PASS\n")
                .contains("lab passed: 7 steps");
    }

    @Test
    void aFailingMatrixStepPrintsBothTablesAndTheCells(@TempDir Path dir) throws IOException {
        Path lab = dir.resolve("lab.yaml");
        Files.writeString(lab, """
                apiVersion: podlab.dev/v1alpha1
                kind: Lab
                metadata: {name: netpol}
                spec:
                  topology: [%s]
                  steps:
                  - matrix: {port: TCP/80}
                    expect: |
                      - x/a x/b
                      x/a . X
                      x/b . .
                  - explain: {from: x/b, to: x/a}
                    expect: denied
                """.formatted(Path.of(E2E).toAbsolutePath()));
        Cli.Result r = Cli.run("lab", "--color", "never", lab.toString());
        assertThat(r.status()).as("%s", r).isEqualTo(1);
        assertThat(r.out()).contains("""
                   1  matrix TCP/80, 2 pods  FAIL (1 of 4 cells differ)
                       expected:
                         -	x/a	x/b
                         x/a	.	X
                         x/b	.	.
                       observed:
                         -	x/a	x/b
                         x/a	.	.
                         x/b	.	.
                       differences:
                         x/a -> x/b: expected X, got .
                """).contains("   2  explain x/b -> x/a TCP/80: allowed  FAIL (expected denied)\n")
                .contains("lab failed: 2 of 2 steps did not go as expected");
    }

    @Test
    void aMalformedMatrixStepIsALabFileErrorWithItsLine(@TempDir Path dir) throws IOException {
        Path lab = dir.resolve("lab.yaml");
        Files.writeString(lab, """
                apiVersion: podlab.dev/v1alpha1
                kind: Lab
                metadata: {name: netpol}
                spec:
                  topology: [x.yaml]
                  steps:
                  - matrix: {port: TCP/80}
                    expect: |
                      - x/a x/b
                      x/a . X
                      x/b . x
                  - matrix: {port: ICMP/8}
                """);
        oneLineExit2(Cli.run("lab", lab.toString()), "podlab lab: " + lab
                + ":11: row \"x/b\", column \"x/b\": \"x\" is not a cell (. connected, X not connected, ? not compared)");
        Files.writeString(lab, Files.readString(lab).replace("x/b . x", "x/b . ."));
        oneLineExit2(Cli.run("lab", lab.toString()), "podlab lab: " + lab + ":12: spec.steps[1].matrix.port: Unsupported"
                + " value: \"ICMP/8\": the protocol must be TCP, UDP or SCTP, as in TCP/80");
    }
}
