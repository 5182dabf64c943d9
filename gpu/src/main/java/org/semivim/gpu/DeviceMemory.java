package org.semivim.gpu;

/**
 * Raw device memory of type {@code B} (a CUDA device pointer, or a host array in tests):
 * allocation and float transfers. {@link BufferPool} and {@link ResidentArrays} are written against
 * this so that their bookkeeping is tested without a GPU.
 */
public interface DeviceMemory<B> {
    /** A new allocation of {@code bytes} bytes (contents undefined). */
    B allocate(long bytes);

    void free(B buffer);

    /** Copies {@code count} floats from {@code src[srcOffset..]} to the buffer at {@code floatOffset}. */
    void upload(float[] src, int srcOffset, B buffer, long floatOffset, int count);

    /** Copies {@code count} floats from the buffer at {@code floatOffset} to {@code dst[dstOffset..]}. */
    void download(B buffer, long floatOffset, float[] dst, int dstOffset, int count);
}
