package org.semivim.data.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests. */
final class IdxTestFiles {
    private IdxTestFiles() {}

    /** IDX bytes: magic 0x0000 08 ndims, the dims, then the values. */
    static byte[] idx(int[] dims, byte[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + values.length);
        b.putInt(0x00000800 | dims.length);
        for (int d : dims) b.putInt(d);
        b.put(values);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    /** {@code count} images of rows×cols where pixel (i, y, x) = (i·7 + y·cols + x) mod 256. */
    static byte[] imageValues(int count, int rows, int cols) {
        byte[] v = new byte[count * rows * cols];
        for (int i = 0; i < count; i++) for (int p = 0; p < rows * cols; p++) v[i * rows * cols + p] = (byte) ((i * 7 + p) % 256);
        return v;
    }

    static Path write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        return file;
    }
}
