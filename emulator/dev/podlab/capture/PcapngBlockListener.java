package dev.podlab.capture;

/**
 * Observes every pcapng block the reader walks over, packet or not, in file order. Useful to
 * check a reader against a description of the file (block sequence) and for tools that print a
 * file's structure. Called once the block has been read whole and its trailer checked.
 */
@FunctionalInterface
public interface PcapngBlockListener {
    /**
     * @param blockType   block type code, see {@link PcapngBlockType}
     * @param offset      byte offset of the block in the file
     * @param totalLength the block total length field
     */
    void onBlock(int blockType, long offset, int totalLength);
}
