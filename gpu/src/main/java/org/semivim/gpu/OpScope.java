package org.semivim.gpu;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The device side of one op call on host {@link Tensor}s. {@link #in} gives a device pointer to a
 * tensor's values (the resident copy when its array is resident, else a pooled buffer it uploads);
 * {@link #out} a pooled buffer whose contents are copied back into the tensor on {@link #close};
 * {@link #inOut} both (for gradients the op accumulates into). {@link #close} downloads the outputs
 * (a synchronous copy that waits for the kernels) and gives the pooled buffers back.
 *
 * <p>A tensor whose array is resident is read from the device copy without a transfer; written
 * through a staged copy, after which the host array is marked as the newer side
 * ({@link ResidentArrays#hostWritten}).
 */
final class OpScope implements AutoCloseable {
    private record Download(CUdeviceptr from, Tensor to) {}

    private final CudaBackend backend;
    private final List<Download> downloads = new ArrayList<>();
    private final List<float[]> residentWritten = new ArrayList<>();

    OpScope(CudaBackend backend) {
        this.backend = backend;
        backend.enter();
    }

    /** Device pointer to the values of {@code t}, read only. */
    Pointer in(Tensor t) {
        CUdeviceptr res = backend.resident().deviceView(t.data);
        if (res != null) return t.offset == 0 ? res : res.withByteOffset(4L * t.offset);
        CUdeviceptr buf = scratch(t.size);
        backend.memory().upload(t.data, t.offset, buf, 0, t.size);
        return buf;
    }

    /** Device buffer for an output the op overwrites entirely; copied into {@code t} on close. */
    Pointer out(Tensor t) {
        CUdeviceptr buf = scratch(t.size);
        noteWrite(t, buf);
        return buf;
    }

    /** Device copy of {@code t} that the op reads and updates (accumulated gradients); copied back on close. */
    Pointer inOut(Tensor t) {
        if (backend.resident().isResident(t.data)) backend.resident().syncToHost(t.data);
        CUdeviceptr buf = scratch(t.size);
        backend.memory().upload(t.data, t.offset, buf, 0, t.size);
        noteWrite(t, buf);
        return buf;
    }

    /** A pooled device buffer of {@code floats} floats (also used for ints and bytes of at most that size). */
    CUdeviceptr scratch(long floats) {
        return backend.pool().acquire(4L * Math.max(1, floats)).buffer();
    }

    /** A pooled buffer of {@code count} doubles. */
    CUdeviceptr scratchDoubles(long count) {
        return backend.pool().acquire(8L * Math.max(1, count)).buffer();
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
            for (float[] a : residentWritten) backend.resident().hostWritten(a);
        } finally {
            backend.pool().releaseAll();
        }
    }
}
