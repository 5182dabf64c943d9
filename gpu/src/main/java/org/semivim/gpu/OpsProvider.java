package org.semivim.gpu;

import org.semivim.engine.ops.Ops;
import org.semivim.training.update.UpdateBackend;
import org.semivim.training.update.UpdateBackends;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What the cli calls for {@code --device auto|cpu|cuda}: probes CUDA once, decides with
 * {@link DeviceSelection#decide}, logs the decision once per JVM and returns the backend.
 * <pre>
 *   OpsProvider.Selected sel = OpsProvider.select("auto", System.err::println);
 *   ImageClassifier net = spec.create(sel.ops(), seed);
 *   // sel.cuda() is the CudaBackend (for CudaAdamW / CudaEmaUpdate) or null on the CPU
 * </pre>
 * The CUDA backend (device 0) is opened on first use and shared by the JVM. The CUDA ops come with
 * their {@link CudaUpdateBackend}, bound to them ({@link UpdateBackends#bind}), so the trainers built on
 * {@code sel.ops()} keep their parameters resident and update them on the device.
 */
public final class OpsProvider {
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
    private static volatile CudaBackend shared;
    private static final Map<CudaBackend, Ops> OPS = new ConcurrentHashMap<>();

    private OpsProvider() {}

    /** The chosen backend: its ops, the selection, and the CUDA backend when it is CUDA. */
    public record Selected(Ops ops, DeviceSelection selection, CudaBackend cuda) {
        /** Where the trainers on {@link #ops()} update their parameters: the bound {@link CudaUpdateBackend}, or the host. */
        public UpdateBackend updates() {
            return UpdateBackends.of(ops);
        }
    }

    /** Parses {@code device} and selects with the real probe. */
    public static Selected select(String device, Consumer<String> log) {
        return select(DeviceChoice.parse(device), CudaProbe.availability(), log);
    }

    /** Selects for the given probe answer (tests pass their own). */
    static Selected select(DeviceChoice choice, CudaAvailability availability, Consumer<String> log) {
        return select(choice, availability, OpsProvider::sharedBackend, log);
    }

    /**
     * Selects for the given probe answer and backend opener. The probe only asks the driver; opening
     * the backend (loading the kernels: PTX or NVRTC) can still fail. Then {@code auto} falls back to
     * the CPU, saying why, and {@code cuda} fails with the reason.
     */
    static Selected select(DeviceChoice choice, CudaAvailability availability, java.util.function.Supplier<CudaBackend> opener,
                           Consumer<String> log) {
        DeviceSelection sel = DeviceSelection.decide(choice, availability);
        if (sel.backend() == DeviceSelection.Backend.CPU) {
            logOnce(sel.message(), log);
            return new Selected(Ops.cpu(), sel, null);
        }
        CudaBackend backend;
        try {
            backend = opener.get();
        } catch (RuntimeException | LinkageError e) {
            String reason = "the CUDA backend failed to start: " + CudaProbe.reason(e);
            if (choice == DeviceChoice.CUDA) throw new IllegalStateException("--device cuda: " + reason, e);
            DeviceSelection cpu = new DeviceSelection(DeviceSelection.Backend.CPU, "device: cpu (auto): " + reason);
            logOnce(cpu.message(), log);
            return new Selected(Ops.cpu(), cpu, null);
        }
        int segment = ScanPlan.segmentFromSystemProperties();   // a bad -Dsemivim.cuda.scanBackwardSegment fails here, with its name
        logOnce(sel.message() + " [" + backend.describe() + (segment == ScanPlan.DEFAULT_SEGMENT ? "" : "; scan backward segment: " + segment) + "]", log);
        return new Selected(cudaOps(backend), sel, backend);
    }

    private static void logOnce(String message, Consumer<String> log) {
        if (LOGGED.add(message)) log.accept(message);
    }

    /** The CUDA ops of {@code backend} with its {@link CudaUpdateBackend} bound to them; made once per backend. */
    private static Ops cudaOps(CudaBackend backend) {
        return OPS.computeIfAbsent(backend, b -> {
            Ops ops = CudaOps.create(b);
            UpdateBackends.bind(ops, new CudaUpdateBackend(b));
            return ops;
        });
    }

    /** The JVM's CUDA backend on device 0 (opened on first call). */
    public static synchronized CudaBackend sharedBackend() {
        if (shared == null) shared = CudaBackend.open(0);
        return shared;
    }
}
