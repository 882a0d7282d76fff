package dev.podlab.capture;

/**
 * One capture interface: for pcapng an Interface Description Block, for classic pcap the single
 * implicit interface described by the file header.
 *
 * @param index          position in {@link CaptureReader#interfaces()}: unique over the whole file
 *                       (pcapng interface ids restart in every section, this index does not)
 * @param section        0-based section number (always 0 for classic pcap)
 * @param id             interface id inside its section, as packet blocks refer to it
 * @param linkType       LINKTYPE_ value (see {@link dev.podlab.packet.LinkType})
 * @param snapLength     maximum bytes captured per packet; 0 means no limit
 * @param name           the {@code if_name} option, or null
 * @param description    the {@code if_description} option, or null
 * @param timestampResolution the raw {@code if_tsresol} byte: bit 7 clear means 10^-n seconds, set
 *                       means 2^-n seconds (6 for microseconds, 9 for nanoseconds)
 * @param timestampOffsetSeconds the {@code if_tsoffset} option (seconds added to every timestamp)
 */
public record CaptureInterface(int index, int section, int id, int linkType, int snapLength,
        String name, String description, int timestampResolution, long timestampOffsetSeconds) {
}
