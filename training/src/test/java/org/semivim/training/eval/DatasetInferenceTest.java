package org.semivim.training.eval;

import org.junit.jupiter.api.Test;
import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.AugmentView;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.data.io.GeneratedDataset;
import org.semivim.data.io.ImageDataset;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.VisionTransformer;
import org.semivim.engine.models.VitConfig;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatasetInferenceTest {
    static final ImageDataset DATA = GeneratedDataset.create(3, 10, 2, 28);  // 20 images, class i % 10
    static final BatchAugmenter VIEWS = new BatchAugmenter(DATA, new FixMatchAugment(1, AugmentConfig.fixMatch(28)), Normalization.fashionMnist());

    /** A stand-in model whose logit k of an image is (k + 1) · its first normalised pixel, recording every forward. */
    static class RecordingClassifier implements ImageClassifier {
        final List<Integer> batchSizes = new ArrayList<>();
        final List<ForwardMode> modes = new ArrayList<>();

        @Override public ParameterSet parameters() { throw new UnsupportedOperationException(); }
        @Override public int numClasses() { return 10; }
        @Override public int[] inputShape() { return new int[] {1, 28, 28}; }
        @Override public void backward(Pass pass, Tensor dLogits, Tensor dImages) { throw new UnsupportedOperationException(); }

        @Override
        public Pass forward(Tensor images, ForwardMode mode) {
            int b = images.dim(0);
            batchSizes.add(b);
            modes.add(mode);
            Tensor logits = Tensor.zeros(b, 10);
            for (int i = 0; i < b; i++) for (int k = 0; k < 10; k++) logits.set(i * 10 + k, (k + 1) * images.slice0(i).get(0));
            return () -> logits;
        }
    }

    @Test
    void batchesInOrderInEvalModeOnTheEvalView() {
        RecordingClassifier model = new RecordingClassifier();
        int[] indices = {19, 0, 7, 3, 3, 12, 5};
        Tensor logits = DatasetInference.logits(model, VIEWS, indices, 3);
        assertEquals(List.of(3, 3, 1), model.batchSizes);
        for (ForwardMode m : model.modes) assertFalse(m.training());
        for (int i = 0; i < indices.length; i++) {
            float firstPixel = VIEWS.render(new int[] {indices[i]}, 0, AugmentView.EVAL).get(0);
            for (int k = 0; k < 10; k++) assertEquals((k + 1) * firstPixel, logits.get(i * 10 + k), "row " + i + " class " + k);
        }
    }

    @Test
    void evaluatesARealModelTheSameForAnyBatchSize() {
        VisionTransformer model = new VisionTransformer(VitConfig.preset("vit-fmnist-tiny"), Ops.cpu(), 11);
        int[] all = DatasetInference.allIndices(DATA);
        Tensor whole = DatasetInference.logits(model, VIEWS, all, all.length);
        Tensor batched = DatasetInference.logits(model, VIEWS, all, 6);
        // batch composition may change GEMM partitioning, so allow float rounding (logits are O(1))
        for (int i = 0; i < whole.size; i++) assertEquals(whole.get(i), batched.get(i), 1e-5f, "logit " + i);

        int[] counts = {100, 90, 80, 70, 60, 50, 40, 30, 20, 10};
        Evaluation e = DatasetInference.evaluate(model, DATA, VIEWS, all, 8, new Evaluator(counts));
        Evaluation direct = new Evaluator(counts).evaluate(whole, ScoreKind.LOGITS, DATA.labels());
        assertEquals(20, e.samples());
        assertEquals(List.of(2, 2, 2, 2, 2, 2, 2, 2, 2, 2), e.support());
        assertEquals(direct.confusion(), e.confusion());
        assertEquals(direct.top1(), e.top1());
    }

    @Test
    void mismatchesAreClearErrors() {
        RecordingClassifier model = new RecordingClassifier() {
            @Override public int[] inputShape() { return new int[] {1, 32, 32}; }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetInference.logits(model, VIEWS, new int[] {0}, 4));
        assertEquals("images: the model expects [B, 1, 32, 32] but the data set gives [1, 1, 28, 28]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DatasetInference.logits(new RecordingClassifier(), VIEWS, new int[] {0}, 0));
        assertThrows(IllegalArgumentException.class,
                () -> DatasetInference.evaluate(new RecordingClassifier(), DATA, VIEWS, new int[] {0}, 4, new Evaluator(new int[] {1, 2, 3})));
    }
}
