package org.semivim.training.loop;

import org.junit.jupiter.api.Test;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.testing.TinyRuns;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * R-L5 refined, in the loop: with warm-up, the reference trainer calibrates gamma at the config's peak
 * lr, so after warm-up α is a working EMA momentum and not frozen at 1.0 (which is what calibrating on
 * the first warm-up step with d > 0, at lr = peak/warmup, gave).
 */
class LyapEmaWarmupInTheLoopTest {

    @Test
    void alphaIsNotStuckAtOneAfterWarmUp() {
        Map<String, Object> m = TinyRuns.configMap("lyapema", TinyRuns.vim(0.0), 40);
        m.put("tau", TinyRuns.PARTIAL_TAU_VIM);
        m.put("warmup", 20);
        TrainConfig c = TinyRuns.config(m);
        ReferenceTrainer trainer = new ReferenceTrainer(c, TinyRuns.loadData(c));
        List<StepRecord> records = new ArrayList<>();
        trainer.addListener(records::add);
        trainer.run();
        assertTrue(records.get(0).methodFields().get("gamma") != null, "gamma calibrated on step 0 from the probe at the peak lr");
        double max = 0;
        for (StepRecord r : records.subList(20, 40)) max = Math.max(max, (Double) r.methodFields().get("alpha"));
        assertTrue(max < 0.999, "α after warm-up: max " + max);
    }
}
