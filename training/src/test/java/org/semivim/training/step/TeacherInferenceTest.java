package org.semivim.training.step;

import org.junit.jupiter.api.Test;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.pseudo.PseudoLabels;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TeacherInferenceTest {

    private static ModelSpec vim() {
        return new ModelSpec.Vim(VimConfig.fromMap(Map.of("img_size", 12, "patch_size", 4, "in_chans", 1, "embed_dim", 16, "depth", 2,
                "d_state", 4, "num_classes", 5, "drop_path_rate", 0.5)));
    }

    private static Tensor images(int n) {
        Tensor x = Tensor.zeros(n, 1, 12, 12);
        CounterRng rng = CounterRng.of(3, "teacher-test");
        for (int i = 0; i < x.size; i++) x.data[i] = (float) (3 * rng.normal(i));
        return x;
    }

    @Test
    void confidenceAndLabelAreMaxAndArgmaxOfTheEvalSoftmax() {
        ModelSpec spec = vim();
        ImageClassifier model = spec.create(Ops.cpu(), 4);
        float[] params = model.parameters().flatValues().toArray();
        Tensor x = images(9);
        PseudoLabels p = new TeacherInference(spec.create(Ops.cpu(), 1)).predict(params, x, 4);
        Tensor logits = model.forward(x, ForwardMode.eval()).logits();
        for (int r = 0; r < 9; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            int best = -1;
            for (int k = 0; k < 5; k++) if (logits.get(r * 5 + k) > max) { max = logits.get(r * 5 + k); best = k; }
            for (int k = 0; k < 5; k++) sum += Math.exp(logits.get(r * 5 + k) - max);
            assertEquals(best, p.labelOf(r));
            // the reference forward runs the 9 rows at once, predict in 4 shards: logits agree to float rounding
            assertEquals(1 / sum, p.confidenceOf(r), 1e-6);
            assertTrue(p.confidenceOf(r) >= 0.2f && p.confidenceOf(r) <= 1f);
        }
    }

    @Test
    void evalModeIgnoresDropPathAndShardingChangesNothing() {
        ModelSpec spec = vim();
        float[] params = spec.create(Ops.cpu(), 4).parameters().flatValues().toArray();
        Tensor x = images(11);
        TeacherInference inference = new TeacherInference(spec.create(Ops.cpu(), 1));
        PseudoLabels a = inference.predict(params, x, 4), b = inference.predict(params, x, 4);
        assertArrayEquals(a.confidence(), b.confidence());
        PseudoLabels whole = inference.predict(params, x, 1);
        assertArrayEquals(a.label(), whole.label());
        for (int i = 0; i < 11; i++) assertEquals(whole.confidenceOf(i), a.confidenceOf(i), 1e-6f, "rows are independent");
        assertEquals(5, a.numClasses());
    }

    @Test
    void wrongSnapshotSizeIsRejected() {
        TeacherInference inference = new TeacherInference(vim().create(Ops.cpu(), 1));
        assertThrows(IllegalArgumentException.class, () -> inference.predict(new float[5], images(2), 1));
        assertThrows(IllegalArgumentException.class, () -> inference.predict(new float[5], Tensor.zeros(2, 144), 1));
    }
}
