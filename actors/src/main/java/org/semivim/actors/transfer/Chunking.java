package org.semivim.actors.transfer;

import java.util.zip.CRC32C;

/**
 * Pure arithmetic of a chunked transfer: a payload of {@code totalBytes} is cut into chunks of
 * {@code chunkBytes} (the last one shorter), chunk i covers bytes [i·chunkBytes, min(total, (i+1)·chunkBytes)).
 * An empty payload is one empty chunk. Each chunk carries a CRC-32C of its header and bytes.
 */
public final class Chunking {
    private Chunking() {}

    /** The number of chunks of a payload: ⌈total / chunk⌉, at least 1. */
    public static int count(int totalBytes, int chunkBytes) {
        if (totalBytes < 0 || chunkBytes <= 0) throw new IllegalArgumentException("total " + totalBytes + " and chunk " + chunkBytes + " bytes");
        return Math.max(1, (int) ((totalBytes + (long) chunkBytes - 1) / chunkBytes));
    }

    /** The byte offset of chunk {@code index}. */
    public static long offset(int index, int chunkBytes) {
        return (long) index * chunkBytes;
    }

    /** The length of chunk {@code index} of a payload of {@code totalBytes}. */
    public static int length(int index, int totalBytes, int chunkBytes) {
        return (int) Math.min(chunkBytes, totalBytes - offset(index, chunkBytes));
    }

    /** CRC-32C of {@code bytes[offset, offset + length)}. */
    public static int crc(byte[] bytes, int offset, int length) {
        CRC32C c = new CRC32C();
        c.update(bytes, offset, length);
        return (int) c.getValue();
    }

    /** CRC-32C of a chunk's header fields and bytes (null bytes: a CRC no chunk with bytes has). */
    public static int crc(long seq, long transfer, int index, int count, int totalBytes, int chunkBytes, byte[] bytes) {
        java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(32).putLong(seq).putLong(transfer).putInt(index).putInt(count)
                .putInt(totalBytes).putInt(chunkBytes);
        CRC32C c = new CRC32C();
        c.update(header.array(), 0, 32);
        if (bytes != null) c.update(bytes, 0, bytes.length);
        else c.update(0xff);
        return (int) c.getValue();
    }
}
