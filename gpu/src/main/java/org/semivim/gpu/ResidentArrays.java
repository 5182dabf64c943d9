package org.semivim.gpu;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Long-lived host arrays with a device copy that stays allocated across steps (parameter values,
 * optimizer moments, the teacher), keyed by host array identity. Each entry knows which side holds
 * the current values:
 * <ul>
 *   <li>{@link #deviceView} — for an op that reads the array: uploads the host copy first when the
 *       host side is newer, then the device copy is current on both sides;</li>
 *   <li>{@link #deviceWritten} — after a kernel wrote the device copy (optimizer step): the host is
 *       stale until {@link #syncToHost};</li>
 *   <li>{@link #hostWritten} — after Java code wrote the host array (checkpoint load, a CPU update):
 *       the next device use uploads it.</li>
 * </ul>
 * Code that writes a registered host array outside the backend must call {@link #hostWritten}
 * (docs/gpu.md, "Memory"); the optimizers of this module do.
 */
public final class ResidentArrays<B> {
    private enum Current { BOTH, HOST, DEVICE }

    private static final class Entry<B> {
        final B buffer;
        Current current;

        Entry(B buffer, Current current) {
            this.buffer = buffer;
            this.current = current;
        }
    }

    private final DeviceMemory<B> memory;
    private final Map<float[], Entry<B>> entries = new IdentityHashMap<>();
    private long uploads;
    private long downloads;

    public ResidentArrays(DeviceMemory<B> memory) {
        this.memory = memory;
    }

    /** Makes {@code host} resident (allocates its device copy, uploaded on first use); idempotent. */
    public void register(float[] host) {
        entries.computeIfAbsent(host, h -> new Entry<>(memory.allocate(4L * Math.max(1, h.length)), Current.HOST));
    }

    public boolean isResident(float[] host) {
        return entries.containsKey(host);
    }

    /** The device copy of a resident array, current for a kernel to read or write; null when not resident. */
    public B deviceView(float[] host) {
        Entry<B> e = entries.get(host);
        if (e == null) return null;
        if (e.current == Current.HOST) {
            memory.upload(host, 0, e.buffer, 0, host.length);
            uploads++;
            e.current = Current.BOTH;
        }
        return e.buffer;
    }

    /** A kernel wrote the device copy: the host copy is stale until {@link #syncToHost}. */
    public void deviceWritten(float[] host) {
        entry(host).current = Current.DEVICE;
    }

    /** Java code wrote the host array: the device copy is stale until the next {@link #deviceView}. */
    public void hostWritten(float[] host) {
        entry(host).current = Current.HOST;
    }

    /** Copies the device values back when the host copy is stale. */
    public void syncToHost(float[] host) {
        Entry<B> e = entry(host);
        if (e.current == Current.DEVICE) {
            memory.download(e.buffer, 0, host, 0, host.length);
            downloads++;
            e.current = Current.BOTH;
        }
    }

    /** Frees the device copy (the host array keeps whatever it holds; sync first when needed). */
    public void unregister(float[] host) {
        Entry<B> e = entries.remove(host);
        if (e != null) memory.free(e.buffer);
    }

    public void freeAll() {
        for (Entry<B> e : entries.values()) memory.free(e.buffer);
        entries.clear();
    }

    public long uploads() {
        return uploads;
    }

    public long downloads() {
        return downloads;
    }

    private Entry<B> entry(float[] host) {
        Entry<B> e = entries.get(host);
        if (e == null) throw new IllegalArgumentException("array of length " + host.length + " is not resident on the device");
        return e;
    }
}
