package org.semivim.training.loop;

import org.semivim.engine.optim.AdamW;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.method.ConfidenceRule;
import org.semivim.training.method.HardPseudoLabelLoss;
import org.semivim.training.method.LossComposer;
import org.semivim.training.method.SupervisedLoss;
import org.semivim.training.update.AdamWUpdate;
import org.semivim.training.update.ParameterUpdate;

/**
 * Which loss composition (phase 4) and which parameter update (phase 6) each method uses.
 * <pre>
 * supervised    L_x (plain CE)                                              AdamW
 * fixmatch      L_x (plain CE) + w_u·L_u, mask o ≥ tau, labels from θS_{t−1} AdamW, then EMA(m) for evaluation
 * ema_teacher   L_x (eps_ls)   + w_u·L_u, mask o ≥ tau, labels from θT_{t−1} AdamW, then EMA(m)
 * </pre>
 * The LyapEMA methods need train-rules' LyapEmaUpdate and mixing (not merged yet); SSMAE has its
 * own trainer. Both are refused with a message saying so.
 */
final class MethodSetup {
    private MethodSetup() {}

    static LossComposer composer(TrainConfig c, int numClasses) {
        return switch (c.method()) {
            case SUPERVISED -> new SupervisedLoss(numClasses, 0f);
            case FIXMATCH -> new HardPseudoLabelLoss(numClasses, 0f, c.tau(), ConfidenceRule.AT_LEAST, c.wU());
            case EMA_TEACHER -> new HardPseudoLabelLoss(numClasses, (float) c.epsLs(), c.tau(), ConfidenceRule.AT_LEAST, c.wU());
            default -> throw notYet(c.method());
        };
    }

    static ParameterUpdate update(TrainConfig c, AdamW adamW) {
        return switch (c.method()) {
            case SUPERVISED -> AdamWUpdate.studentOnly(adamW);
            case FIXMATCH, EMA_TEACHER -> AdamWUpdate.withEmaTeacher(adamW, c.emaM());
            default -> throw notYet(c.method());
        };
    }

    private static UnsupportedOperationException notYet(Method m) {
        if (m == Method.SSMAE) return new UnsupportedOperationException("method ssmae is not run by the reference trainer");
        return new UnsupportedOperationException("method " + m.configName() + " needs the LyapEMA update and mixing rules, "
                + "which the reference trainer does not have yet");
    }
}
