/**
 * Capture files: a streaming reader for classic pcap and pcapng ({@link dev.podlab.capture.CaptureReader}),
 * and writers for both ({@link dev.podlab.capture.PcapngWriter}, one interface per emulated device
 * with nanosecond timestamps; {@link dev.podlab.capture.PcapWriter}, one link type per file).
 *
 * <p>Why podlab reads captures itself rather than through libpcap (pcap4j's {@code Pcaps.openOffline}):
 * libpcap 1.10 refuses pcapng files whose interfaces differ in link type or snaplen, which is
 * exactly what podlab writes (Ethernet devices next to a LINKTYPE_RAW {@code tunl0}); it cannot read
 * gzip; it needs a native library on the machine; and through JNA it costs far more per packet than
 * this reader, which allocates nothing per packet. The reader follows libpcap's checks where they
 * protect against damaged files (maximum capture length per link type, reserved link-type bits,
 * block trailers, versions) and Wireshark where libpcap would discard data (bytes beyond the
 * snaplen, mixed interfaces, byte-order changes between sections).
 */
package dev.podlab.capture;
