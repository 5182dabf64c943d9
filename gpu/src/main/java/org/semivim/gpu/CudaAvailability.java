package org.semivim.gpu;

import java.util.Objects;

/**
 * Whether CUDA can be used in this JVM, and why not when it cannot. {@code reason} is a one-line
 * explanation meant for a log line ("libcuda.so.1 not found (no NVIDIA driver)", "no CUDA device").
 */
public record CudaAvailability(boolean available, String reason, String deviceName, int deviceCount) {
    public CudaAvailability {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(deviceName, "deviceName");
    }

    public static CudaAvailability usable(String deviceName, int deviceCount) {
        return new CudaAvailability(true, "CUDA device " + deviceName + " (" + deviceCount + " visible)", deviceName, deviceCount);
    }

    public static CudaAvailability unusable(String reason) {
        return new CudaAvailability(false, reason, "", 0);
    }
}
