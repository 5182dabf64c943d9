package org.semivim.gpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResidentArraysTest {

    @Test
    void firstDeviceUseUploadsOnceThenReadsTheResidentCopy() {
        HostMemory mem = new HostMemory();
        ResidentArrays<float[]> res = new ResidentArrays<>(mem);
        float[] values = {1, 2, 3};
        res.register(values);
        res.register(values);                       // idempotent
        assertEquals(1, mem.allocations);
        float[] dev = res.deviceView(values);
        assertArrayEquals(values, dev);
        assertSame(dev, res.deviceView(values));
        res.deviceView(values);
        assertEquals(1, res.uploads(), "a current device copy is not uploaded again");
        assertNull(res.deviceView(new float[3]), "arrays that are not resident have no device view");
    }

    @Test
    void deviceWritesReachTheHostOnlyWhenSynced() {
        HostMemory mem = new HostMemory();
        ResidentArrays<float[]> res = new ResidentArrays<>(mem);
        float[] values = {1, 2, 3};
        res.register(values);
        float[] dev = res.deviceView(values);
        dev[1] = 20;                                  // a kernel writes the device copy
        res.deviceWritten(values);
        assertEquals(2, values[1], "the host stays stale until synced");
        res.syncToHost(values);
        assertEquals(20, values[1]);
        res.syncToHost(values);
        assertEquals(1, res.downloads(), "a current host copy is not downloaded again");
    }

    @Test
    void hostWritesReachTheDeviceOnNextUse() {
        HostMemory mem = new HostMemory();
        ResidentArrays<float[]> res = new ResidentArrays<>(mem);
        float[] values = {1, 2, 3};
        res.register(values);
        res.deviceView(values);
        values[0] = 10;                               // e.g. a checkpoint restore
        res.hostWritten(values);
        assertEquals(10, res.deviceView(values)[0]);
        assertEquals(2, res.uploads());
    }

    @Test
    void unknownArraysAreRejectedAndUnregisterFrees() {
        HostMemory mem = new HostMemory();
        ResidentArrays<float[]> res = new ResidentArrays<>(mem);
        assertThrows(IllegalArgumentException.class, () -> res.hostWritten(new float[2]));
        float[] a = new float[4];
        res.register(a);
        assertTrue(res.isResident(a));
        res.unregister(a);
        assertFalse(res.isResident(a));
        assertEquals(0, mem.live.size());
        // identity, not equality: an equal array is another key
        float[] b = new float[4], c = new float[4];
        res.register(b);
        assertFalse(res.isResident(c));
        res.freeAll();
        assertEquals(0, mem.live.size());
    }
}
