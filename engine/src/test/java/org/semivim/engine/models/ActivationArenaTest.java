package org.semivim.engine.models;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Reuse of a model's saved activations across forward passes ({@link ActivationArena},
 * {@link ImageClassifier#release}): buffers come back only after a release, are never held by two
 * passes, and a training run that releases every pass (with every released buffer poisoned with NaN,
 * so a read of old contents would show) gives the bits of a run that never releases.
 */
class ActivationArenaTest {

    @Test
    void releasedBuffersServeTheNextPassAndNoneIsHandedOutTwice() {
        ActivationArena arena = new ActivationArena();
        Activations first = Activations.leased(arena);
        Tensor[] a = first.outputs(2, 3, 4);
        assertNotSame(a[0].data, a[1].data);
        Activations second = Activations.leased(arena);
        Tensor held = second.output(3, 4);                          // first's buffers are not free yet
        assertNotSame(a[0].data, held.data);
        assertNotSame(a[1].data, held.data);
        first.release();
        assertEquals(24, arena.freeFloats());
        Activations third = Activations.leased(arena);
        Tensor[] b = third.outputs(3, 12);                           // same length, another shape
        Set<float[]> reused = Collections.newSetFromMap(new IdentityHashMap<>());
        reused.add(b[0].data);
        reused.add(b[1].data);
        reused.add(b[2].data);
        assertEquals(3, reused.size(), "three distinct buffers");
        assertTrue(reused.contains(a[0].data) && reused.contains(a[1].data), "the released buffers are reused");
        assertFalse(reused.contains(held.data), "a buffer of an unreleased pass is not handed out");
        assertArrayEquals(new int[] {12}, b[2].shape());
        assertEquals(0, arena.freeFloats());
        assertEquals(0, Activations.leased(arena).output(5).data[0], "a new buffer is zero");
    }

    @Test
    void releasingTwiceOrTakingAfterReleaseFails() {
        Activations acts = Activations.leased(new ActivationArena());
        acts.output(4);
        acts.release();
        assertThrows(IllegalStateException.class, acts::release);
        assertThrows(IllegalStateException.class, () -> acts.output(4));
        Activations fresh = Activations.fresh();
        fresh.output(4);
        fresh.release();                                            // nothing to give back, but the same rules
        assertThrows(IllegalStateException.class, () -> fresh.output(4));
    }

    @Test
    void backwardOfAReleasedPassOrAForeignReleaseFails() {
        VisionMamba net = (VisionMamba) tinyVim().create(Ops.cpu(), 3);
        VisionMamba other = (VisionMamba) tinyVim().create(Ops.cpu(), 3);
        Tensor x = images(0, 2, net);
        ImageClassifier.Pass pass = net.forward(x, ForwardMode.eval());
        assertThrows(IllegalArgumentException.class, () -> other.release(pass));
        net.release(pass);
        assertThrows(IllegalStateException.class, () -> net.release(pass));
        Tensor dLogits = Tensor.zeros(2, net.numClasses());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.backward(pass, dLogits, null));
        assertTrue(e.getMessage().contains("released"), e.getMessage());
    }

    @Test
    void releasingEveryPassKeepsTheBitsOnTheFastOps() {
        assertSameTraining(Ops.cpu());
    }

    @Test
    void releasingEveryPassKeepsTheBitsOnTheReferenceOps() {
        assertSameTraining(Ops.reference());
    }

    private static void assertSameTraining(Ops ops) {
        float[][] kept = train(ops, false);
        float[][] released = train(ops, true);
        assertArrayEquals(kept[0], released[0], "parameters");
        assertArrayEquals(kept[1], released[1], "gradients of the last step");
    }

    /**
     * 4 AdamW steps on a tiny bimamba-v2 ViM with drop-path and SSMixup, an eval pass of another batch
     * size between steps; with {@code release}, every pass is released and the released buffers are
     * poisoned with NaN. Returns the parameters and the last gradients.
     */
    private static float[][] train(Ops ops, boolean release) {
        VisionMamba net = (VisionMamba) tinyVim().create(ops, 5);
        if (release) net.activationArena().poisonReleasedBuffers();
        AdamW adam = new AdamW(net.parameters(), 0.05);
        int batch = 4, k = net.numClasses();
        for (int step = 0; step < 4; step++) {
            Tensor x = images(step, batch, net);
            float[] psi = new float[batch];
            for (int b = 0; b < batch; b++) psi[b] = 0.2f + 0.15f * b;
            ForwardMode mode = ForwardMode.train(CounterRng.of(5, "drop").derive(step))
                    .withSsMixup(new ForwardMode.SsMixup(0.1f, psi, 1));
            net.parameters().zeroGrads();
            long freeBefore = net.activationArena().freeFloats();
            ImageClassifier.Pass pass = net.forward(x, mode);
            if (release && step > 0) {                                      // the last step's buffers; the eval pass's stay free
                assertTrue(net.activationArena().freeFloats() < freeBefore, "the forward reused released buffers");
            }
            Tensor targets = Tensor.zeros(batch, k), weights = Tensor.zeros(batch), dLogits = Tensor.zeros(batch, k);
            for (int b = 0; b < batch; b++) {
                targets.data[b * k + (b + step) % k] = 1f;
                weights.data[b] = 1f / batch;
            }
            ops.loss().softmaxCrossEntropy(pass.logits(), targets, weights, dLogits);
            net.backward(pass, dLogits, null);
            if (release) net.release(pass);
            adam.step(1e-2);
            ImageClassifier.Pass eval = net.forward(images(100 + step, 3, net), ForwardMode.eval());
            assertTrue(Float.isFinite(eval.logits().data[0]));
            if (release) net.release(eval);
        }
        if (release) assertTrue(net.activationArena().freeFloats() > 0, "the passes were given back");
        return new float[][] {net.parameters().flatValues().toArray(), net.parameters().flatGrads().toArray()};
    }

    private static ModelSpec tinyVim() {
        return new ModelSpec.Vim(VimConfig.fromMap(Map.of("img_size", 12, "patch_size", 4, "in_chans", 1, "embed_dim", 16,
                "depth", 2, "d_state", 4, "num_classes", 5, "drop_path_rate", 0.3)));
    }

    private static Tensor images(int seed, int batch, ImageClassifier net) {
        int[] in = net.inputShape();
        Tensor x = Tensor.zeros(batch, in[0], in[1], in[2]);
        CounterRng rng = CounterRng.of(seed, "images");
        for (int i = 0; i < x.size; i++) x.data[i] = (float) rng.normal(i);
        return x;
    }
}
