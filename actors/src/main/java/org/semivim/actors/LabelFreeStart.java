package org.semivim.actors;

import org.semivim.training.method.LossComposer;
import org.semivim.training.step.LossTerm;
import org.semivim.training.step.ShardGradient;
import org.semivim.training.step.ShardInput;
import org.semivim.training.step.StepViews;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A trainer's head start on a step while the teacher still labels it: once the trainer holds the
 * parameters of version t and step t's inputs, it runs the forward and backward of the loss terms that
 * do not depend on the labels ({@link LossComposer#labelFreeTerms}: L_x) for the shards it expects to
 * compute, and keeps the gradients as they stand after them ({@link ShardGradient.Leading}). When the
 * labels come, each shard goes on from there ({@link ShardGradient#compute(float[], ShardInput,
 * ShardGradient.Leading)}): the same operations in the same order on the same bits, so the gradient is
 * the one computed in one go. The expected shards are those of the trainer's last labelled work (the
 * shard table changes only on joins and failures); a shard begun but not asked is dropped, a shard asked
 * but not begun is computed from the start. One gradient array [P] per shard is kept and reused.
 */
final class LabelFreeStart {
    private final ShardGradient gradient;
    private final LossComposer composer;
    private final long seed;
    private final int shardCount;
    private final float[][] buffers;                 // [S][P], reused from step to step
    private final Map<Integer, ShardGradient.Leading> begun = new HashMap<>();
    private long step = -1;
    private int[] expected = new int[0];

    LabelFreeStart(ShardGradient gradient, LossComposer composer, long seed, int shardCount) {
        this.gradient = gradient;
        this.composer = composer;
        this.seed = seed;
        this.shardCount = shardCount;
        this.buffers = new float[shardCount][];
    }

    /** The shards the trainer's labelled work named last: the ones it expects to compute next. */
    void expect(int[] shards) {
        expected = shards.clone();
    }

    /** Whether step {@code t}'s label-free terms were begun (whatever shards that covered). */
    boolean begunFor(long t) {
        return step == t;
    }

    /**
     * Begins step {@code t}'s expected shards at {@code parameters} from its inputs; what was begun for
     * another step is dropped. Returns how many shards were begun (0: nothing label-free, or no
     * expected shard). The run's {@link RunHooks#beforeShard} hook is not called here: it marks the
     * shards' labelled work.
     */
    int begin(long t, float[] parameters, StepViews inputs) {
        begun.clear();
        step = t;
        List<LossTerm> terms = composer.labelFreeTerms(inputs);
        if (terms.isEmpty() || expected.length == 0) return 0;
        List<ShardInput> shards = ShardInput.split(seed, t, terms, shardCount);
        int n = 0;
        for (int s : expected) {
            if (s < 0 || s >= shardCount || begun.containsKey(s)) continue;
            ShardGradient.Leading leading = gradient.begin(parameters, shards.get(s), buffers[s]);
            buffers[s] = leading.grads();
            begun.put(s, leading);
            n++;
        }
        return n;
    }

    /**
     * Shard {@code s} of step {@code t} as begun at {@code parameters}, taken (a second call gives null),
     * or null when it was not begun there.
     */
    ShardGradient.Leading take(long t, float[] parameters, int s) {
        ShardGradient.Leading leading = step == t ? begun.get(s) : null;
        if (leading == null || leading.parameters() != parameters) return null;
        begun.remove(s);
        return leading;
    }

    /** Step {@code t}'s labelled work is done: what is left of it is dropped, and it is not begun again. */
    void finished(long t) {
        begun.clear();
        step = t;
    }

    /** Drops what was begun (new parameters). */
    void drop() {
        begun.clear();
        step = -1;
    }
}
