package dev.podlab.netfilter;

import java.util.HashMap;
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

    /** A pinned path: rules hold the slot, so re-pinning reaches them without a lookup per packet. */
    static final class Slot {
        Program program;
    }

    private final Map<String, Slot> pinned = new HashMap<>();

    /** Pins {@code program} at {@code path} (an absolute path under {@code /sys/fs/bpf/}). */
    public void pin(String path, Program program) {
        if (!path.startsWith("/sys/fs/bpf/")) {
            throw new IllegalArgumentException(path + ": not under /sys/fs/bpf/");
        }
        pinned.computeIfAbsent(path, p -> new Slot()).program = program;
    }

    /** Removes a pinned program ({@code rm PATH}); rules using it no longer match. */
    public void unpin(String path) {
        Slot slot = pinned.get(path);
        if (slot != null) {
            slot.program = null;
        }
    }

    /** The slot of a pinned path, or null when nothing is pinned there. */
    Slot slot(String path) {
        Slot slot = pinned.get(path);
        return slot == null || slot.program == null ? null : slot;
    }
}
