package org.semivim.training.pipeline;

import org.junit.jupiter.api.Test;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VisionMamba;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.testing.TinyRuns;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class FineTuneSetsTest {

    @Test
    void theSetsAreTheSpecsNamesForEveryLayer() {
        ParameterSet p = new VisionMamba(VimConfig.preset("vim-fmnist-small"), Ops.cpu()).parameters();
        Set<String> frozen = FineTuneSets.frozen(p, false);
        for (String f : List.of("patch_embed.proj.weight", "patch_embed.proj.bias", "pos_embed", "layers.0.mixer.in_proj.weight",
                "layers.5.mixer.out_proj.weight", "layers.3.norm.weight")) {
            assertTrue(frozen.contains(f), f);
        }
        for (String t : List.of("cls_token", "norm_f.weight", "head.weight", "head.bias", "layers.5.mixer.A_log", "layers.5.mixer.A_b_log",
                "layers.0.mixer.D", "layers.0.mixer.D_b", "layers.2.mixer.conv1d.weight", "layers.2.mixer.conv1d_b.bias",
                "layers.4.mixer.x_proj_b.weight", "layers.4.mixer.dt_proj.bias", "layers.4.mixer.dt_proj_b.weight")) {
            assertFalse(frozen.contains(t), t);
        }
        // per layer 3 frozen (in_proj, out_proj, norm) + 14 trainable; plus 3 frozen and 4 trainable outside the layers
        assertEquals(3 + 6 * 3, frozen.size());
        assertEquals(p.parameters().size() - frozen.size(), 4 + 6 * 14);
        assertTrue(FineTuneSets.frozen(p, true).isEmpty());
    }

    /** Partial fine-tune through the reference trainer: frozen tensors keep their bits, every trainable one moves. */
    @Test
    void frozenParametersStayBitIdenticalAndTrainableOnesMove() {
        TrainConfig c = TinyRuns.config("supervised", TinyRuns.vim(0.0), 3);
        TrainingData data = TinyRuns.loadData(c);
        VisionMamba init = new VisionMamba(((org.semivim.engine.models.ModelSpec.Vim) c.model()).config(), Ops.cpu());
        init.initialize(99);                                     // a start that is not the config's own initialisation
        float[] start = init.parameters().flatValues().toArray();
        Set<String> frozen = FineTuneSets.frozen(init.parameters(), false);
        ReferenceTrainer t = new ReferenceTrainer(c, data, Ops.cpu(), start, frozen);
        assertArrayEquals(start, t.studentParameters(), "the student starts from the given values");
        t.run();
        float[] end = t.studentParameters();
        for (Parameter p : t.student().parameters().parameters()) {
            float[] a = Arrays.copyOfRange(start, p.offset(), p.offset() + p.size());
            float[] b = Arrays.copyOfRange(end, p.offset(), p.offset() + p.size());
            if (frozen.contains(p.name())) assertArrayEquals(a, b, p.name() + " is frozen");
            else assertFalse(Arrays.equals(a, b), p.name() + " is trainable and should move");
        }
        ReferenceTrainer full = new ReferenceTrainer(c, data, Ops.cpu(), start, FineTuneSets.frozen(init.parameters(), true));
        full.run();
        Parameter pe = full.student().parameters().get("patch_embed.proj.weight");
        assertFalse(Arrays.equals(Arrays.copyOfRange(start, pe.offset(), pe.offset() + pe.size()),
                Arrays.copyOfRange(full.studentParameters(), pe.offset(), pe.offset() + pe.size())), "full fine-tune moves the patch embedding");
    }

    /** Frozen parameters have no gradient: their entries are 0 before clipping and the recorded norm covers the trainable ones only. */
    @Test
    void frozenGradientsAreZeroAndLeftOutOfTheNorm() {
        TrainConfig c = TinyRuns.config(TinyRuns.configMap("supervised", TinyRuns.vim(0.0), 2));
        TrainingData data = TinyRuns.loadData(c);
        ReferenceTrainer plain = new ReferenceTrainer(c, data);
        Set<String> frozen = FineTuneSets.frozen(plain.student().parameters(), false);
        ReferenceTrainer partial = new ReferenceTrainer(c, data, Ops.cpu(), null, frozen);
        var all = plain.runStep();
        var part = partial.runStep();
        double sumTrainable = 0;
        for (Parameter p : plain.student().parameters().parameters()) {
            for (int i = p.offset(); i < p.offset() + p.size(); i++) {
                if (frozen.contains(p.name())) assertEquals(0f, part.gradient()[i], p.name());
                else {
                    assertEquals(all.gradient()[i], part.gradient()[i], p.name());   // same start, same batch: same gradient
                    sumTrainable += (double) all.gradient()[i] * all.gradient()[i];
                }
            }
        }
        assertEquals(Math.sqrt(sumTrainable), part.record().gradNorm(), 1e-6 * Math.sqrt(sumTrainable));
        assertTrue(all.record().gradNorm() > part.record().gradNorm());
    }
}
