package org.semivim.actors;

import org.semivim.data.io.ImageDataset;
import org.semivim.data.sampling.StepBatch;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.method.Composition;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.update.UpdatePhase;

import java.util.List;

/**
 * Phase (7), the step record, computed as the reference trainer computes it (the equivalence tests
 * compare every record): pseudo-label accuracy against the hidden true labels of the unlabeled
 * samples (diagnostics only), over the masked-in samples and over all.
 */
final class StepRecords {
    private StepRecords() {}

    static StepRecord of(long t, double labeledEpoch, ImageDataset train, StepBatch batch, PseudoLabels predictions, boolean[] mask,
                         StepCollector.Losses losses, UpdatePhase.Outcome outcome) {
        int[] unlabeled = batch.unlabeled();
        int masked = 0, maskedCorrect = 0, correct = 0;
        for (int i = 0; i < unlabeled.length; i++) {
            boolean right = predictions.labelOf(i) == train.label(unlabeled[i]);
            if (right) correct++;
            if (mask[i]) {
                masked++;
                if (right) maskedCorrect++;
            }
        }
        double accMasked = masked == 0 ? Double.NaN : (double) maskedCorrect / masked;
        double accAll = unlabeled.length == 0 ? Double.NaN : (double) correct / unlabeled.length;
        return new StepRecord(t, labeledEpoch, outcome.lr(), losses.loss(), losses.labeled(), losses.unlabeled(), new Composition(List.of(), mask).maskRate(),
                accMasked, accAll, outcome.gradNorm(), outcome.skipped(), outcome.methodFields());
    }
}
