package org.semivim.training.loop;

import org.semivim.engine.models.ModelSpec;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.method.HardPseudoLabelLoss;
import org.semivim.training.method.LossComposer;
import org.semivim.training.method.MixedPseudoLabelLoss;
import org.semivim.training.method.SupervisedLoss;
import org.semivim.training.pseudo.ConfidenceThreshold;
import org.semivim.training.update.AdamWOptimizer;
import org.semivim.training.update.AdamWUpdate;
import org.semivim.training.update.LyapEmaParameterUpdate;
import org.semivim.training.update.ParameterUpdate;

/**
 * Which loss composition (phase 4) and which parameter update (phase 6) each method uses.
 * <pre>
 * supervised         L_x (plain CE)                                                 AdamW
 * fixmatch           L_x (plain CE) + w_u·L_u, o ≥ tau, labels from θS_{t−1}         AdamW, then EMA(m), for evaluation only
 * ema_teacher        L_x (eps_ls) + w_u·L_u, o ≥ tau, labels from θT_{t−1}           AdamW, then EMA(m)
 * lyapema            L_x (eps_ls) + w_u·L_u, o &gt; tau (Eq. 21), labels from θT_{t−1}   LyapEMA
 * lyapema_probmixup  L_x (eps_ls) + w_u·L_u on ProbMixup rows, max(o_i, o_j) ≥ tau     LyapEMA
 * lyapema_ssmixup    L_x (eps_ls) + w_u·L_u on SSMixup rows (o &gt; tau), hidden-state term   LyapEMA
 * </pre>
 * SSMAE has its own trainer; the reference trainer refuses it with a message saying so.
 */
public final class MethodSetup {
    private MethodSetup() {}

    public static LossComposer composer(TrainConfig c, int numClasses) {
        float eps = (float) c.epsLs();
        return switch (c.method()) {
            case SUPERVISED -> new SupervisedLoss(numClasses, 0f);
            case FIXMATCH -> new HardPseudoLabelLoss(numClasses, 0f, ConfidenceThreshold.fixMatch(c.tau()), c.wU());
            case EMA_TEACHER -> new HardPseudoLabelLoss(numClasses, eps, ConfidenceThreshold.emaTeacher(c.tau()), c.wU());
            case LYAPEMA -> new HardPseudoLabelLoss(numClasses, eps, ConfidenceThreshold.semiVim(c.tau()), c.wU());
            case LYAPEMA_PROBMIXUP -> MixedPseudoLabelLoss.probMixup(c.seed(), numClasses, c.epsLs(), c.tau(), c.wU());
            case LYAPEMA_SSMIXUP -> MixedPseudoLabelLoss.ssMixup(c.seed(), numClasses, c.epsLs(), c.tau(), c.wU(), c.ssmixup().nu(),
                    c.ssmixup().layersFor(((ModelSpec.Vim) c.model()).config().depth()));
            case SSMAE -> throw notHere(c.method());
        };
    }

    /**
     * {@code student}, {@code teacher}: the master parameters at the start (LyapEMA measures V_0 on them);
     * the update runs on {@code adamW}'s backend.
     */
    public static ParameterUpdate update(TrainConfig c, AdamWOptimizer adamW, float[] student, float[] teacher) {
        return switch (c.method()) {
            case SUPERVISED -> AdamWUpdate.studentOnly(adamW);
            case FIXMATCH, EMA_TEACHER -> AdamWUpdate.withEmaTeacher(adamW, c.emaM());
            case LYAPEMA, LYAPEMA_PROBMIXUP, LYAPEMA_SSMIXUP -> new LyapEmaParameterUpdate(adamW, c.lyapema(), student, teacher, c.lr());   // gamma at the peak lr (R-L5 refined)
            case SSMAE -> throw notHere(c.method());
        };
    }

    private static UnsupportedOperationException notHere(Method m) {
        return new UnsupportedOperationException("method " + m.configName() + " is not run by the reference trainer: use org.semivim.training.ssmae.SsmaeTrainer");
    }
}
