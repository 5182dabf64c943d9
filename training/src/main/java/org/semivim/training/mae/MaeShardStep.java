package org.semivim.training.mae;

import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.mae.MaeMask;
import org.semivim.engine.models.mae.MaskedAutoencoder;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.step.ShardInput;

/**
 * The gradient of one shard of an MAE loss term (phase 5 for the reconstruction term): rows
 * [⌊s·B/S⌋, ⌊(s+1)·B/S⌋) of the images and their masks, forward and backward on a replica loaded
 * with the parameter snapshot, the gradient scaled by n_s/B. Every sample has the same number of
 * masked patches, so the batch loss (mean over all masked patches) is Σ_s (n_s/B)·loss_s, and the
 * shard gradients summed in shard order give its gradient.
 */
public final class MaeShardStep {
    /** The shard's weighted loss share (n_s/B)·loss_s. */
    public record Shard(int from, int to, double weightedLoss) {}

    private MaeShardStep() {}

    /**
     * Accumulates {@code weight}·(n_s/B)·∂loss_s/∂θ into the replica's gradients (which the caller
     * zeroed or is accumulating on purpose) and returns the shard's (n_s/B)·loss_s.
     *
     * @param dropRng the drop-path generator of this pass (ForwardMode.train), or null for none
     */
    public static Shard accumulate(MaskedAutoencoder replica, Tensor images, MaeMask mask, int shard, int shardCount, float weight,
                                   CounterRng dropRng) {
        int batch = images.dim(0);
        int from = ShardInput.bound(shard, batch, shardCount), to = ShardInput.bound(shard + 1, batch, shardCount);
        if (from == to) return new Shard(from, to, 0);
        int per = images.size / batch;
        Tensor rows = Tensor.view(images.data, images.offset + from * per, to - from, images.dim(1), images.dim(2), images.dim(3));
        return new Shard(from, to, accumulateRows(replica, rows, mask.rows(from, to), batch, weight, dropRng));
    }

    /**
     * The same for a shard given as its own rows [n_s, C, H, W] and their masks, out of a batch of {@code batch}
     * rows: accumulates {@code weight}·(n_s/B)·∂loss_s/∂θ and returns (n_s/B)·loss_s.
     */
    public static double accumulateRows(MaskedAutoencoder replica, Tensor rows, MaeMask rowMasks, int batch, float weight, CounterRng dropRng) {
        int n = rows.dim(0);
        if (rowMasks.batch() != n) throw new IllegalArgumentException(n + " shard rows but " + rowMasks.batch() + " masks");
        if (n > batch) throw new IllegalArgumentException("a shard of " + n + " rows out of a batch of " + batch);
        ForwardMode mode = dropRng == null ? ForwardMode.eval() : ForwardMode.train(dropRng);
        MaskedAutoencoder.MaePass pass = replica.maeForward(rows, rowMasks, mode);
        float share = (float) n / batch;
        replica.maeBackward(pass, weight * share, null);
        return share * pass.loss();
    }

    /** Copies {@code snapshot} [P] into the replica's values and zeroes its gradients. */
    public static void load(MaskedAutoencoder replica, float[] snapshot) {
        ParameterSet p = replica.parameters();
        if (snapshot.length != p.count()) throw new IllegalArgumentException("parameter snapshot has " + snapshot.length + " values, the model " + p.count());
        System.arraycopy(snapshot, 0, p.flatValues().data, 0, snapshot.length);
        p.zeroGrads();
    }
}
