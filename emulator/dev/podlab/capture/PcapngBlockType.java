package dev.podlab.capture;

/** pcapng block type codes (draft-ietf-opsawg-pcapng section 11.1) and their usual short names. */
public final class PcapngBlockType {
    /** Section Header Block; the code reads the same in both byte orders ("\n\r\r\n"). */
    public static final int SHB = 0x0A0D0D0A;
    /** Interface Description Block. */
    public static final int IDB = 0x00000001;
    /** Packet Block, obsolete since pcapng 1.0 drafts but still found in old files. */
    public static final int PB = 0x00000002;
    /** Simple Packet Block: no interface id, no timestamp. */
    public static final int SPB = 0x00000003;
    /** Name Resolution Block. */
    public static final int NRB = 0x00000004;
    /** Interface Statistics Block. */
    public static final int ISB = 0x00000005;
    /** Enhanced Packet Block. */
    public static final int EPB = 0x00000006;
    /** Decryption Secrets Block. */
    public static final int DSB = 0x0000000A;
    /** Custom Block that may be copied to a new file. */
    public static final int CB = 0x00000BAD;
    /** Custom Block that must not be copied to a new file. */
    public static final int DCB = 0x40000BAD;

    private PcapngBlockType() {}

    /** Short name of a block type, as the pcapng-test-generator descriptions spell them. */
    public static String name(int blockType) {
        return switch (blockType) {
            case SHB -> "SHB";
            case IDB -> "IDB";
            case PB -> "PB";
            case SPB -> "SPB";
            case NRB -> "NRB";
            case ISB -> "ISB";
            case EPB -> "EPB";
            case DSB -> "DSB";
            case CB -> "CB";
            case DCB -> "DCB";
            default -> String.format("0x%08X", blockType);
        };
    }
}
