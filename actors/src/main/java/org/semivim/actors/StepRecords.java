package org.semivim.actors;

import org.semivim.data.io.ImageDataset;
import org.semivim.data.sampling.StepBatch;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainerBookkeeping;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.update.UpdatePhase;

/**
 * Phase (7), the step record, computed by the reference trainer's own {@link TrainerBookkeeping#stepRecord} (the equivalence tests
 * compare every record): pseudo-label accuracy against the hidden true labels of the unlabeled
 * samples (diagnostics only), over the masked-in samples and over all.
 */
final class StepRecords {
    private StepRecords() {}

    static StepRecord of(long t, double labeledEpoch, ImageDataset train, StepBatch batch, PseudoLabels predictions, boolean[] mask,
                         StepCollector.Losses losses, UpdatePhase.Outcome outcome) {
        return TrainerBookkeeping.stepRecord(t, labeledEpoch, train, batch.unlabeled(), predictions, mask, losses.loss(), losses.labeled(), losses.unlabeled(), outcome);
    }
}
