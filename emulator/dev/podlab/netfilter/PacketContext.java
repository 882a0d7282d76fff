package dev.podlab.netfilter;

import dev.podlab.net.Hook;

import dev.podlab.packet.Icmp4;
import dev.podlab.packet.IpProtocol;
import dev.podlab.packet.Ipv4;
import dev.podlab.packet.Sctp;
import dev.podlab.packet.Tcp;
import dev.podlab.packet.Udp;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * Everything the rule engine reads about one packet at one hook and everything it leaves behind:
 * the kernel's {@code struct sk_buff} fields plus {@code struct xt_action_param}, flattened. One
 * instance per datapath, reused for every packet: nothing here allocates per packet.
 *
 * <p>Input, set by the caller before {@link Iptables#run}:
 * <ul>
 *   <li>{@link #packet(ByteBuf, int)}: the buffer and the offset of the IPv4 header; the header
 *       fields the matches need are read once, through the {@link Ipv4}/{@link Tcp}/{@link Udp}/
 *       {@link Icmp4}/{@link Sctp} views. Call it again after a stage rewrote the headers (NAT);
 *   <li>{@link #interfaces}: {@code -i}/{@code -o} names and ifindexes ("" when there is none:
 *       no input device in OUTPUT, no output device in PREROUTING/INPUT);
 *   <li>{@link #bridge}/{@link #notBridged()}: br_netfilter's physical ports for
 *       {@code -m physdev};
 *   <li>{@link #mark(int)}: {@code skb->mark};
 *   <li>{@link #conntrack}, {@link #conntrackTuples}: what the conntrack module attached;
 *   <li>{@link #addressTypes}, {@link #random}: the namespace's {@code addrtype} lookup and the
 *       seeded random source of {@code -m statistic --mode random}.
 * </ul>
 * Output, after a run: {@link #verdict()}, {@link #rejectWith()}, {@link #nat()}, the deciding
 * rule ({@link #decidingTable()}, {@link #decidingChain()}, {@link #decidingRule()}),
 * {@link #logLines()} (LOG and TRACE), and the mark as MARK left it.
 */
public final class PacketContext {
    // ------------------------------------------------------------------ views (reused)
    private final Ipv4 ip = new Ipv4();
    private final Tcp tcp = new Tcp();
    private final Udp udp = new Udp();
    private final Icmp4 icmp = new Icmp4();
    private final Sctp sctp = new Sctp();

    // ------------------------------------------------------------------ packet fields
    ByteBuf buf;
    int ipOffset;
    int src;
    int dst;
    int protocol;
    int tos;
    int ttl;
    int ipId;
    int flagsFragment;
    /** Fragment offset in 8-byte units ({@code par->fragoff}); non-zero for non-first fragments. */
    int fragOffset;
    /** {@code skb->len} at the IP layer: the IPv4 total length. */
    int length;
    int ipHeaderLength;
    int l4Offset;
    /** True when the transport header the protocol needs is present in full (else matches hotdrop). */
    boolean l4Ok;
    int srcPort;
    int dstPort;
    /** TCP flags byte (byte 13: CWR..FIN) as {@code xt_tcp} reads it. */
    int tcpFlags;
    int tcpWindow;
    int icmpType;
    int icmpCode;
    int icmpId;
    int icmpSequence;

    // ------------------------------------------------------------------ metadata
    Hook hook;
    String inName = "";
    int inIfindex;
    String outName = "";
    int outIfindex;
    boolean bridged;
    String physIn;
    String physOut;
    int mark;
    int ctState = Ct.STATE_INVALID;
    boolean ctReply;
    int ctStatus;
    /** {@link #ctState} as {@code --ctstate} bits, with the virtual SNAT/DNAT states (see {@link ConntrackMatch#stateBits}). */
    int ctStateBits = Ct.XT_STATE_INVALID;
    int ctOrigSrc;
    int ctOrigDst;
    int ctReplySrc;
    int ctReplyDst;
    AddressTypeLookup addressTypes = AddressTypeLookup.NONE;
    RandomGenerator random;
    /** {@code skb->nf_trace}: set by {@code -j TRACE} in the raw table. */
    boolean trace;

    // ------------------------------------------------------------------ results
    NfVerdict verdict;
    RejectWith rejectWith;
    final NatRequest nat = new NatRequest();
    String decidingTable;
    String decidingChain;
    int decidingRule;
    boolean hotdrop;
    /**
     * The last walk tried a rule that is not flow-invariant, a match dropped the packet, or it
     * counted more than {@link FlowMemo#MAX_RULES} rules: {@link FlowMemo} must not keep it.
     */
    boolean variant;
    /** The rules whose counters the last walk incremented, in order; {@link #countedRules} of them. */
    Rule[] counted = new Rule[16];
    int countedRules;
    /** The built-in chain whose policy counters the last walk incremented, or null. */
    Chain policyCounted;
    /** The {@link FlowMemo} the last {@link FlowMemo#run} replayed or kept, null if none. */
    FlowMemo memo;
    /** Whether the fields above describe the packet {@link #packet} last pointed at. */
    private boolean parsed;
    private final ArrayList<NfLog> logLines = new ArrayList<>();
    private final List<NfLog> logView = Collections.unmodifiableList(logLines);

    // ------------------------------------------------------------------ jump stack (ipt_do_table)
    Chain[] stackChain = new Chain[16];
    int[] stackIndex = new int[16];

    /**
     * Points the context at an IPv4 packet, whose fields are read when first needed: by the walk
     * of a table ({@link Iptables#run(TableId, Hook, PacketContext)}) or an accessor. Most hook
     * runs of a packet walk no table (an established packet meets only conntrack at PREROUTING
     * and POSTROUTING), so most never read them. Call it again after anything rewrote the packet.
     *
     * @param buf      the buffer holding the packet
     * @param ipOffset absolute offset of the IPv4 header in {@code buf}
     */
    public PacketContext packet(ByteBuf buf, int ipOffset) {
        this.buf = buf;
        this.ipOffset = ipOffset;
        parsed = false;
        return this;
    }

    /**
     * Reads the fields matches use, once per {@link #packet}. Bytes past the buffer's writer index
     * or past the IPv4 total length are not part of the packet. Like {@code skb_header_pointer},
     * a transport header that is cut short is not read; a match that needs it then drops the
     * packet ({@code par->hotdrop}).
     */
    void parse() {
        if (parsed) {
            return;
        }
        parsed = true;
        ip.wrap(buf, ipOffset);
        int captured = buf.writerIndex() - ipOffset;
        src = ip.src();
        dst = ip.dst();
        protocol = ip.protocol();
        tos = ip.tos();
        ttl = ip.ttl();
        ipId = ip.id();
        flagsFragment = ip.flagsFragment();
        fragOffset = flagsFragment & Ipv4.FRAGMENT_OFFSET_MASK;
        length = ip.totalLength();
        ipHeaderLength = ip.headerLength();
        l4Offset = ipOffset + ipHeaderLength;
        int l4Available = Math.min(captured, length) - ipHeaderLength;
        srcPort = 0;
        dstPort = 0;
        tcpFlags = 0;
        tcpWindow = 0;
        icmpType = 0;
        icmpCode = 0;
        icmpId = 0;
        icmpSequence = 0;
        l4Ok = false;
        if (fragOffset != 0) {
            return;
        }
        switch (protocol) {
            case IpProtocol.TCP -> {
                if (Tcp.fixedFits(l4Available)) {
                    tcp.wrap(buf, l4Offset);
                    srcPort = tcp.srcPort();
                    dstPort = tcp.dstPort();
                    tcpFlags = tcp.flags() & 0xff;
                    tcpWindow = tcp.window();
                    // tcp_mt: a data offset below 5 words is dropped.
                    l4Ok = tcp.dataOffset() >= 5;
                }
            }
            case IpProtocol.UDP -> {
                if (Udp.fits(l4Available)) {
                    udp.wrap(buf, l4Offset);
                    srcPort = udp.srcPort();
                    dstPort = udp.dstPort();
                    l4Ok = true;
                }
            }
            case IpProtocol.SCTP -> {
                if (Sctp.fits(l4Available)) {
                    sctp.wrap(buf, l4Offset);
                    srcPort = sctp.srcPort();
                    dstPort = sctp.dstPort();
                    l4Ok = true;
                }
            }
            case IpProtocol.ICMP -> {
                // icmp_match reads a whole struct icmphdr (8 bytes) or drops the packet.
                if (Icmp4.fits(l4Available)) {
                    icmp.wrap(buf, l4Offset);
                    icmpType = icmp.type();
                    icmpCode = icmp.code();
                    icmpId = icmp.id();
                    icmpSequence = icmp.sequence();
                    l4Ok = true;
                }
            }
            default -> { }
        }
    }

    /**
     * The devices: {@code in}/{@code out} names as {@code -i}/{@code -o} compare them; pass "" (or
     * null) for a device the hook does not have (no input device in OUTPUT/POSTROUTING of local
     * traffic, no output device in PREROUTING/INPUT).
     */
    public PacketContext interfaces(String in, int inIfindex, String out, int outIfindex) {
        this.inName = in == null ? "" : in;
        this.inIfindex = inIfindex;
        this.outName = out == null ? "" : out;
        this.outIfindex = outIfindex;
        return this;
    }

    /**
     * The packet is being bridged with br_netfilter ({@code nf_bridge_info_exists}):
     * {@code physIn} is the bridge port it entered by, {@code physOut} the port it leaves by (null
     * until the bridge chose one, e.g. at bridge PREROUTING). {@code --physdev-is-in},
     * {@code -is-out} and {@code -is-bridged} follow from which of them is known.
     */
    public PacketContext bridge(String physIn, String physOut) {
        this.bridged = true;
        this.physIn = physIn;
        this.physOut = physOut;
        return this;
    }

    /** The packet is not being bridged (no br_netfilter info): the default. */
    public PacketContext notBridged() {
        this.bridged = false;
        this.physIn = null;
        this.physOut = null;
        return this;
    }

    /** Sets {@code skb->mark}. */
    public PacketContext mark(int mark) {
        this.mark = mark;
        return this;
    }

    /** {@code skb->mark}, as MARK targets left it. */
    public int mark() {
        return mark;
    }

    /**
     * The conntrack facts: {@code state} one of {@link Ct#STATE_INVALID} (no entry, the default),
     * {@link Ct#STATE_NEW}, {@link Ct#STATE_ESTABLISHED}, {@link Ct#STATE_RELATED},
     * {@link Ct#STATE_UNTRACKED}; {@code reply} true when the packet travels in the REPLY
     * direction; {@code status} the entry's {@code IPS_*} bits ({@link Ct#IPS_SRC_NAT} and
     * {@link Ct#IPS_DST_NAT} give the virtual states SNAT/DNAT).
     */
    public PacketContext conntrack(int state, boolean reply, int status) {
        this.ctState = state;
        this.ctReply = reply;
        this.ctStatus = status;
        this.ctStateBits = ConntrackMatch.stateBits(state, status);
        return this;
    }

    /** The entry's tuple addresses for {@code --ctorigsrc/--ctorigdst/--ctreplsrc/--ctrepldst}. */
    public PacketContext conntrackTuples(int origSrc, int origDst, int replySrc, int replyDst) {
        this.ctOrigSrc = origSrc;
        this.ctOrigDst = origDst;
        this.ctReplySrc = replySrc;
        this.ctReplyDst = replyDst;
        return this;
    }

    public PacketContext addressTypes(AddressTypeLookup lookup) {
        this.addressTypes = lookup == null ? AddressTypeLookup.NONE : lookup;
        return this;
    }

    /** The random source of {@code -m statistic --mode random} ({@code get_random_u32}). */
    public PacketContext random(RandomGenerator random) {
        this.random = random;
        return this;
    }

    /** Sets {@code skb->nf_trace} (normally set by {@code -j TRACE}). */
    public PacketContext trace(boolean trace) {
        this.trace = trace;
        return this;
    }

    public boolean trace() {
        return trace;
    }

    /** Clears the results of the previous run (verdict, reject, NAT request, deciding rule, log lines). */
    public PacketContext resetResults() {
        verdict = null;
        rejectWith = null;
        if (nat.type() != NatRequest.Type.NONE) {
            nat.clear();
        }
        decidingTable = null;
        decidingChain = null;
        decidingRule = 0;
        hotdrop = false;
        if (!logLines.isEmpty()) {
            logLines.clear();
        }
        return this;
    }

    // ------------------------------------------------------------------ results

    /** The verdict of the last run, null before any. */
    public NfVerdict verdict() {
        return verdict;
    }

    /** The REJECT type when the last verdict came from REJECT, else null. */
    public RejectWith rejectWith() {
        return rejectWith;
    }

    /** The NAT request a DNAT/SNAT/MASQUERADE target left (type NONE if none). */
    public NatRequest nat() {
        return nat;
    }

    /** Table of the rule (or policy) that gave the last terminal verdict. */
    public String decidingTable() {
        return decidingTable;
    }

    /** Chain of the rule (or policy) that gave the last terminal verdict. */
    public String decidingChain() {
        return decidingChain;
    }

    /** 1-based number of the deciding rule in {@link #decidingChain()}, 0 for a chain policy. */
    public int decidingRule() {
        return decidingRule;
    }

    /** Lines LOG and TRACE produced since the last {@link #resetResults()}, as the kernel logs them. */
    public List<NfLog> logLines() {
        return logView;
    }

    void log(NfLog line) {
        logLines.add(line);
    }

    /** Forgets the lines {@link #logLines()} holds, once they were reported. */
    void clearLogLines() {
        logLines.clear();
    }

    // ------------------------------------------------------------------ packet accessors

    public int src() {
        parse();
        return src;
    }

    public int dst() {
        parse();
        return dst;
    }

    public int protocol() {
        parse();
        return protocol;
    }

    public int srcPort() {
        parse();
        return srcPort;
    }

    public int dstPort() {
        parse();
        return dstPort;
    }

    public int length() {
        parse();
        return length;
    }

    /** {@code skb->len} at the IP layer without parsing the rest: the IPv4 total length. */
    int ipTotalLength() {
        return parsed ? length : buf.getUnsignedShort(ipOffset + 2);
    }

    public Hook hook() {
        return hook;
    }

    public ByteBuf buf() {
        return buf;
    }

    public int ipOffset() {
        return ipOffset;
    }

    /** Notes a rule whose counters the walk incremented (for {@link FlowMemo}). */
    void counted(Rule r) {
        int n = countedRules;
        if (n == counted.length) {
            if (n >= FlowMemo.MAX_RULES) {
                variant = true; // too long a path to keep
                return;
            }
            counted = java.util.Arrays.copyOf(counted, n * 2);
        }
        counted[n] = r;
        countedRules = n + 1;
    }

    void pushFrame(int depth, Chain chain, int index) {
        if (depth == stackChain.length) {
            stackChain = java.util.Arrays.copyOf(stackChain, depth * 2);
            stackIndex = java.util.Arrays.copyOf(stackIndex, depth * 2);
        }
        stackChain[depth] = chain;
        stackIndex[depth] = index;
    }
}
