package org.semivim.engine.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The safetensors element types this engine reads, each converted to float32 on load. F32 is what
 * the engine writes; F16, BF16 and F64 are accepted because PyTorch checkpoints are often saved in
 * them. Every other dtype of the format (integers, BOOL, F8 variants) is rejected by {@link #parse}.
 */
enum SafetensorsDtype {
    F32(4), F16(2), BF16(2), F64(8);

    /** Bytes per element. */
    final int bytes;

    SafetensorsDtype(int bytes) {
        this.bytes = bytes;
    }

    /** The dtype named {@code name} in the header of {@code file}; throws naming the tensor otherwise. */
    static SafetensorsDtype parse(String name, Path file, String tensor) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) return d;
        }
        throw new IllegalArgumentException(file + ": tensor '" + tensor + "' has dtype " + name
                + ", which cannot be loaded as float32 (supported: F32, F16, BF16, F64)");
    }

    /**
     * Decodes {@code count} little-endian elements from {@code src} (position at the first one)
     * into {@code dst[dstOffset ..]} as float32: exact for F16 and BF16, round-to-nearest for F64.
     */
    void decode(ByteBuffer src, float[] dst, int dstOffset, int count) {
        src.order(ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case F32 -> src.asFloatBuffer().get(dst, dstOffset, count);
            case F64 -> {
                for (int i = 0; i < count; i++) dst[dstOffset + i] = (float) src.getDouble(src.position() + 8 * i);
            }
            case BF16 -> {
                // bfloat16 is the upper half of a float32
                for (int i = 0; i < count; i++) {
                    int bits = src.getShort(src.position() + 2 * i) & 0xffff;
                    dst[dstOffset + i] = Float.intBitsToFloat(bits << 16);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) dst[dstOffset + i] = halfToFloat(src.getShort(src.position() + 2 * i));
            }
        }
    }

    /** IEEE 754 binary16 → binary32, exact (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf, nan (payload kept)
        if (exp != 0) return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
        if (mant == 0) return Float.intBitsToFloat(sign); // ±0
        // subnormal half: mant · 2^-24, exactly representable as a normal float
        float magnitude = mant * 0x1p-24f;
        return sign != 0 ? -magnitude : magnitude;
    }
}
