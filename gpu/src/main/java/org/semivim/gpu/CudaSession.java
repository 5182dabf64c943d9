package org.semivim.gpu;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link KernelSession} through JCuda, holding the backend's lock from {@link CudaBackend#open} to
 * {@link #close}. {@link #in} gives the resident copy when the tensor's array is resident, else a
 * pooled buffer it uploads; outputs are pooled buffers downloaded on close (a synchronous copy that
 * waits for the kernels), after which every pooled buffer goes back to the pool. A tensor whose
 * array is resident is written through a staged copy, after which the host array is marked as the
 * newer side ({@link ResidentArrays#hostWritten}).
 */
final class CudaSession implements KernelSession {
    private record Download(CUdeviceptr from, Tensor to) {}

    private record DoubleDownload(CUdeviceptr from, double[] to) {}

    private final CudaBackend backend;
    private final List<Download> downloads = new ArrayList<>();
    private final List<DoubleDownload> doubleDownloads = new ArrayList<>();
    private final List<float[]> residentWritten = new ArrayList<>();

    /** Called by {@link CudaBackend#open} with the lock held and the context current. */
    CudaSession(CudaBackend backend) {
        this.backend = backend;
    }

    @Override
    public Pointer in(Tensor t) {
        CUdeviceptr res = backend.resident().deviceView(t.data);
        if (res != null) return t.offset == 0 ? res : res.withByteOffset(4L * t.offset);
        CUdeviceptr buf = scratch(t.size);
        backend.memory().upload(t.data, t.offset, buf, 0, t.size);
        return buf;
    }

    @Override
    public Pointer out(Tensor t) {
        CUdeviceptr buf = scratch(t.size);
        noteWrite(t, buf);
        return buf;
    }

    @Override
    public Pointer inOut(Tensor t) {
        if (backend.resident().isResident(t.data)) backend.resident().syncToHost(t.data);
        CUdeviceptr buf = scratch(t.size);
        backend.memory().upload(t.data, t.offset, buf, 0, t.size);
        noteWrite(t, buf);
        return buf;
    }

    @Override
    public CUdeviceptr scratch(long floats) {
        return backend.pool().acquire(4L * Math.max(1, floats)).buffer();
    }

    @Override
    public CUdeviceptr scratchDoubles(long count) {
        return backend.pool().acquire(8L * Math.max(1, count)).buffer();
    }

    @Override
    public double[] doublesAtClose(Object buffer, int count) {
        double[] out = new double[count];
        doubleDownloads.add(new DoubleDownload((CUdeviceptr) buffer, out));
        return out;
    }

    @Override
    public Object offset(Object pointer, long floats) {
        return floats == 0 ? pointer : ((Pointer) pointer).withByteOffset(4L * floats);
    }

    @Override
    public void launch(String kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes, Object... args) {
        backend.launch(kernel, gridX, gridY, gridZ, blockX, blockY, sharedBytes, args);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Object a, int lda, long strideA,
                     Object b, int ldb, long strideB, float beta, Object c, int ldc, long strideC, int batch) {
        CudaGemmEngine g = backend.gemmEngine();
        if (g.usesCublas()) {
            g.cublas(transA, transB, m, n, k, alpha, (Pointer) a, lda, strideA, (Pointer) b, ldb, strideB, beta, (Pointer) c, ldc, strideC, batch);
        } else {
            KernelSession.ownGemm(this, transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
        }
    }

    private void noteWrite(Tensor t, CUdeviceptr buf) {
        if (backend.resident().isResident(t.data)) backend.resident().syncToHost(t.data);   // the rest of the array stays valid
        downloads.add(new Download(buf, t));
        if (backend.resident().isResident(t.data)) residentWritten.add(t.data);
    }

    @Override
    public void close() {
        try {
            for (Download d : downloads) backend.memory().download(d.from(), 0, d.to().data, d.to().offset, d.to().size);
            for (DoubleDownload d : doubleDownloads) backend.memory().downloadDoubles(d.from(), d.to());
            for (float[] a : residentWritten) backend.resident().hostWritten(a);
        } finally {
            backend.pool().releaseAll();
            backend.unlock();
        }
    }
}
