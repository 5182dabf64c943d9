package org.semivim.gpu;

import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link KernelSession} on a {@link DeviceRuntime}, holding the runtime's lock from
 * {@link DeviceRuntime#open} to {@link #close}. {@link #in} gives the resident copy when the
 * tensor's array is resident, else a pooled buffer it uploads; outputs are pooled buffers downloaded
 * on close (on CUDA a synchronous copy that waits for the kernels), after which every pooled buffer
 * goes back to the pool. A tensor whose array is resident is written through a staged copy: the
 * array is synced to the host first and marked as newer on the host afterwards
 * ({@link ResidentArrays#hostWritten}).
 */
final class DeviceSession<P> implements KernelSession {
    private record Download<P>(P from, Tensor to) {}

    private record DoubleDownload<P>(P from, double[] to) {}

    private final DeviceRuntime<P> runtime;
    private final List<Download<P>> downloads = new ArrayList<>();
    private final List<DoubleDownload<P>> doubleDownloads = new ArrayList<>();
    private final List<float[]> residentWritten = new ArrayList<>();

    /** Called by {@link DeviceRuntime#open} with the lock held. */
    DeviceSession(DeviceRuntime<P> runtime) {
        this.runtime = runtime;
    }

    @Override
    public Object in(Tensor t) {
        P res = runtime.resident().deviceView(t.data);
        if (res != null) return t.offset == 0 ? res : runtime.offset(res, t.offset);
        P buf = buffer(t.size);
        runtime.memory().upload(t.data, t.offset, buf, 0, t.size);
        return buf;
    }

    @Override
    public Object out(Tensor t) {
        P buf = buffer(t.size);
        noteWrite(t, buf);
        return buf;
    }

    @Override
    public Object inOut(Tensor t) {
        if (runtime.resident().isResident(t.data)) runtime.resident().syncToHost(t.data);
        P buf = buffer(t.size);
        runtime.memory().upload(t.data, t.offset, buf, 0, t.size);
        noteWrite(t, buf);
        return buf;
    }

    @Override
    public Object in(byte[] bytes) {
        P buf = runtime.pool().acquire(Math.max(1, bytes.length)).buffer();
        runtime.uploadBytes(bytes, buf);
        return buf;
    }

    private P buffer(long floats) {
        return runtime.pool().acquire(4L * Math.max(1, floats)).buffer();
    }

    @Override
    public Object scratch(long floats) {
        return buffer(floats);
    }

    @Override
    public Object scratchDoubles(long count) {
        return runtime.pool().acquire(8L * Math.max(1, count)).buffer();
    }

    @Override
    public double[] doublesAtClose(Object buffer, int count) {
        double[] out = new double[count];
        doubleDownloads.add(new DoubleDownload<>(runtime.cast(buffer), out));
        return out;
    }

    @Override
    public Object offset(Object pointer, long floats) {
        return floats == 0 ? pointer : runtime.offset(runtime.cast(pointer), floats);
    }

    @Override
    public void launch(String kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes, Object... args) {
        runtime.launch(kernel, gridX, gridY, gridZ, blockX, blockY, sharedBytes, args);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Object a, int lda, long strideA,
                     Object b, int ldb, long strideB, float beta, Object c, int ldc, long strideC, int batch) {
        runtime.gemm(this, transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
    }

    private void noteWrite(Tensor t, P buf) {
        if (runtime.resident().isResident(t.data)) {
            runtime.resident().syncToHost(t.data);      // the rest of the array stays valid
            residentWritten.add(t.data);
        }
        downloads.add(new Download<>(buf, t));
    }

    @Override
    public void close() {
        try {
            for (Download<P> d : downloads) runtime.memory().download(d.from(), 0, d.to().data, d.to().offset, d.to().size);
            for (DoubleDownload<P> d : doubleDownloads) runtime.downloadDoubles(d.from(), d.to());
            for (float[] a : residentWritten) runtime.resident().hostWritten(a);
        } finally {
            runtime.pool().releaseAll();
            runtime.unlock();
        }
    }
}
