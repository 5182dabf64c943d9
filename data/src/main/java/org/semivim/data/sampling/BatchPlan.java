package org.semivim.data.sampling;

/**
 * The shape of every training step's batch: {@code labeledBatch} = B_l labeled samples,
 * {@code unlabeledRatio}·B_l = B_u unlabeled samples (mu_ratio of ssl-spec.md §0), split into
 * {@code shardCount} shards. The shard count is part of the configuration, never derived from the
 * number of workers, so the gradient shards — and the sum over them in shard order — are the
 * same on 1 or many workers (ARCHITECTURE.md, determinism contract).
 */
public record BatchPlan(int labeledBatch, int unlabeledRatio, int shardCount) {

    public BatchPlan {
        if (labeledBatch < 1) throw new IllegalArgumentException("labeled batch size B_l must be positive, got " + labeledBatch);
        if (unlabeledRatio < 0) throw new IllegalArgumentException("unlabeled ratio mu_ratio must be >= 0, got " + unlabeledRatio);
        if (shardCount < 1) throw new IllegalArgumentException("shard count must be positive, got " + shardCount);
        if (shardCount > labeledBatch * (1L + unlabeledRatio)) {
            throw new IllegalArgumentException("shard count " + shardCount + " exceeds the " + labeledBatch * (1L + unlabeledRatio)
                    + " samples of a batch");
        }
    }

    /** B_u = mu_ratio·B_l. */
    public int unlabeledBatch() {
        return labeledBatch * unlabeledRatio;
    }
}
