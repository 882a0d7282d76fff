package dev.podlab.capture;

/** The two capture file formats podlab reads and writes. */
public enum CaptureFormat {
    /** Classic libpcap format: one 24-byte file header, then 16-byte record headers. */
    PCAP,
    /** pcapng: a sequence of typed blocks grouped in sections (IETF draft-ietf-opsawg-pcapng). */
    PCAPNG
}
