package org.semivim.gpu;

/**
 * The pure decision of which backend runs, from the {@code --device} choice and the probe's answer.
 * {@code message} is the one line the caller logs (once per JVM, {@link OpsProvider}).
 */
public record DeviceSelection(Backend backend, String message) {

    public enum Backend { CPU, CUDA }

    /**
     * auto: CUDA when available ("using ..."), else CPU with the reason; cpu: CPU; cuda: CUDA, or an
     * {@link IllegalStateException} naming the reason when CUDA is not usable (never a silent CPU run).
     */
    public static DeviceSelection decide(DeviceChoice choice, CudaAvailability cuda) {
        return switch (choice) {
            case CPU -> new DeviceSelection(Backend.CPU, "device: cpu (as requested)");
            case AUTO -> cuda.available()
                    ? new DeviceSelection(Backend.CUDA, "device: cuda (auto): " + cuda.reason())
                    : new DeviceSelection(Backend.CPU, "device: cpu (auto): CUDA is not usable: " + cuda.reason());
            case CUDA -> {
                if (!cuda.available()) {
                    throw new IllegalStateException("--device cuda: CUDA is not usable: " + cuda.reason()
                            + " (use --device auto or cpu to run on the CPU)");
                }
                yield new DeviceSelection(Backend.CUDA, "device: cuda: " + cuda.reason());
            }
        };
    }
}
