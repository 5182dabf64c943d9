package org.semivim.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The CUDA sources of this module ({@code src/main/cuda}, packaged under {@value #RESOURCE_DIR}) and
 * the kernels each defines. The build compiles every {@code <module>.cu} to {@code <module>.ptx}
 * with nvcc when nvcc is present; {@link KernelLoader} loads the PTX, or compiles the source with
 * NVRTC at run time. {@code KernelSourcesTest} checks that every kernel named here is an entry of
 * the module's PTX.
 */
public final class KernelModules {
    public static final String RESOURCE_DIR = "/org/semivim/gpu/kernels/";
    /** The header every module includes. */
    public static final String COMMON_HEADER = "common.cuh";
    /** Every header a module may include (NVRTC is given all of them by name): common.cuh and the scan's. */
    public static final List<String> HEADERS = List.of(COMMON_HEADER, "scan_common.cuh");

    /** Module name → the kernels (extern "C" entry points) the Java code launches from it. */
    public static final Map<String, List<String>> KERNELS = Map.of(
            "elementwise", List.of("silu_fwd", "silu_bwd", "gelu_fwd", "gelu_bwd", "softplus_fwd", "softplus_bwd", "add_inplace"),
            "gemm", List.of("sgemm_tiled"),
            "norm", List.of("rmsnorm_fwd", "rmsnorm_bwd_dx", "rmsnorm_bwd_dw", "layernorm_fwd", "layernorm_bwd_dx", "layernorm_bwd_dwdb"),
            "conv", List.of("dwconv1d_fwd", "dwconv1d_bwd_dx", "dwconv1d_bwd_dwdb", "patchify", "unpatchify_acc"),
            "scan", List.of("scan_fwd"),
            "scan_bwd", List.of("scan_bwd"),
            "loss", List.of("softmax_xent", "masked_mse"),
            "attention", List.of("softmax_rows", "softmax_rows_bwd", "softmax_rows_masked"),
            "optim", List.of("adamw_moments", "adamw_apply", "ema_update", "any_nonfinite", "lyap_student", "lyap_teacher"));

    private KernelModules() {}

    /** The module that defines {@code kernel}; throws for an unknown name. */
    public static String moduleOf(String kernel) {
        for (Map.Entry<String, List<String>> e : KERNELS.entrySet()) if (e.getValue().contains(kernel)) return e.getKey();
        throw new IllegalArgumentException("no kernel module defines '" + kernel + "'");
    }

    /** The packaged resource {@code name} as text, or null when it is not on the class path. */
    public static String resourceText(String name) {
        try (InputStream in = KernelModules.class.getResourceAsStream(RESOURCE_DIR + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read kernel resource " + name + ": " + e.getMessage(), e);
        }
    }
}
