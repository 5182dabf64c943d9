package org.semivim.engine.layers;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;

/** The forwards into caller tensors (reused activation buffers): the bits of the allocating forwards, whatever the buffers held. */
class ForwardIntoTest {
    private static Tensor random(long seed, int... shape) {
        Tensor t = Tensor.zeros(shape);
        CounterRng rng = CounterRng.of(seed, "into");
        for (int i = 0; i < t.size; i++) t.data[i] = (float) rng.normal(i);
        return t;
    }

    private static Tensor nan(int... shape) {
        Tensor t = Tensor.zeros(shape);
        t.fill(Float.NaN);
        return t;
    }

    @Test
    void linearIntoOverwritesTheOutput() {
        ParameterSet.Builder pb = ParameterSet.builder();
        Linear withBias = new Linear(Ops.cpu(), pb, "a", 6, 5, true);
        Linear noBias = new Linear(Ops.cpu(), pb, "b", 6, 5, false);
        ParameterSet ps = pb.build();
        Tensor values = ps.flatValues();
        for (int i = 0; i < values.size; i++) values.data[i] = 0.1f * ((i * 7) % 11) - 0.5f;
        Tensor x = random(1, 2, 3, 6);
        for (Linear l : new Linear[] {withBias, noBias}) {
            Tensor y = nan(2, 3, 5);
            assertSame(y, l.forward(x, y));
            assertArrayEquals(l.forward(x).toArray(), y.toArray());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> noBias.forward(x, nan(2, 2, 5)));
        assertTrue(e.getMessage().contains("rows"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> noBias.forward(x, nan(2, 3, 4)));
    }

    @Test
    void rmsNormIntoOverwritesOutputAndRstd() {
        ParameterSet.Builder pb = ParameterSet.builder();
        RMSNorm norm = new RMSNorm(Ops.cpu(), pb, "n", 8, 1e-5f);
        pb.build();
        norm.initialize();
        Tensor x = random(2, 3, 4, 8);
        RMSNorm.Output fresh = norm.forward(x);
        RMSNorm.Output into = norm.forward(x, nan(3, 4, 8), nan(12));
        assertArrayEquals(fresh.y().toArray(), into.y().toArray());
        assertArrayEquals(fresh.rstd().toArray(), into.rstd().toArray());
    }
}
