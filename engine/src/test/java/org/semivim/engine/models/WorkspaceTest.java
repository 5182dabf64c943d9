package org.semivim.engine.models;

import org.junit.jupiter.api.Test;
import org.semivim.engine.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@link Workspace}: buffers come back after release, zeros() is zero however dirty the reused
 * buffer was (also when it is filled in several parallel chunks), nested marks give back only their own buffers. (That reuse never changes a model's
 * results is checked by VisionMambaTest, whose repeated runs on one thread reuse dirty buffers.)
 */
class WorkspaceTest {

    @Test
    void reusedBuffersAreZeroedByZerosAndKeptByScratch() {
        Workspace ws = Workspace.current();
        int outer = ws.mark();
        Tensor a = ws.scratch(3, 5);
        a.fill(7f);
        float[] first = a.data;
        ws.release(outer);
        Tensor b = ws.zeros(5, 3);                          // same length: the same array, zeroed
        assertSame(first, b.data);
        assertArrayEquals(new int[] {5, 3}, b.shape());
        assertArrayEquals(new float[15], b.data);
        ws.release(outer);
        Tensor c = ws.scratch(15);
        assertSame(first, c.data);
        ws.release(outer);
    }

    /** A buffer of several fill chunks (filled in parallel tasks) comes back zero everywhere, tail included. */
    @Test
    void largeReusedBufferIsZeroedInFull() {
        Workspace ws = Workspace.current();
        int outer = ws.mark();
        int n = 3 * (1 << 18) + 17;
        Tensor a = ws.scratch(n);
        a.fill(-2f);
        ws.release(outer);
        Tensor b = ws.zeros(n);
        assertSame(a.data, b.data);
        assertArrayEquals(new float[n], b.data);
        ws.release(outer);
    }

    /** Fresh activations: count distinct zero tensors of the shape. */
    @Test
    void activationsAreDistinctZeroTensors() {
        Tensor[] t = Activations.fresh().outputs(3, 2, 4, 5);
        assertEquals(3, t.length);
        for (Tensor x : t) {
            assertArrayEquals(new int[] {2, 4, 5}, x.shape());
            assertArrayEquals(new float[40], x.data);
        }
        assertNotSame(t[0].data, t[1].data);
        assertNotSame(t[1].data, t[2].data);
        assertNotSame(t[0].data, t[2].data);
    }

    @Test
    void nestedMarksGiveBackOnlyTheirOwnBuffers() {
        Workspace ws = Workspace.current();
        int outer = ws.mark();
        Tensor kept = ws.scratch(4);
        int inner = ws.mark();
        Tensor temp = ws.scratch(4);
        assertNotSame(kept.data, temp.data);
        ws.release(inner);
        assertEquals(inner, ws.mark());
        Tensor again = ws.scratch(4);                       // the inner buffer, not the outer one still in use
        assertSame(temp.data, again.data);
        ws.release(outer);
        assertEquals(outer, ws.mark());
    }
}
