package org.semivim.gpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceSelectionTest {
    private static final CudaAvailability NO_DRIVER = CudaAvailability.unusable("the NVIDIA driver library libcuda.so.1 is not installed");
    private static final CudaAvailability GPU = CudaAvailability.usable("NVIDIA H100 80GB HBM3", 1);

    @Test
    void autoWithoutDriverRunsOnCpuAndSaysWhy() {
        DeviceSelection s = DeviceSelection.decide(DeviceChoice.AUTO, NO_DRIVER);
        assertEquals(DeviceSelection.Backend.CPU, s.backend());
        assertTrue(s.message().contains("libcuda.so.1"), s.message());
        assertTrue(s.message().contains("cpu"), s.message());
    }

    @Test
    void autoWithDeviceRunsOnCuda() {
        DeviceSelection s = DeviceSelection.decide(DeviceChoice.AUTO, GPU);
        assertEquals(DeviceSelection.Backend.CUDA, s.backend());
        assertTrue(s.message().contains("H100"), s.message());
    }

    @Test
    void cudaWithoutDriverIsAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DeviceSelection.decide(DeviceChoice.CUDA, NO_DRIVER));
        assertTrue(e.getMessage().startsWith("--device cuda: CUDA is not usable: the NVIDIA driver"), e.getMessage());
        assertEquals(DeviceSelection.Backend.CUDA, DeviceSelection.decide(DeviceChoice.CUDA, GPU).backend());
    }

    @Test
    void cpuIsCpuWhateverTheProbeSays() {
        assertEquals(DeviceSelection.Backend.CPU, DeviceSelection.decide(DeviceChoice.CPU, GPU).backend());
        assertEquals(DeviceSelection.Backend.CPU, DeviceSelection.decide(DeviceChoice.CPU, NO_DRIVER).backend());
    }

    @Test
    void parsesOptionValues() {
        assertEquals(DeviceChoice.AUTO, DeviceChoice.parse("auto"));
        assertEquals(DeviceChoice.CPU, DeviceChoice.parse("CPU"));
        assertEquals(DeviceChoice.CUDA, DeviceChoice.parse(" cuda "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceChoice.parse("tpu"));
        assertEquals("unknown --device 'tpu': expected auto, cpu or cuda", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DeviceChoice.parse(null));
    }
}
