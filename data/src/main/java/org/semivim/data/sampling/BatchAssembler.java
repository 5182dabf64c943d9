package org.semivim.data.sampling;

import org.semivim.data.split.LongTailSplit;

/**
 * Which samples make step t: B_l labeled from the labeled sampler at position t·B_l and B_u
 * unlabeled from the unlabeled sampler at position t·B_u. Both positions follow from the step,
 * so any node computes the same batch for the same step, and a resumed run needs only the step
 * (ARCHITECTURE.md, DataLoader).
 *
 * <p>Samplers: labeled stream "semivim.sampler.labeled", unlabeled "semivim.sampler.unlabeled",
 * both with the run's seed ({@link EpochSampler}).
 */
public final class BatchAssembler {
    public static final String LABELED_STREAM = "semivim.sampler.labeled";
    public static final String UNLABELED_STREAM = "semivim.sampler.unlabeled";

    private final BatchPlan plan;
    private final EpochSampler labeled;
    private final EpochSampler unlabeled;  // null when mu_ratio = 0

    public BatchAssembler(BatchPlan plan, int[] labeledPool, int[] unlabeledPool, long seed) {
        this.plan = plan;
        this.labeled = new EpochSampler(labeledPool, seed, LABELED_STREAM);
        if (plan.unlabeledBatch() > 0 && unlabeledPool.length == 0) {
            throw new IllegalArgumentException("mu_ratio " + plan.unlabeledRatio() + " needs unlabeled samples, but the unlabeled pool is empty");
        }
        this.unlabeled = plan.unlabeledBatch() > 0 ? new EpochSampler(unlabeledPool, seed, UNLABELED_STREAM) : null;
    }

    /** The assembler for a split's labeled and unlabeled sets. */
    public static BatchAssembler forSplit(BatchPlan plan, LongTailSplit split, long seed) {
        return new BatchAssembler(plan, split.labeled(), split.unlabeled(), seed);
    }

    public BatchPlan plan() {
        return plan;
    }

    public StepBatch batch(long step) {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        long lp = step * plan.labeledBatch();
        long up = step * plan.unlabeledBatch();
        int[] l = labeled.take(lp, plan.labeledBatch());
        int[] u = unlabeled == null ? new int[0] : unlabeled.take(up, plan.unlabeledBatch());
        return new StepBatch(step, l, u, lp, up, plan.shardCount());
    }

    /** Labeled epochs completed before step {@code step} (fractional), for logging. */
    public double labeledEpoch(long step) {
        return (double) step * plan.labeledBatch() / labeled.populationSize();
    }
}
