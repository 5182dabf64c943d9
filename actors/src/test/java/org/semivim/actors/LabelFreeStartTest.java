package org.semivim.actors;

import org.junit.jupiter.api.Test;
import org.semivim.data.sampling.StepBatch;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.method.HardPseudoLabelLoss;
import org.semivim.training.method.LossComposer;
import org.semivim.training.pseudo.ConfidenceThreshold;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.step.ShardGradient;
import org.semivim.training.step.ShardInput;
import org.semivim.training.step.StepViews;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The trainer's head start on the label-free terms: which shards are begun, when they are taken, and the bits they end with. */
class LabelFreeStartTest {
    private static final int K = 4, SIZE = 8, BL = 6, BU = 8, S = 3;
    private static final long SEED = 11;

    private static ModelSpec spec() {
        return new ModelSpec.Vim(VimConfig.fromMap(new HashMap<>(Map.of("img_size", SIZE, "patch_size", 4, "in_chans", 1, "embed_dim", 8,
                "depth", 2, "d_state", 4, "num_classes", K, "drop_path_rate", 0.2))));
    }

    private static StepViews views(long step) {
        Tensor lw = Tensor.zeros(BL, 1, SIZE, SIZE), uw = Tensor.zeros(0, 1, SIZE, SIZE), us = Tensor.zeros(BU, 1, SIZE, SIZE);
        for (int i = 0; i < lw.size; i++) lw.data[i] = (float) Math.sin(0.3 * i + step);
        for (int i = 0; i < us.size; i++) us.data[i] = (float) Math.cos(0.7 * i + step);
        StepBatch batch = new StepBatch(step, new int[] {0, 1, 2, 3, 4, 5}, new int[] {6, 7, 8, 9, 10, 11, 12, 13}, 0, 0, S);
        return new StepViews(batch, lw, new int[] {0, 1, 2, 3, 0, 1}, uw, us);
    }

    private static PseudoLabels labels() {
        return new PseudoLabels(new float[] {0.99f, 0.2f, 0.97f, 0.96f, 0.1f, 0.99f, 0.5f, 0.98f}, new int[] {0, 1, 2, 3, 0, 1, 2, 3}, K);
    }

    @Test
    void theExpectedShardsAreBegunAndGoOnToTheBitsOfOneGo() {
        LossComposer composer = new HardPseudoLabelLoss(K, 0.1f, ConfidenceThreshold.fixMatch(0.95), 2.0);
        float[] params = spec().create(Ops.cpu(), 5).parameters().flatValues().toArray();
        ShardGradient trainer = new ShardGradient(spec().create(Ops.cpu(), 1), Ops.cpu());
        ShardGradient reference = new ShardGradient(spec().create(Ops.cpu(), 2), Ops.cpu());
        LabelFreeStart start = new LabelFreeStart(trainer, composer, SEED, S);
        StepViews views = views(4);
        assertEquals(0, start.begin(4, params, views), "nothing expected before the first labelled work");
        assertTrue(start.begunFor(4));

        start.expect(new int[] {2, 0, 7});   // 7 is not a shard: skipped
        assertEquals(2, start.begin(4, params, views));
        assertNull(start.take(4, params.clone(), 0), "begun at another snapshot");
        assertNull(start.take(5, params, 2), "begun for another step");
        assertNull(start.take(4, params, 1), "not expected, not begun");
        List<ShardInput> shards = ShardInput.split(SEED, 4, composer.compose(views, labels()).terms(), S);
        for (int s : new int[] {2, 0}) {
            ShardGradient.Leading leading = start.take(4, params, s);
            assertNotNull(leading, "shard " + s);
            assertNull(start.take(4, params, s), "taken once");
            ShardGradient.Result a = trainer.compute(params, shards.get(s), leading);
            ShardGradient.Result b = reference.compute(params, shards.get(s));
            assertArrayEquals(b.gradient(), a.gradient(), "shard " + s);
            assertArrayEquals(b.termLosses(), a.termLosses(), "shard " + s);
        }

        float[] reused = start.begin(5, params, views(5)) == 2 ? start.take(5, params, 0).grads() : null;
        assertNotNull(reused);
        start.begin(6, params, views(6));
        assertSame(reused, start.take(6, params, 0).grads(), "a shard's gradient array is reused from step to step");
        assertNull(start.take(5, params, 2), "beginning step 6 dropped step 5");

        start.begin(7, params, views(7));
        start.finished(7);
        assertTrue(start.begunFor(7), "a finished step is not begun again");
        assertNull(start.take(7, params, 2), "what was left of a finished step is dropped");
        start.begin(8, params, views(8));
        start.drop();
        assertFalse(start.begunFor(8));
        assertNull(start.take(8, params, 0), "new parameters drop what was begun");
    }

    @Test
    void aComposerWithNothingLabelFreeBeginsNothing() {
        LossComposer nothing = (views, labels) -> new HardPseudoLabelLoss(K, 0f, ConfidenceThreshold.fixMatch(0.95), 1.0).compose(views, labels);
        float[] params = spec().create(Ops.cpu(), 5).parameters().flatValues().toArray();
        LabelFreeStart start = new LabelFreeStart(new ShardGradient(spec().create(Ops.cpu(), 1), Ops.cpu()), nothing, SEED, S);
        start.expect(new int[] {0, 1, 2});
        assertEquals(0, start.begin(3, params, views(3)));
        assertNull(start.take(3, params, 0));
    }
}
