package org.semivim.gpu;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A device the CUDA ops and the device-resident optimizers run on, with device pointers of type
 * {@code P}: raw memory, the {@link BufferPool} of op temporaries, the {@link ResidentArrays} of
 * long-lived arrays, kernel launches and GEMMs, and a lock that serialises its users.
 * {@link CudaBackend} is the JCuda implementation; the tests have one that runs the same kernel
 * sources on the CPU (EmulatedRuntime), so everything above this class is tested without a GPU.
 *
 * <p>The {@code Object}-typed helpers let code that holds a {@code DeviceRuntime<?>} pass the
 * pointers it got from this runtime back to it.
 */
abstract class DeviceRuntime<P> implements KernelDevice {
    private final ReentrantLock lock = new ReentrantLock();
    private final DeviceMemory<P> memory;
    private final BufferPool<P> pool;
    private final ResidentArrays<P> resident;

    DeviceRuntime(DeviceMemory<P> memory) {
        this.memory = memory;
        this.pool = new BufferPool<>(memory);
        this.resident = new ResidentArrays<>(memory);
    }

    DeviceMemory<P> memory() { return memory; }
    BufferPool<P> pool() { return pool; }
    ResidentArrays<P> resident() { return resident; }

    /** Makes the device usable from the calling thread (the CUDA context current); called with the lock held. */
    abstract void enter();

    /** Launches a kernel; arguments as {@link KernelSession#launch}, pointers of type P. */
    abstract void launch(String kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes, Object... args);

    /** {@code pointer} advanced by {@code floats} floats. */
    abstract P offset(P pointer, long floats);

    /** A strided-batched SGEMM for {@code session} (cuBLAS, or the own kernel through the session). */
    abstract void gemm(KernelSession session, boolean transA, boolean transB, int m, int n, int k, float alpha,
                       Object a, int lda, long strideA, Object b, int ldb, long strideB,
                       float beta, Object c, int ldc, long strideC, int batch);

    abstract void uploadBytes(byte[] src, P dst);

    abstract void downloadDoubles(P src, double[] dst);

    abstract void downloadInts(P src, int[] dst);

    /** Sets {@code words} 32-bit words at {@code buffer} to zero. */
    abstract void zero(P buffer, long words);

    /** Takes the lock (op calls are serialised) and enters the device; pair with {@link #unlock}. */
    void lock() {
        lock.lock();
        try {
            enter();
        } catch (RuntimeException e) {
            lock.unlock();
            throw e;
        }
    }

    void unlock() {
        lock.unlock();
    }

    /** A session for one op call; holds the lock until it is closed. */
    @Override
    public KernelSession open() {
        lock();
        return new DeviceSession<>(this);
    }

    // ---- Object-typed access for holders of a DeviceRuntime<?> (pointers that came from here) ----

    @SuppressWarnings("unchecked")
    final P cast(Object pointer) {
        return (P) pointer;
    }

    final Object allocateBuffer(long bytes) {
        return memory.allocate(bytes);
    }

    final void freeBuffer(Object buffer) {
        memory.free(cast(buffer));
    }

    final Object acquireBuffer(long bytes) {
        return pool.acquire(bytes).buffer();
    }

    final void uploadBytesTo(byte[] src, Object dst) {
        uploadBytes(src, cast(dst));
    }

    final void downloadDoublesFrom(Object src, double[] dst) {
        downloadDoubles(cast(src), dst);
    }

    final void downloadIntsFrom(Object src, int[] dst) {
        downloadInts(cast(src), dst);
    }

    final void zeroWords(Object buffer, long words) {
        zero(cast(buffer), words);
    }
}
