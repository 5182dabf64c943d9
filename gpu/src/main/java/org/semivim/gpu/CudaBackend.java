package org.semivim.gpu;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One CUDA device in use: its primary context (shared with cuBLAS, which uses the runtime API),
 * the loaded kernel modules and the GEMM engine, as a {@link DeviceRuntime} (buffer pool, resident
 * arrays, sessions). Every op call runs under the runtime's lock with the context made current on
 * the calling thread ({@link #enter}); all work goes to the legacy default
 * stream, so kernels, cuBLAS calls and copies run in issue order and a device-to-host copy waits for
 * the kernels before it.
 */
public final class CudaBackend extends DeviceRuntime<CUdeviceptr> implements AutoCloseable {
    private final CUdevice device;
    private final CUcontext context;
    private final String deviceName;
    private final int ccMajor, ccMinor;
    private final long totalMemory;
    private final Map<String, KernelLoader.Loaded> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final CudaMemory cudaMemory;
    private final CudaGemmEngine gemm;
    private boolean closed;

    private CudaBackend(int ordinal) {
        this(ordinal, new CudaMemory());
    }

    private CudaBackend(int ordinal, CudaMemory memory) {
        super(memory);
        this.cudaMemory = memory;
        JCudaDriver.setExceptionsEnabled(true);
        JCudaDriver.cuInit(0);
        device = new CUdevice();
        JCudaDriver.cuDeviceGet(device, ordinal);
        context = new CUcontext();
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        JCudaDriver.cuCtxSetCurrent(context);
        ccMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        ccMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        long[] mem = new long[1];
        JCudaDriver.cuDeviceTotalMem(mem, device);
        totalMemory = mem[0];
        byte[] name = new byte[256];
        JCudaDriver.cuDeviceGetName(name, name.length, device);
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        deviceName = new String(name, 0, len, java.nio.charset.StandardCharsets.US_ASCII);
        for (String module : KernelModules.KERNELS.keySet()) modules.put(module, KernelLoader.load(module, ccMajor, ccMinor));
        gemm = CudaGemmEngine.create(System.getProperty("semivim.gpu.gemm", "auto"));
    }

    /** Opens device {@code ordinal} (0 is the first visible device); loads every kernel module. */
    public static CudaBackend open(int ordinal) {
        return new CudaBackend(ordinal);
    }

    private int attribute(int attr) {
        int[] v = new int[1];
        JCudaDriver.cuDeviceGetAttribute(v, attr, device);
        return v[0];
    }

    /** Makes this backend's context current on the calling thread. */
    @Override
    void enter() {
        if (closed) throw new IllegalStateException("the CUDA backend has been closed");
        JCudaDriver.cuCtxSetCurrent(context);
    }

    CUfunction function(String kernel) {
        return functions.computeIfAbsent(kernel, k -> {
            CUfunction f = new CUfunction();
            JCudaDriver.cuModuleGetFunction(f, modules.get(KernelModules.moduleOf(k)).module(), k);
            return f;
        });
    }

    /**
     * Launches {@code kernel} on the default stream (call with the lock held). Arguments:
     * {@link CUdeviceptr} (or any device {@link Pointer}), {@code null} for a null device pointer,
     * Integer, Long, Float, Double, Boolean (as int 0/1).
     */
    @Override
    void launch(String kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes, Object... args) {
        List<NativePointerObject> params = new ArrayList<>(args.length);
        for (Object a : args) {
            if (a == null) params.add(Pointer.to(new long[] {0L}));
            else if (a instanceof Pointer p) params.add(Pointer.to(p));
            else if (a instanceof Integer i) params.add(Pointer.to(new int[] {i}));
            else if (a instanceof Long l) params.add(Pointer.to(new long[] {l}));
            else if (a instanceof Float f) params.add(Pointer.to(new float[] {f}));
            else if (a instanceof Double d) params.add(Pointer.to(new double[] {d}));
            else if (a instanceof Boolean b) params.add(Pointer.to(new int[] {b ? 1 : 0}));
            else throw new IllegalArgumentException("kernel " + kernel + ": unsupported argument type " + a.getClass());
        }
        JCudaDriver.cuLaunchKernel(function(kernel), gridX, gridY, gridZ, blockX, blockY, 1, sharedBytes, null,
                Pointer.to(params.toArray(new NativePointerObject[0])), null);
    }

    /** Launch geometry of a grid-stride elementwise kernel over n elements. */
    static int elementwiseGrid(long n) {
        return (int) Math.max(1, Math.min((n + 255) / 256, 65535L * 16));
    }

    void synchronize() {
        JCudaDriver.cuCtxSynchronize();
    }

    CudaGemmEngine gemmEngine() { return gemm; }

    @Override
    CUdeviceptr offset(CUdeviceptr pointer, long floats) {
        return pointer.withByteOffset(4L * floats);
    }

    @Override
    void gemm(KernelSession session, boolean transA, boolean transB, int m, int n, int k, float alpha,
              Object a, int lda, long strideA, Object b, int ldb, long strideB,
              float beta, Object c, int ldc, long strideC, int batch) {
        if (gemm.usesCublas()) {
            gemm.cublas(transA, transB, m, n, k, alpha, (Pointer) a, lda, strideA, (Pointer) b, ldb, strideB, beta, (Pointer) c, ldc, strideC, batch);
        } else {
            KernelSession.ownGemm(session, transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
        }
    }

    @Override
    void uploadBytes(byte[] src, CUdeviceptr dst) {
        cudaMemory.uploadBytes(src, dst);
    }

    @Override
    void downloadDoubles(CUdeviceptr src, double[] dst) {
        cudaMemory.downloadDoubles(src, dst);
    }

    @Override
    void downloadInts(CUdeviceptr src, int[] dst) {
        cudaMemory.downloadInts(src, dst);
    }

    @Override
    void zero(CUdeviceptr buffer, long words) {
        cudaMemory.zero(buffer, words);
    }

    public String deviceName() { return deviceName; }
    public int computeCapabilityMajor() { return ccMajor; }
    public int computeCapabilityMinor() { return ccMinor; }
    public long totalMemoryBytes() { return totalMemory; }

    /** One line: device, compute capability, how the kernels were loaded and which GEMM runs. */
    public String describe() {
        Map<String, Integer> hows = new java.util.TreeMap<>();
        for (KernelLoader.Loaded l : modules.values()) hows.merge(l.how(), 1, Integer::sum);
        return "cuda device=" + deviceName + " cc=" + ccMajor + "." + ccMinor + " memory_GiB="
                + String.format(java.util.Locale.ROOT, "%.1f", totalMemory / (double) (1L << 30))
                + " kernels=" + hows + " gemm=" + gemm.description();
    }

    /** Bytes copied host → device and device → host so far (float transfers). */
    public long[] transferredBytes() {
        return new long[] {cudaMemory.uploadedBytes(), cudaMemory.downloadedBytes()};
    }

    /** Device allocations made by the op buffer pool (constant once every step size has been seen). */
    public long poolAllocations() {
        return pool().allocations();
    }

    @Override
    public void close() {
        lock();
        try {
            gemm.close();
            pool().freeAll();
            resident().freeAll();
            for (KernelLoader.Loaded l : modules.values()) JCudaDriver.cuModuleUnload(l.module());
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
            closed = true;
        } finally {
            unlock();
        }
    }
}
