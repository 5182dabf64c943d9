package org.semivim.gpu;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class CudaProbeTest {

    /** A driver query that fails or answers as told. */
    private record Fake(Throwable countFailure, int count, Throwable nameFailure) implements CudaProbe.DriverQuery {
        @Override
        public int deviceCount() throws Throwable {
            if (countFailure != null) throw countFailure;
            return count;
        }

        @Override
        public String deviceName(int ordinal) throws Throwable {
            if (nameFailure != null) throw nameFailure;
            return "Fake GPU " + ordinal;
        }
    }

    @Test
    void missingDriverLibraryIsReportedNotThrown() {
        // the exact error JCuda 12.6.0 gives without libcuda.so.1 (deps.md)
        CudaAvailability a = CudaProbe.probe(new Fake(new UnsatisfiedLinkError(
                "/tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file or directory"), 0, null));
        assertFalse(a.available());
        assertTrue(a.reason().startsWith("the NVIDIA driver library libcuda.so.1 is not installed"), a.reason());
    }

    @Test
    void laterCallsAfterAFailedInitialisationAreReportedToo() {
        CudaAvailability a = CudaProbe.probe(new Fake(new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver"), 0, null));
        assertFalse(a.available());
        assertTrue(a.reason().contains("Could not initialize class jcuda.driver.JCudaDriver"), a.reason());
    }

    @Test
    void driverWithoutDeviceIsUnusable() {
        CudaAvailability a = CudaProbe.probe(new Fake(null, 0, null));
        assertFalse(a.available());
        assertEquals("the CUDA driver is present but reports no CUDA device", a.reason());
    }

    @Test
    void deviceThatCannotBeQueriedIsUnusable() {
        CudaAvailability a = CudaProbe.probe(new Fake(null, 2, new RuntimeException("CUDA_ERROR_UNKNOWN")));
        assertFalse(a.available());
        assertTrue(a.reason().contains("CUDA_ERROR_UNKNOWN"), a.reason());
    }

    @Test
    void usableDevice() {
        CudaAvailability a = CudaProbe.probe(new Fake(null, 2, null));
        assertTrue(a.available());
        assertEquals("Fake GPU 0", a.deviceName());
        assertEquals(2, a.deviceCount());
    }

    @Test
    void realProbeNeverThrowsAndIsCached() {
        CudaAvailability a = CudaProbe.availability();
        assertSame(a, CudaProbe.availability());
        assertFalse(a.reason().isBlank());
        if (!a.available()) System.out.println("CUDA probe on this machine: " + a.reason());
    }

    @Test
    void realProbeReportsNoCudaOnAMachineWithoutNvidiaDevices() {
        assumeFalse(Files.exists(Path.of("/dev/nvidiactl")) || Files.exists(Path.of("/dev/nvidia0")),
                "this machine has NVIDIA device files: the no-driver answer cannot be checked here");
        CudaAvailability a = CudaProbe.availability();
        assertFalse(a.available(), "probe claims CUDA without NVIDIA device files: " + a);
    }
}
