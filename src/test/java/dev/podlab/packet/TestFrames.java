package dev.podlab.packet;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Frame builders for tests that make a frame, check it and drop it: heap buffers the garbage
 * collector reclaims, outside Netty's leak detector, so such a test need not release what it
 * built. Tests that run a simulation use the network's own allocator instead, where a frame not
 * released is a datapath bug the leak detector should report.
 */
public final class TestFrames {
    /** Unpooled heap buffers, leak detection off. */
    public static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false, true);

    private TestFrames() {
    }

    public static Frames heap() {
        return new Frames(HEAP);
    }

    public static Frames heap(int headroom) {
        return new Frames(HEAP, headroom);
    }
}
