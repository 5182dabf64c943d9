package org.semivim.data.sampling;

import java.util.Arrays;

/**
 * The samples of one training step: {@code labeled} [B_l] and {@code unlabeled} [B_u] training-set
 * indices, the sampler positions they were taken from (the data cursor of a checkpoint), and
 * their split into {@code shardCount} shards.
 *
 * <p>Shard s holds labeled rows [⌊s·B_l/S⌋, ⌊(s+1)·B_l/S⌋) and unlabeled rows
 * [⌊s·B_u/S⌋, ⌊(s+1)·B_u/S⌋): contiguous, in order, sizes differing by at most one, so the
 * shards concatenate to the batch.
 */
public record StepBatch(long step, int[] labeled, int[] unlabeled, long labeledPosition, long unlabeledPosition, int shardCount) {

    /** One shard: its index, its rows' offsets in the batch, and the samples. */
    public record Shard(int index, int labeledOffset, int[] labeled, int unlabeledOffset, int[] unlabeled) {}

    public StepBatch {
        if (shardCount < 1) throw new IllegalArgumentException("shard count must be positive, got " + shardCount);
        labeled = labeled.clone();
        unlabeled = unlabeled.clone();
    }

    @Override
    public int[] labeled() {
        return labeled.clone();
    }

    @Override
    public int[] unlabeled() {
        return unlabeled.clone();
    }

    public Shard shard(int s) {
        if (s < 0 || s >= shardCount) throw new IllegalArgumentException("shard " + s + " outside [0, " + shardCount + ")");
        int l0 = bound(s, labeled.length);
        int l1 = bound(s + 1, labeled.length);
        int u0 = bound(s, unlabeled.length);
        int u1 = bound(s + 1, unlabeled.length);
        return new Shard(s, l0, Arrays.copyOfRange(labeled, l0, l1), u0, Arrays.copyOfRange(unlabeled, u0, u1));
    }

    private int bound(int s, int n) {
        return (int) ((long) s * n / shardCount);
    }

    /**
     * The shards worker {@code worker} of {@code workers} processes: s = worker, worker + workers, …
     * (round robin). Which worker holds a shard changes nothing in the shard itself.
     */
    public static int[] shardsOfWorker(int worker, int workers, int shardCount) {
        if (workers < 1 || worker < 0 || worker >= workers) throw new IllegalArgumentException("worker " + worker + " of " + workers);
        int n = shardCount > worker ? (shardCount - worker + workers - 1) / workers : 0;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = worker + i * workers;
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StepBatch b && b.step == step && Arrays.equals(b.labeled, labeled) && Arrays.equals(b.unlabeled, unlabeled)
                && b.labeledPosition == labeledPosition && b.unlabeledPosition == unlabeledPosition && b.shardCount == shardCount;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(step) * 31 + Arrays.hashCode(labeled) * 17 + Arrays.hashCode(unlabeled);
    }
}
