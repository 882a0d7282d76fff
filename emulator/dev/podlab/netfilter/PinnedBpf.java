package dev.podlab.netfilter;

import java.util.Map;
import java.util.HashMap;

/**
 * The BPF programs pinned in a namespace's bpffs ({@code /sys/fs/bpf/...}), as
 * {@code -m bpf --object-pinned PATH} finds them. A program here is Java code standing in for an
 * eBPF socket-filter program: it reads the packet through the {@link PacketContext}'s getters and
 * answers match or no match, as {@code bpf_prog_run_save_cb} does for {@code xt_bpf}. Pinning a
 * path again replaces the program (rules already loaded see the new one, as they hold the path's
 * object only through this registry).
 */
public final class PinnedBpf {
    /** A pinned program: true when the packet matches. Must not allocate on the packet path. */
    @FunctionalInterface
    public interface Program {
        boolean run(PacketContext c);
    }

    private final Map<String, Program> pinned = new HashMap<>();

    /** Pins {@code program} at {@code path} (an absolute path under {@code /sys/fs/bpf/}). */
    public void pin(String path, Program program) {
        if (!path.startsWith("/sys/fs/bpf/")) {
            throw new IllegalArgumentException(path + ": not under /sys/fs/bpf/");
        }
        pinned.put(path, program);
    }

    /** Removes a pinned program ({@code rm PATH}); rules using it no longer match. */
    public void unpin(String path) {
        pinned.remove(path);
    }

    Program get(String path) {
        return pinned.get(path);
    }

    boolean isPinned(String path) {
        return pinned.containsKey(path);
    }
}
