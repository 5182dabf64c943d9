package org.semivim.gpu;

import java.util.ArrayList;
import java.util.List;

/** A {@link DeviceMemory} on the Java heap for the bookkeeping tests: buffers are float arrays. */
final class HostMemory implements DeviceMemory<float[]> {
    final List<float[]> live = new ArrayList<>();
    int allocations, frees, uploads, downloads;

    @Override
    public float[] allocate(long bytes) {
        allocations++;
        float[] b = new float[(int) ((bytes + 3) / 4)];
        java.util.Arrays.fill(b, Float.NaN);     // contents undefined, as on a device
        live.add(b);
        return b;
    }

    @Override
    public void free(float[] buffer) {
        frees++;
        if (!live.removeIf(b -> b == buffer)) throw new IllegalStateException("double free");
    }

    @Override
    public void upload(float[] src, int srcOffset, float[] buffer, long floatOffset, int count) {
        uploads++;
        System.arraycopy(src, srcOffset, buffer, (int) floatOffset, count);
    }

    @Override
    public void download(float[] buffer, long floatOffset, float[] dst, int dstOffset, int count) {
        downloads++;
        System.arraycopy(buffer, (int) floatOffset, dst, dstOffset, count);
    }
}
