package org.semivim.gpu;

import jcuda.CudaException;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;
import jcuda.nvrtc.JNvrtc;
import jcuda.nvrtc.nvrtcProgram;

import java.nio.charset.StandardCharsets;

/**
 * Loads a kernel module into the current context: the PTX built by nvcc when it is packaged and the
 * driver accepts it, else the {@code .cu} source compiled with NVRTC for the device's compute
 * capability. A CUDA 13 nvcc writes PTX ISA 9.0, which a CUDA 12 driver rejects
 * ({@code CUDA_ERROR_UNSUPPORTED_PTX_VERSION}); NVRTC 12 (libnvrtc.so.12, which JCuda 12.6 links)
 * then compiles the source for that driver (docs/gpu.md, "Kernels").
 */
final class KernelLoader {
    /** How a module was loaded, for the backend's description. */
    record Loaded(CUmodule module, String how) {}

    private KernelLoader() {}

    static Loaded load(String module, int ccMajor, int ccMinor) {
        String ptx = KernelModules.resourceText(module + ".ptx");
        String ptxFailure = "no packaged PTX (built without nvcc)";
        if (ptx != null) {
            try {
                return new Loaded(loadPtx(ptx), "PTX (nvcc)");
            } catch (CudaException e) {
                ptxFailure = "packaged PTX rejected: " + e.getMessage();
            }
        }
        String source = KernelModules.resourceText(module + ".cu");
        String[] headers = new String[KernelModules.HEADERS.size()];
        for (int i = 0; i < headers.length; i++) headers[i] = KernelModules.resourceText(KernelModules.HEADERS.get(i));
        if (source == null || java.util.Arrays.asList(headers).contains(null)) {
            throw new IllegalStateException("kernel module " + module + ": " + ptxFailure + " and its source or headers are not packaged");
        }
        try {
            return new Loaded(loadPtx(nvrtc(module, source, headers, ccMajor, ccMinor)), "NVRTC (" + ptxFailure + ")");
        } catch (Throwable t) {
            throw new IllegalStateException("kernel module " + module + ": " + ptxFailure + "; NVRTC failed too: " + t, t);
        }
    }

    private static CUmodule loadPtx(String ptx) {
        byte[] text = ptx.getBytes(StandardCharsets.US_ASCII);
        byte[] zeroTerminated = java.util.Arrays.copyOf(text, text.length + 1);
        CUmodule m = new CUmodule();
        JCudaDriver.cuModuleLoadData(m, zeroTerminated);
        return m;
    }

    /**
     * Compiles {@code source} (which includes common.cuh, and scan_common.cuh for the scan) to PTX for compute
     * capability major.minor; {@code headers}: the texts of {@link KernelModules#HEADERS}, in that order.
     */
    static String nvrtc(String module, String source, String[] headers, int ccMajor, int ccMinor) {
        JNvrtc.setExceptionsEnabled(true);
        nvrtcProgram program = new nvrtcProgram();
        JNvrtc.nvrtcCreateProgram(program, source, module + ".cu", headers.length, headers,
                KernelModules.HEADERS.toArray(new String[0]));
        try {
            String[] options = {"--gpu-architecture=compute_" + ccMajor + ccMinor, "-lineinfo"};
            try {
                JNvrtc.nvrtcCompileProgram(program, options.length, options);
            } catch (CudaException e) {
                String[] log = new String[1];
                JNvrtc.nvrtcGetProgramLog(program, log);
                throw new IllegalStateException("NVRTC could not compile " + module + ".cu: " + log[0], e);
            }
            String[] ptx = new String[1];
            JNvrtc.nvrtcGetPTX(program, ptx);
            return ptx[0];
        } finally {
            JNvrtc.nvrtcDestroyProgram(program);
        }
    }
}
