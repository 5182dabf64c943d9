package org.semivim.gpu;

import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

/**
 * Finds out once per JVM whether the CUDA driver and a device are present. JCuda throws different
 * things without a driver (deps.md, "JCuda without a GPU"): {@code UnsatisfiedLinkError} for a
 * missing {@code libcuda.so.1} on the first call, {@code NoClassDefFoundError} on later calls, a
 * {@code CudaException} for driver errors. The probe catches every {@link Throwable}, turns it into
 * a reason and never throws.
 */
public final class CudaProbe {
    private CudaProbe() {}

    /** What the probe asks the driver: the number of devices and the name of device 0. */
    interface DriverQuery {
        int deviceCount() throws Throwable;

        String deviceName(int ordinal) throws Throwable;
    }

    private static final class Holder {
        static final CudaAvailability RESULT = probe(new JCudaQuery());
    }

    /** The cached result for this JVM (the driver is asked on the first call only). */
    public static CudaAvailability availability() {
        return Holder.RESULT;
    }

    /** The probe's decision for the answers (or failures) of {@code query}; never throws. */
    static CudaAvailability probe(DriverQuery query) {
        int count;
        try {
            count = query.deviceCount();
        } catch (Throwable t) {
            return CudaAvailability.unusable(reason(t));
        }
        if (count <= 0) return CudaAvailability.unusable("the CUDA driver is present but reports no CUDA device");
        try {
            return CudaAvailability.usable(query.deviceName(0), count);
        } catch (Throwable t) {
            return CudaAvailability.unusable("CUDA device 0 cannot be queried: " + reason(t));
        }
    }

    /** A one-line reason for a failure of the driver query. */
    static String reason(Throwable t) {
        String msg = String.valueOf(t.getMessage());
        if (t instanceof UnsatisfiedLinkError) {
            if (msg.contains("libcuda")) return "the NVIDIA driver library libcuda.so.1 is not installed (" + lineWith(msg, "libcuda") + ")";
            return "a JCuda native library could not be loaded (" + firstLine(msg) + ")";
        }
        if (t instanceof NoClassDefFoundError) return "the JCuda driver binding failed to initialise earlier (" + firstLine(msg) + ")";
        return t.getClass().getSimpleName() + ": " + firstLine(msg);
    }

    private static String lineWith(String s, String word) {
        for (String line : s.split("\n")) if (line.contains(word)) return line.trim();
        return firstLine(s);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The real query through the JCuda driver API. */
    private static final class JCudaQuery implements DriverQuery {
        @Override
        public int deviceCount() {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            int[] count = new int[1];
            JCudaDriver.cuDeviceGetCount(count);
            return count[0];
        }

        @Override
        public String deviceName(int ordinal) {
            CUdevice device = new CUdevice();
            JCudaDriver.cuDeviceGet(device, ordinal);
            byte[] name = new byte[256];
            JCudaDriver.cuDeviceGetName(name, name.length, device);
            int len = 0;
            while (len < name.length && name[len] != 0) len++;
            return new String(name, 0, len, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }
}
