package org.semivim.gpu;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class OpsProviderTest {

    @Test
    void autoWithoutDriverGivesTheCpuBackendAndLogsTheReasonOnce() {
        CudaAvailability none = CudaAvailability.unusable("test reason " + System.nanoTime());
        List<String> log = new ArrayList<>();
        OpsProvider.Selected first = OpsProvider.select(DeviceChoice.AUTO, none, log::add);
        OpsProvider.Selected second = OpsProvider.select(DeviceChoice.AUTO, none, log::add);
        assertSame(Ops.cpu(), first.ops());
        assertSame(Ops.cpu(), second.ops());
        assertNull(first.cuda());
        assertSame(org.semivim.training.update.UpdateBackend.cpu(), first.updates(), "on the CPU the trainers update on the host");
        assertEquals(1, log.size(), "the fallback is logged once per JVM: " + log);
        assertTrue(log.get(0).contains(none.reason()), log.get(0));
    }

    @Test
    void cudaWithoutDriverThrowsNamingTheReason() {
        CudaAvailability none = CudaAvailability.unusable("no driver here");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> OpsProvider.select(DeviceChoice.CUDA, none, s -> { }));
        assertTrue(e.getMessage().contains("no driver here"), e.getMessage());
    }

    @Test
    void theRealSelectionFallsBackOnThisMachine() {
        assumeFalse(Files.exists(Path.of("/dev/nvidiactl")), "NVIDIA device files present: auto may pick CUDA here");
        List<String> log = new ArrayList<>();
        OpsProvider.Selected s = OpsProvider.select("auto", log::add);
        assertSame(Ops.cpu(), s.ops());
        assertEquals(DeviceSelection.Backend.CPU, s.selection().backend());
        assertThrows(IllegalStateException.class, () -> OpsProvider.select("cuda", m -> { }));
        assertThrows(IllegalArgumentException.class, () -> OpsProvider.select("metal", m -> { }));
    }

    @Test
    void aBackendThatFailsToStartFallsBackUnderAutoAndFailsUnderCuda() {
        CudaAvailability driver = CudaAvailability.usable("Fake GPU", 1);
        java.util.function.Supplier<CudaBackend> broken = () -> {
            throw new IllegalStateException("kernel module scan: packaged PTX rejected; NVRTC failed too " + System.nanoTime());
        };
        List<String> log = new ArrayList<>();
        OpsProvider.Selected s = OpsProvider.select(DeviceChoice.AUTO, driver, broken, log::add);
        assertSame(Ops.cpu(), s.ops());
        assertNull(s.cuda());
        assertEquals(DeviceSelection.Backend.CPU, s.selection().backend());
        assertEquals(1, log.size());
        assertTrue(log.get(0).startsWith("device: cpu (auto): the CUDA backend failed to start: "), log.get(0));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> OpsProvider.select(DeviceChoice.CUDA, driver, broken, m -> { }));
        assertTrue(e.getMessage().startsWith("--device cuda: the CUDA backend failed to start: "), e.getMessage());
    }
}
