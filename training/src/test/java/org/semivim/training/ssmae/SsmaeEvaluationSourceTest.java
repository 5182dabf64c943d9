package org.semivim.training.ssmae;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.AugmentView;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.mae.MaskedAutoencoder;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.PeriodicEvaluator;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.testing.TinyRuns;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The evaluator's view of an SSMAE trainer: the classifier's parameters picked by name out of the MAE set, no teacher. */
class SsmaeEvaluationSourceTest {

    @Test
    void aClassifierBuiltFromTheSourceGivesTheModelsClassificationLogits(@TempDir Path dir) {
        TrainConfig c = TrainConfig.fromMap(SsmaeTrainerTest.configMap(3, 0, 0.3, 0.0));
        TrainingData data = TrainingData.load(c.data());
        try (SsmaeTrainer t = new SsmaeTrainer(c, data, dir)) {
            t.run(3);                                                   // trained parameters, not the initial ones
            SsmaeEvaluationSource source = new SsmaeEvaluationSource(t);
            float[] classifierTheta = source.studentParameters();
            ImageClassifier classifier = c.model().create(Ops.cpu(), 123);   // another init seed: every value must come from the source
            assertEquals(classifier.parameters().count(), classifierTheta.length);
            assertTrue(classifierTheta.length < t.parameters().length, "the decoder is left out");
            System.arraycopy(classifierTheta, 0, classifier.parameters().flatValues().data, 0, classifierTheta.length);

            BatchAugmenter views = new BatchAugmenter(data.train(), new FixMatchAugment(c.seed(), AugmentConfig.fixMatch(TinyRuns.SIZE)),
                    Normalization.fashionMnist());
            Tensor images = views.render(Arrays.copyOf(data.split().validation(), 10), 0, AugmentView.EVAL);
            Tensor expected = t.model().forward(images, ForwardMode.eval()).logits();
            Tensor actual = classifier.forward(images, ForwardMode.eval()).logits();
            assertArrayEquals(expected.toArray(), actual.toArray(), "bit-identical logits");

            // by name: each classifier parameter holds the MAE parameter of the same name
            ParameterSet mae = t.model().parameters();
            for (var p : source.layout().parameters()) {
                assertArrayEquals(mae.get(p.name()).value().toArray(), Arrays.copyOfRange(classifierTheta, p.offset(), p.offset() + p.size()), p.name());
            }
            assertNull(source.teacherParameters(), "SSMAE has no teacher");
            assertEquals(3, source.nextStep());
            PeriodicEvaluator evaluator = new PeriodicEvaluator(source, data, 1, 16, PeriodicEvaluator.TestSchedule.END_ONLY, null);
            assertEquals(PeriodicEvaluator.STUDENT, evaluator.primary());
            var record = evaluator.evaluateNow();
            assertEquals(java.util.Set.of(PeriodicEvaluator.STUDENT), record.validation().keySet());

            // the source hands out copies: changing one leaves θ alone
            float before = t.model().parameters().flatValues().data[0];
            classifierTheta[0] += 1;
            assertEquals(before, t.model().parameters().flatValues().data[0]);
        }
    }

    @Test
    void aModelConfigThatDoesNotMatchTheEncoderIsRefusedByName(@TempDir Path dir) {
        TrainConfig c = TrainConfig.fromMap(SsmaeTrainerTest.configMap(2, 0, 0.3, 0.0));
        TrainingData data = TrainingData.load(c.data());
        try (SsmaeTrainer t = new SsmaeTrainer(c, data, dir)) {
            Map<String, Object> deeper = TinyRuns.vit(0.1);
            deeper.put("depth", 2);
            ParameterSet other = TrainConfig.fromMap(withModel(deeper)).model().create(Ops.cpu(), 0).parameters();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SsmaeEvaluationSource.offsetsIn(t.model(), other));
            assertTrue(e.getMessage().contains("blocks.1."), e.getMessage());
            Map<String, Object> wider = TinyRuns.vit(0.1);
            wider.put("embed_dim", 32);
            ParameterSet widerSet = TrainConfig.fromMap(withModel(wider)).model().create(Ops.cpu(), 0).parameters();
            e = assertThrows(IllegalArgumentException.class, () -> SsmaeEvaluationSource.offsetsIn(t.model(), widerSet));
            assertTrue(e.getMessage().contains("in the SSMAE model"), e.getMessage());
        }
    }

    private static Map<String, Object> withModel(Map<String, Object> model) {
        Map<String, Object> m = SsmaeTrainerTest.configMap(2, 0, 0.3, 0.0);
        m.put("model", model);
        return m;
    }
}
