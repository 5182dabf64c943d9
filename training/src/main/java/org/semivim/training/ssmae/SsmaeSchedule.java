package org.semivim.training.ssmae;

/**
 * SSMAE's epochs ([SSMAE-code] {@code main.py}: {@code zip(labeled_loader, unlabeled_loader)} per
 * epoch, both loaders reshuffled every epoch and the zip stopping at the shorter one, ssl-spec.md §2.8):
 * an epoch has E = min(⌊N_l/B_l⌋, ⌊N_u/B_u⌋) steps (= ⌊N_l/B_l⌋ whenever the unlabeled loader is the
 * longer one, as in every protocol of §4; A1: min(232, 232)). Step t is step i = t mod E of epoch
 * e = ⌊t/E⌋, and its batches are positions i·B of epoch e's permutation of each sampler, i.e. sampler
 * positions e·N + i·B: a batch never crosses into the next epoch's order, and the last N mod B
 * samples of an epoch's order are skipped, as a DataLoader with drop_last would.
 */
public record SsmaeSchedule(int labeledCount, int unlabeledCount, int labeledBatch, int unlabeledBatch) {

    public SsmaeSchedule {
        if (labeledBatch < 1 || unlabeledBatch < 1) throw new IllegalArgumentException("SSMAE needs B_l, B_u >= 1, got " + labeledBatch + ", " + unlabeledBatch);
        if (labeledCount < labeledBatch) {
            throw new IllegalArgumentException("SSMAE: " + labeledCount + " labeled samples do not fill one batch of " + labeledBatch);
        }
        if (unlabeledCount < unlabeledBatch) {
            throw new IllegalArgumentException("SSMAE: " + unlabeledCount + " unlabeled samples do not fill one batch of " + unlabeledBatch);
        }
    }

    /** E: steps per epoch. */
    public long stepsPerEpoch() {
        return Math.min(labeledCount / labeledBatch, unlabeledCount / unlabeledBatch);
    }

    public long epochOf(long step) {
        return step / stepsPerEpoch();
    }

    /** Whether step t is the first of its epoch (the gate is decided there, R-G2). */
    public boolean startsEpoch(long step) {
        return step % stepsPerEpoch() == 0;
    }

    /** The labeled sampler position of step t: e·N_l + i·B_l. */
    public long labeledPosition(long step) {
        return epochOf(step) * labeledCount + (step % stepsPerEpoch()) * labeledBatch;
    }

    /** The unlabeled sampler position of step t: e·N_u + i·B_u. */
    public long unlabeledPosition(long step) {
        return epochOf(step) * unlabeledCount + (step % stepsPerEpoch()) * unlabeledBatch;
    }
}
