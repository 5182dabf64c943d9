package org.semivim.training.loop;

import org.semivim.data.io.ImageDataset;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.method.Composition;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.update.ParameterUpdate;
import org.semivim.training.update.UpdatePhase;

import java.util.List;

/**
 * The bookkeeping the {@link ReferenceTrainer} and the actor runtime's master share, written once so the
 * two stay bit-identical: phase (7)'s step record and the restore of a {@link TrainState}.
 */
public final class TrainerBookkeeping {
    private TrainerBookkeeping() {}

    /**
     * Phase (7), the step record: pseudo-label accuracy against the hidden true labels of the unlabeled
     * samples {@code unlabeled} [U] (diagnostics only), over the masked-in samples ({@code mask} [U]) and over all.
     */
    public static StepRecord stepRecord(long t, double labeledEpoch, ImageDataset train, int[] unlabeled, PseudoLabels predictions,
                                        boolean[] mask, double loss, double lossLabeled, double lossUnlabeled, UpdatePhase.Outcome outcome) {
        int masked = 0, maskedCorrect = 0, correct = 0;
        for (int i = 0; i < unlabeled.length; i++) {
            boolean right = predictions.labelOf(i) == train.label(unlabeled[i]);   // hidden true label, diagnostics only
            if (right) correct++;
            if (mask[i]) {
                masked++;
                if (right) maskedCorrect++;
            }
        }
        double accMasked = masked == 0 ? Double.NaN : (double) maskedCorrect / masked;
        double accAll = unlabeled.length == 0 ? Double.NaN : (double) correct / unlabeled.length;
        return new StepRecord(t, labeledEpoch, outcome.lr(), loss, lossLabeled, lossUnlabeled, new Composition(List.of(), mask).maskRate(),
                accMasked, accAll, outcome.gradNorm(), outcome.skipped(), outcome.methodFields());
    }

    /**
     * Checks that {@code state} belongs to {@code config} (hash, cursors, teacher presence, parameter count) and
     * copies it into the live θS {@code student} [P], θT {@code teacher} [P] (null without a teacher), the
     * update's optimizer and the method's parameter update, telling the update backend that the host wrote
     * both arrays (a device backend re-uploads them). The caller sets its step counter to {@code state.step()}.
     */
    public static void restore(TrainState state, TrainConfig config, float[] student, float[] teacher, ParameterUpdate update) {
        if (!state.configHash().equals(config.hash())) {
            throw new IllegalArgumentException("train state was written for config " + state.configHash() + ", this run's config is " + config.hash());
        }
        if (state.labeledPosition() != state.step() * config.labeledBatch() || state.unlabeledPosition() != state.step() * config.unlabeledBatch()) {
            throw new IllegalArgumentException("train state cursors (" + state.labeledPosition() + ", " + state.unlabeledPosition()
                    + ") do not match step " + state.step());
        }
        if ((state.teacher() == null) != (teacher == null)) {
            throw new IllegalArgumentException("train state " + (teacher == null ? "has" : "lacks") + " a teacher, method " + config.method().configName());
        }
        float[] s = state.student();
        if (s.length != student.length) throw new IllegalArgumentException("train state has " + s.length + " parameters, the model " + student.length);
        System.arraycopy(s, 0, student, 0, student.length);
        if (teacher != null) System.arraycopy(state.teacher(), 0, teacher, 0, teacher.length);
        update.optimizer().backend().hostWritten(student);
        if (teacher != null) update.optimizer().backend().hostWritten(teacher);
        update.optimizer().restore(state.adamW());
        update.restore(state.methodState());
    }
}
