package dev.podlab.cli;

import dev.podlab.capture.CaptureFormatException;
import dev.podlab.capture.CaptureInterface;
import dev.podlab.capture.CaptureReader;
import dev.podlab.capture.CaptureRecord;
import dev.podlab.decode.JsonFormatter;
import dev.podlab.decode.TcpdumpFormatter;
import dev.podlab.packet.Dissector;
import dev.podlab.packet.Layers;
import dev.podlab.packet.LinkType;
import dev.podlab.packet.Vxlan;
import dev.podlab.trace.JsonWriter;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code podlab decode FILE}: one line per packet in the manner of {@code tcpdump -n -tttt -#},
 * descending into VXLAN and IP-in-IP so the inner packet shows too; {@code --json} gives one JSON
 * object per line instead.
 */
@Command(name = "decode", mixinStandardHelpOptions = true, version = Main.VERSION, sortOptions = false,
        description = {"Print a pcap/pcapng file one line per packet, as tcpdump -n, inner packets too.", "",
                "FILE may be gzip-compressed, or - for standard input. VXLAN and IP-in-IP are descended into."},
        footer = {"", "Exit status: 0 for a clean file; 1 when the file is damaged (the packets before the damage",
                "are printed first, then one line naming the file, the byte offset and the problem); 2 for usage",
                "errors and files that cannot be opened."})
public final class DecodeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "pcap or pcapng file, optionally gzip-compressed; - reads standard input")
    String file;

    @Option(names = "-e", description = "print link-level headers (MAC addresses, ethertype), as tcpdump -e")
    boolean linkHeaders;

    @Option(names = "-v", description = "print IPv4 header fields and check IPv4 and TCP checksums, as tcpdump -v")
    boolean verbose;

    @Option(names = "--json", description = "one JSON object per packet (JSON lines) with every layer's fields")
    boolean json;

    @Option(names = "-c", paramLabel = "N", description = "stop after N packets")
    long count = Long.MAX_VALUE;

    @Option(names = "--vxlan-port", paramLabel = "PORT",
            description = "UDP destination port decoded as VXLAN (repeatable; default: 4789 and 8472)")
    int[] vxlanPorts = {Vxlan.PORT_IANA, Vxlan.PORT_LINUX};

    private static final DateTimeFormatter DATE_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        CaptureReader reader;
        try {
            reader = CaptureReader.open(file);
        } catch (NoSuchFileException e) {
            err.println("podlab decode: " + file + ": no such file");
            return 2;
        } catch (AccessDeniedException e) {
            err.println("podlab decode: " + file + ": permission denied");
            return 2;
        } catch (IOException e) {
            err.println("podlab decode: " + oneLine(e));
            return 2;
        }
        Map<Integer, Long> unsupported = new TreeMap<>();
        int status = 0;
        try (reader) {
            status = decode(reader, out, unsupported);
        } catch (CaptureFormatException e) {
            out.flush();
            err.println("podlab decode: " + e.getMessage());
            status = 1;
        } catch (IOException e) {
            out.flush();
            err.println("podlab decode: " + file + ": " + oneLine(e));
            status = 1;
        }
        out.flush();
        unsupported.forEach((linkType, n) -> err.println("podlab decode: warning: skipped " + n
                + (n == 1 ? " packet" : " packets") + " of unsupported link type " + linkType
                + " (" + LinkType.name(linkType) + ")"));
        return status;
    }

    private int decode(CaptureReader reader, Writer out, Map<Integer, Long> unsupported) throws IOException {
        Dissector dissector = new Dissector(true, vxlanPorts);
        Layers layers = new Layers();
        TcpdumpFormatter text = new TcpdumpFormatter(linkHeaders, verbose);
        JsonFormatter jsonFormatter = new JsonFormatter();
        StringBuilder sb = new StringBuilder(512);
        JsonWriter jw = new JsonWriter(sb);
        CaptureRecord rec = new CaptureRecord();
        long n = 0;
        while (n < count && reader.next(rec)) {
            n++;
            ByteBuf data = rec.data();
            dissector.dissect(data, 0, rec.capturedLength(), rec.linkType(), layers);
            if (layers.has(0, Layers.FLAG_UNKNOWN_LINK_TYPE)) {
                unsupported.merge(rec.linkType(), 1L, Long::sum);
                continue;
            }
            sb.setLength(0);
            if (json) {
                jw.reset(sb);
                jw.beginObject().name("n").value(n).name("time_ns").value(rec.timestampNs());
                if (rec.interfaceName() != null) {
                    jw.name("interface").value(rec.interfaceName());
                }
                jw.name("link_type").value(rec.linkType())
                        .name("caplen").value(rec.capturedLength())
                        .name("len").value(rec.originalLength());
                jsonFormatter.format(data, layers, jw);
                jw.endObject();
            } else {
                numberAndTime(sb, n, rec);
                text.format(data, layers, rec.originalLength(), sb);
            }
            sb.append('\n');
            out.append(sb);
        }
        return 0;
    }

    /** {@code "   12  2013-05-18 20:21:44.837063 "} plus the interface name when the file names it. */
    private static void numberAndTime(StringBuilder sb, long n, CaptureRecord rec) {
        String number = Long.toString(n);
        for (int i = number.length(); i < 5; i++) {
            sb.append(' ');
        }
        sb.append(number).append("  ");
        long ns = rec.timestampNs();
        long seconds = Math.floorDiv(ns, 1_000_000_000L);
        long fraction = Math.floorMod(ns, 1_000_000_000L);
        DATE_TIME.formatTo(Instant.ofEpochSecond(seconds), sb);
        sb.append('.');
        if (nanosecondResolution(rec.captureInterface())) {
            pad(sb, fraction, 9);
        } else {
            pad(sb, fraction / 1000, 6);
        }
        if (!rec.timestampValid()) {
            sb.append(" (invalid timestamp)");
        }
        sb.append(' ');
        if (rec.interfaceName() != null) {
            sb.append(rec.interfaceName()).append(' ');
        }
    }

    /** Microsecond digits for files that store microseconds, nanosecond digits otherwise. */
    private static boolean nanosecondResolution(CaptureInterface itf) {
        int res = itf.timestampResolution();
        boolean powerOfTwo = (res & 0x80) != 0;
        return powerOfTwo || (res & 0x7f) > 6;
    }

    private static void pad(StringBuilder sb, long value, int digits) {
        String s = Long.toString(value);
        for (int i = s.length(); i < digits; i++) {
            sb.append('0');
        }
        sb.append(s);
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage();
        if (m == null) {
            m = e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
