package dev.podlab.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.cluster.model.TopologyException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The truth table's printed form, its parser and the expected/observed comparison, without a
 * cluster. The printed form was checked against the Kubernetes e2e source it imitates,
 * {@code test/e2e/network/netpol/truthtable.go} ({@code TruthTable.PrettyPrint}): a header line of
 * {@code "-"} followed by the "to" items, every field joined by a tab; then one line per "from"
 * item, its name then one mark per "to" item, {@code "."} for true, {@code "X"} for false and
 * {@code "?"} for a missing value, tab joined; lines joined by {@code "\n"} with no final newline.
 */
class MatrixTest {
    private static final List<String> PODS = List.of("x/a", "x/b", "y/a");

    private static Matrix table(Boolean[][] cells) {
        return new Matrix(new Matrix.Port("TCP", 80), PODS, cells);
    }

    private static Matrix sample() {
        return table(new Boolean[][] {{true, false, true}, {true, true, false}, {false, null, true}});
    }

    @Test
    void printsAsTheE2eTruthTablePrettyPrint() {
        assertThat(sample().format()).isEqualTo(
                "-\tx/a\tx/b\ty/a\n"
                + "x/a\t.\tX\t.\n"
                + "x/b\t.\t.\tX\n"
                + "y/a\tX\t?\t.");
        assertThat(sample().format("\t").lines()).allMatch(l -> l.startsWith("\t"));
    }

    @Test
    void parsesWhatItPrintsAndToleratesSpacesCommentsAndRowOrder() {
        Matrix back = Matrix.parse(sample().format(), "t");
        assertThat(back.pods()).isEqualTo(PODS);
        assertThat(back.format()).isEqualTo(sample().format());
        assertThat(back.port()).isNull();
        Matrix spaced = Matrix.parse("""
                # rows in another order, aligned with spaces, indented as in a lab
                  -   x/a x/b y/a

                  y/a X   ?   .
                  x/a .   X   .
                  x/b .   .   X
                """, "t");
        assertThat(spaced.format()).isEqualTo(sample().format());
    }

    @Test
    void jsonRoundTripsAndIsTheDocumentedShape() {
        Matrix m = table(new Boolean[][] {{true, false, true}, {true, true, false}, {false, true, true}});
        assertThat(m.toJson()).isEqualTo("{\"port\":\"TCP/80\",\"pods\":[\"x/a\",\"x/b\",\"y/a\"],"
                + "\"allowed\":[[true,false,true],[true,true,false],[false,true,true]]}");
        Matrix back = Matrix.parse(m.toJson(), "t.json");
        assertThat(back.port()).isEqualTo(new Matrix.Port("TCP", 80));
        assertThat(back.format()).isEqualTo(m.format());
        assertThat(Matrix.parse("{\"pods\": [\"x/a\"], \"allowed\": [[false]]}", "t").format()).isEqualTo("-\tx/a\nx/a\tX");
    }

    @Test
    void differencesNameEachCellRowsFirstAndSkipUnknownExpectations() {
        Matrix expected = sample();
        Matrix observed = table(new Boolean[][] {{true, true, true}, {true, true, false}, {true, false, true}});
        assertThat(expected.differences(observed)).extracting(Object::toString).containsExactly(
                "x/a -> x/b: expected X, got .",
                "y/a -> x/a: expected X, got .");
        assertThat(expected.differences(expected)).isEmpty();
        Matrix other = new Matrix(null, List.of("x/a"), new Boolean[][] {{true}});
        assertThatThrownBy(() -> other.differences(expected)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[x/a]");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "x/a .|t:1: a truth table starts with a header row: \"-\" then the pods, tab separated (found \"x/a\")",
        "-|t:1: the header row names no pod",
        "- x/a x/a|t:1: pod \"x/a\" is named twice in the header row",
        "- x/a\\nx/b .|t:2: row \"x/b\" is not a pod of the header row [x/a]",
        "- x/a x/b\\nx/a . X\\nx/a . .|t:3: row \"x/a\" appears twice",
        "- x/a x/b\\nx/a .|t:2: row \"x/a\" has 1 cells, the header 2 pods",
        "- x/a\\nx/a o|t:2: row \"x/a\", column \"x/a\": \"o\" is not a cell (. connected, X not connected, ? not compared)",
        "- x/a x/b\\nx/a . .|t:1: no row for pod \"x/b\"",
        "# nothing|t:1: no truth table: expected a header row \"-\" then the pods",
        "{\"pods\": [\"x/a\"]}|t:1: a JSON truth table is {\"port\": \"TCP/80\", \"pods\": [...], \"allowed\": [[true, false, ...], ...]}",
        "{\"pods\": [\"x/a\"], \"allowed\": [[1]]}|t:1: allowed[0][0]: 1 is not true, false or null",
        "{\"port\": \"ICMP/1\", \"pods\": [], \"allowed\": []}|t:1: port: Unsupported value: \"ICMP/1\": the protocol must be TCP, UDP or SCTP, as in TCP/80",
    })
    void malformedTablesAreOneLineWithTheLine(String text, String message) {
        assertThatThrownBy(() -> Matrix.parse(text.replace("\\n", "\n"), "t")).isInstanceOf(TopologyException.class)
                .hasMessage(message);
    }

    @Test
    void linesCountFromWhereTheTextStarts() {
        assertThatThrownBy(() -> Matrix.parse("- x/a\nx/a ,", "lab.yaml", 12)).hasMessageStartingWith("lab.yaml:13: ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "TCP/80|TCP/80", "udp/81|UDP/81", "SCTP/65535|SCTP/65535", "8080|TCP/8080",
    })
    void portsParse(String text, String printed) {
        assertThat(Matrix.Port.parse(text).toString()).isEqualTo(printed);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "TCP/abc|Invalid value: \"TCP/abc\": write PROTOCOL/PORT with a port between 1 and 65535, as in TCP/80",
        "TCP/0|Invalid value: \"TCP/0\": write PROTOCOL/PORT with a port between 1 and 65535, as in TCP/80",
        "TCP/65536|Invalid value: \"TCP/65536\": write PROTOCOL/PORT with a port between 1 and 65535, as in TCP/80",
        "ICMP/80|Unsupported value: \"ICMP/80\": the protocol must be TCP, UDP or SCTP, as in TCP/80",
    })
    void badPortsAreRefused(String text, String message) {
        assertThatThrownBy(() -> Matrix.Port.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}
