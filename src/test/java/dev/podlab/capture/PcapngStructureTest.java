package dev.podlab.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compares the blocks the reader walks with pcapng-test-generator's own description of each file
 * (corpus/pcap/expected/pcapng-gen_*.txt, line "Block sequence: SHB, IDB, ...").
 */
class PcapngStructureTest {

    static Stream<String> generatorFiles() {
        return Stream.of(
                "pcapng-gen_le_basic_test001",
                "pcapng-gen_be_basic_test001",
                "pcapng-gen_le_basic_test006",
                "pcapng-gen_le_basic_test010",
                "pcapng-gen_le_advanced_test102",
                "pcapng-gen_le_difficult_test201",
                "pcapng-gen_le_difficult_test202");
    }

    private static List<String> expectedSequence(String base) throws Exception {
        for (String line : Files.readAllLines(Corpus.expected(base + ".txt"))) {
            if (line.startsWith("Block sequence:")) {
                return Arrays.stream(line.substring("Block sequence:".length()).split(","))
                        .map(String::strip).toList();
            }
        }
        throw new AssertionError("no block sequence in " + base + ".txt");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("generatorFiles")
    void blockSequenceMatchesTheGeneratorsDescription(String base) throws Exception {
        List<String> want = expectedSequence(base);
        ReadResult result = ReadResult.read(Corpus.file(base + ".pcapng"));
        assertThat(result.readError).isNull();
        assertThat(result.blocks).as("blocks of %s: got %s, want %s", base, result.blocks, want).isEqualTo(want);
        long packetBlocks = want.stream().filter(b -> b.equals("EPB") || b.equals("SPB")).count();
        assertThat(result.rows).as("packets of %s: got %d, want %d (EPBs + SPBs)", base, result.rows.size(), packetBlocks)
                .hasSize((int) packetBlocks);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("generatorFiles")
    void interfaceIdsRestartInEverySection(String base) throws Exception {
        // From the description: each SHB starts a section, each IDB gets the next id in it.
        List<String> want = new ArrayList<>();
        int section = -1;
        int id = 0;
        for (String block : expectedSequence(base)) {
            if (block.equals("SHB")) {
                section++;
                id = 0;
            } else if (block.equals("IDB")) {
                want.add(section + "/" + id++);
            }
        }
        ReadResult result = ReadResult.read(Corpus.file(base + ".pcapng"));
        List<String> got = result.interfaces.stream().map(i -> i.section() + "/" + i.id()).toList();
        assertThat(got).as("section/id of each interface in %s: got %s, want %s", base, got, want).isEqualTo(want);
        for (int i = 0; i < result.interfaces.size(); i++) {
            assertThat(result.interfaces.get(i).index()).isEqualTo(i);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("generatorFiles")
    void everyPacketBelongsToAnInterfaceOfItsOwnSection(String base) throws Exception {
        List<Integer> want = new ArrayList<>();
        int section = -1;
        for (String block : expectedSequence(base)) {
            if (block.equals("SHB")) {
                section++;
            } else if (block.equals("EPB") || block.equals("SPB")) {
                want.add(section);
            }
        }
        ReadResult result = ReadResult.read(Corpus.file(base + ".pcapng"));
        List<Integer> got = result.rows.stream().map(r -> result.interfaces.get(r.interfaceIndex()).section()).toList();
        assertThat(got).as("section of each packet's interface in %s: got %s, want %s", base, got, want).isEqualTo(want);
    }
}
