package dev.podlab.packet;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/** Test helpers: frames as hex text, so that a failed comparison shows both byte strings. */
final class Hex {
    private Hex() {}

    static String of(byte[] bytes) {
        return ByteBufUtil.hexDump(bytes);
    }

    /** The frame (reader..writer index) of a buffer as hex. */
    static String of(ByteBuf frame) {
        return ByteBufUtil.hexDump(frame);
    }

    static byte[] bytes(ByteBuf frame) {
        return ByteBufUtil.getBytes(frame);
    }

    static byte[] parse(String hex) {
        return ByteBufUtil.decodeHexDump(hex.replaceAll("\\s", ""));
    }
}
