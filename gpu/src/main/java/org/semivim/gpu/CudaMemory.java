package org.semivim.gpu;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/** {@link DeviceMemory} through the CUDA driver API (synchronous copies on the legacy default stream). */
final class CudaMemory implements DeviceMemory<CUdeviceptr> {
    private long uploadedBytes, downloadedBytes;   // host ↔ device traffic so far (floats; the benchmark reports it per step)

    @Override
    public CUdeviceptr allocate(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        JCudaDriver.cuMemAlloc(p, Math.max(4, bytes));
        return p;
    }

    @Override
    public void free(CUdeviceptr buffer) {
        JCudaDriver.cuMemFree(buffer);
    }

    @Override
    public void upload(float[] src, int srcOffset, CUdeviceptr buffer, long floatOffset, int count) {
        if (count == 0) return;
        uploadedBytes += 4L * count;
        JCudaDriver.cuMemcpyHtoD(buffer.withByteOffset(4L * floatOffset), Pointer.to(src).withByteOffset(4L * srcOffset), 4L * count);
    }

    @Override
    public void download(CUdeviceptr buffer, long floatOffset, float[] dst, int dstOffset, int count) {
        if (count == 0) return;
        downloadedBytes += 4L * count;
        JCudaDriver.cuMemcpyDtoH(Pointer.to(dst).withByteOffset(4L * dstOffset), buffer.withByteOffset(4L * floatOffset), 4L * count);
    }

    long uploadedBytes() {
        return uploadedBytes;
    }

    long downloadedBytes() {
        return downloadedBytes;
    }

    void uploadBytes(byte[] src, CUdeviceptr buffer) {
        if (src.length > 0) JCudaDriver.cuMemcpyHtoD(buffer, Pointer.to(src), src.length);
    }

    void downloadDoubles(CUdeviceptr buffer, double[] dst) {
        if (dst.length > 0) JCudaDriver.cuMemcpyDtoH(Pointer.to(dst), buffer, 8L * dst.length);
    }

    void downloadInts(CUdeviceptr buffer, int[] dst) {
        if (dst.length > 0) JCudaDriver.cuMemcpyDtoH(Pointer.to(dst), buffer, 4L * dst.length);
    }

    /** Sets {@code count} 32-bit words at {@code buffer} to zero. */
    void zero(Pointer buffer, long count) {
        if (count > 0) JCudaDriver.cuMemsetD32(asDevice(buffer), 0, count);
    }

    private static CUdeviceptr asDevice(Pointer p) {
        if (p instanceof CUdeviceptr d) return d;
        throw new IllegalArgumentException("not a device pointer: " + p);
    }
}
