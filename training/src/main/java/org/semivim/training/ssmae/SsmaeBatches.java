package org.semivim.training.ssmae;

import org.semivim.data.sampling.BatchAssembler;
import org.semivim.data.sampling.EpochSampler;
import org.semivim.data.sampling.StepBatch;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

/**
 * Phase (1) of an SSMAE step: the samples of step t, B_l labeled and B_u unlabeled, taken at the
 * {@link SsmaeSchedule}'s sampler positions of the labeled and unlabeled {@link EpochSampler}s (a
 * function of (seed, t) alone, so a DataLoader actor and {@link SsmaeTrainer} hand out the same batch).
 */
public final class SsmaeBatches {
    private final SsmaeSchedule schedule;
    private final EpochSampler labeledSampler, unlabeledSampler;
    private final int labeledBatch, unlabeledBatch, shards;

    public SsmaeBatches(TrainConfig config, TrainingData data) {
        this.schedule = new SsmaeSchedule(data.split().labeled().length, data.split().unlabeled().length, config.labeledBatch(),
                config.unlabeledBatch());
        this.labeledSampler = new EpochSampler(data.split().labeled(), config.seed(), BatchAssembler.LABELED_STREAM);
        this.unlabeledSampler = new EpochSampler(data.split().unlabeled(), config.seed(), BatchAssembler.UNLABELED_STREAM);
        this.labeledBatch = config.labeledBatch();
        this.unlabeledBatch = config.unlabeledBatch();
        this.shards = config.shards();
    }

    public SsmaeSchedule schedule() {
        return schedule;
    }

    /** The samples of step t: labeled [B_l], unlabeled [B_u], with the schedule's sampler positions. */
    public StepBatch batch(long t) {
        long lp = schedule.labeledPosition(t), up = schedule.unlabeledPosition(t);
        return new StepBatch(t, labeledSampler.take(lp, labeledBatch), unlabeledSampler.take(up, unlabeledBatch), lp, up, shards);
    }
}
