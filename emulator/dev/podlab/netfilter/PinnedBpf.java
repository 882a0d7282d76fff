package dev.podlab.netfilter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The BPF programs pinned in a namespace's bpffs ({@code /sys/fs/bpf/...}), as
 * {@code -m bpf --object-pinned PATH} finds them. A program here is Java code standing in for an
 * eBPF socket-filter program: it reads the packet through the {@link PacketContext}'s getters and
 * answers match or no match, as {@code bpf_prog_run_save_cb} does for {@code xt_bpf}. Pinning a
 * path again replaces the program (rules already loaded see the new one, as they hold the path's
 * slot, not the program).
 */
public final class PinnedBpf {
    /** A pinned program: true when the packet matches. Must not allocate on the packet path. */
    @FunctionalInterface
    public interface Program {
        boolean run(PacketContext c);
    }

    /**
     * A program whose answer depends only on the packet's addresses, protocol and ports (what
     * {@link Match#flowInvariant()} allows) and on maps whose every update raises
     * {@link #version()}, as a classifier reading a policy index does. Its answers may be kept
     * for a connection's later packets ({@link FlowMemo}) until the version changes; any other
     * program is run for every packet.
     */
    public interface FlowProgram extends Program {
        /** Raised by every change to what the program reads besides the packet. */
        long version();
    }

    /** A pinned path: rules hold the slot, so re-pinning reaches them without a lookup per packet. */
    static final class Slot {
        Program program;
    }

    private final Map<String, Slot> pinned = new HashMap<>();
    /** The flow programs pinned now, for {@link #versions()}. */
    private FlowProgram[] flowPrograms = new FlowProgram[0];
    /** Raised by every pin and unpin. */
    private long pins;

    /** Pins {@code program} at {@code path} (an absolute path under {@code /sys/fs/bpf/}). */
    public void pin(String path, Program program) {
        if (!path.startsWith("/sys/fs/bpf/")) {
            throw new IllegalArgumentException(path + ": not under /sys/fs/bpf/");
        }
        pinned.computeIfAbsent(path, p -> new Slot()).program = program;
        pinsChanged();
    }

    /** Removes a pinned program ({@code rm PATH}); rules using it no longer match. */
    public void unpin(String path) {
        Slot slot = pinned.get(path);
        if (slot != null) {
            slot.program = null;
            pinsChanged();
        }
    }

    private void pinsChanged() {
        pins++;
        List<FlowProgram> flow = new ArrayList<>();
        for (Slot s : pinned.values()) {
            if (s.program instanceof FlowProgram f) {
                flow.add(f);
            }
        }
        flowPrograms = flow.toArray(new FlowProgram[0]);
    }

    /**
     * A number raised by every pin, unpin and change to a pinned flow program's maps: the sum
     * of the pin count and the flow programs' versions, all of which only grow.
     */
    long versions() {
        long v = pins;
        for (FlowProgram f : flowPrograms) {
            v += f.version();
        }
        return v;
    }

    /** The slot of a pinned path, or null when nothing is pinned there. */
    Slot slot(String path) {
        Slot slot = pinned.get(path);
        return slot == null || slot.program == null ? null : slot;
    }
}
