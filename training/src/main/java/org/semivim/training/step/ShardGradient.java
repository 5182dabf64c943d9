package org.semivim.training.step;

import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.update.UpdateBackend;
import org.semivim.training.update.UpdateBackends;

import java.util.List;

/**
 * Phase (5) of a step: the flat gradient of one shard, ∂/∂θ Σ_terms lossWeight·Σ_r w_r·CE_r, at the
 * parameter snapshot θ. It runs on a replica of the student model whose values it overwrites with
 * the snapshot, so the result depends only on (snapshot, shard input): an actor holding its own
 * replica computes the same bits. Terms are visited in list order, each a forward + backward
 * whose parameter gradients accumulate in the replica.
 *
 * <p>The step's gradient is {@link #sumInShardOrder}: Σ_s g_s in float, s = 0, 1, …, S−1.
 *
 * <p>On a device backend ({@link UpdateBackends#of} the ops) the replica's values stay on the device
 * ({@link UpdateBackend#keepOnDevice}): each snapshot is uploaded once, not by every op. Other code that
 * writes the replica's values (a {@link TeacherInference} sharing it) must say so with
 * {@link UpdateBackend#hostWritten}.
 */
public final class ShardGradient {
    private static final int SUM_CHUNK = 1 << 15;

    /** A shard's flat gradient [P] and the unweighted loss share of each term (Σ over its rows of w_r·CE_r). */
    public record Result(float[] gradient, double[] termLosses) {}

    private final ImageClassifier replica;
    private final Ops ops;
    private final UpdateBackend device;   // keeps the replica's values resident, or the host

    /** {@code replica}: a model of the student's architecture on {@code ops}, used only as scratch space. */
    public ShardGradient(ImageClassifier replica, Ops ops) {
        this(replica, ops, UpdateBackends.of(ops));
    }

    /** As above, with the replica's values kept resident by {@code device} (the run's update backend, on the ops' device). */
    public ShardGradient(ImageClassifier replica, Ops ops, UpdateBackend device) {
        this.replica = replica;
        this.ops = ops;
        this.device = device;
        device.keepOnDevice(replica.parameters().flatValues().data);
    }

    public Result compute(float[] parameters, ShardInput input) {
        return compute(parameters, input, null);
    }

    /**
     * The parameter gradients after the first terms of a shard, begun before the rest of its terms are
     * known (a trainer waiting for the teacher's labels): {@code grads} [P] as the replica's gradients
     * stood after those terms' backward passes, and their term losses.
     *
     * @param parameters the snapshot they were computed at (the same array must be given to {@link #compute})
     * @param input      the shard's first {@code losses.length} terms and coordinates
     */
    public record Leading(float[] parameters, ShardInput input, float[] grads, double[] losses) {}

    /**
     * Forward and backward of the terms of {@code leading} (the first terms of a shard) from zeroed
     * gradients: exactly what {@link #compute(float[], ShardInput)} does for those terms before it goes on to the
     * others. {@code reuse}: an array [P] the gradients may be written to (null: a new one).
     */
    public Leading begin(float[] parameters, ShardInput leading, float[] reuse) {
        ParameterSet params = load(parameters);
        params.zeroGrads();
        List<LossTerm> terms = leading.terms();
        double[] losses = new double[terms.size()];
        for (int i = 0; i < terms.size(); i++) {
            LossTerm term = terms.get(i);
            if (term.rows() == 0) continue;
            losses[i] = forwardBackward(term, leading);
        }
        float[] grads = reuse != null && reuse.length == params.count() ? reuse : new float[params.count()];
        System.arraycopy(params.flatGrads().data, 0, grads, 0, grads.length);
        return new Leading(parameters, leading, grads, losses);
    }

    /**
     * The shard's gradient, going on from {@code leading} (null: from the start): the replica's
     * gradients are set to the leading ones and the remaining terms' backward passes accumulate into
     * them, so the result has the bits of {@link #compute(float[], ShardInput)} (every backward adds into the
     * gradients it is given; the same additions in the same order from the same bits).
     */
    public Result compute(float[] parameters, ShardInput input, Leading leading) {
        if (leading != null) requireContinues(parameters, input, leading);
        ParameterSet params = load(parameters);
        List<LossTerm> terms = input.terms();
        double[] losses = new double[terms.size()];
        int from = 0;
        if (leading == null) {
            params.zeroGrads();
        } else {
            System.arraycopy(leading.grads(), 0, params.flatGrads().data, 0, leading.grads().length);
            from = leading.losses().length;
            System.arraycopy(leading.losses(), 0, losses, 0, from);
        }
        for (int i = from; i < terms.size(); i++) {
            LossTerm term = terms.get(i);
            if (term.rows() == 0) continue;
            losses[i] = forwardBackward(term, input);
        }
        return new Result(params.flatGrads().toArray(), losses);
    }

    private ParameterSet load(float[] parameters) {
        ParameterSet params = replica.parameters();
        if (parameters.length != params.count()) {
            throw new IllegalArgumentException("parameter snapshot has " + parameters.length + " values, the model " + params.count());
        }
        System.arraycopy(parameters, 0, params.flatValues().data, 0, parameters.length);
        device.hostWritten(params.flatValues().data);
        return params;
    }

    /** {@code leading} must be this shard's first terms, begun at this snapshot. */
    private static void requireContinues(float[] parameters, ShardInput input, Leading leading) {
        ShardInput l = leading.input();
        String what = "step " + input.step() + " shard " + input.shard();
        if (leading.parameters() != parameters) throw new IllegalArgumentException(what + ": its leading terms were computed at another parameter snapshot");
        if (l.seed() != input.seed() || l.step() != input.step() || l.shard() != input.shard() || l.shardCount() != input.shardCount()) {
            throw new IllegalArgumentException(what + ": leading terms of step " + l.step() + " shard " + l.shard() + " of " + l.shardCount() + " given");
        }
        if (l.terms().size() > input.terms().size()) {
            throw new IllegalArgumentException(what + ": " + l.terms().size() + " leading terms, but the shard has " + input.terms().size());
        }
        for (int i = 0; i < l.terms().size(); i++) {
            if (!l.terms().get(i).sameAs(input.terms().get(i))) {
                throw new IllegalArgumentException(what + ": leading term " + i + " (" + l.terms().get(i).kind() + ") differs from the shard's");
            }
        }
    }

    private double forwardBackward(LossTerm term, ShardInput input) {
        int rows = term.rows(), classes = replica.numClasses();
        term.targets().requireShape(term.kind() + " term targets", rows, classes);
        ImageClassifier.Pass pass = replica.forward(term.images(), term.forwardMode(input.seed(), input.step(), input.shard()));
        try {
            Tensor dLogits = Tensor.zeros(rows, classes);                                  // [n, K]
            double loss = ops.loss().softmaxCrossEntropy(pass.logits(), term.targets(), Tensor.wrap(term.rowWeights(), rows), dLogits);
            if (term.lossWeight() != 1f) {
                float w = term.lossWeight();
                for (int i = 0; i < dLogits.size; i++) dLogits.data[i] *= w;
            }
            replica.backward(pass, dLogits, null);
            return loss;
        } finally {
            replica.release(pass);                                                         // its activations serve the next forward
        }
    }

    /** g = Σ_s shardGradients[s], added in shard order (float), over fixed chunks. */
    public static float[] sumInShardOrder(List<float[]> shardGradients) {
        if (shardGradients.isEmpty()) throw new IllegalArgumentException("no shard gradients to sum");
        int n = shardGradients.get(0).length;
        for (float[] g : shardGradients) {
            if (g.length != n) throw new IllegalArgumentException("shard gradients differ in length: " + g.length + " vs " + n);
        }
        float[] sum = new float[n];                                                        // [P]
        Parallel.forEach(Parallel.chunks(n, SUM_CHUNK), c -> {
            int start = c * SUM_CHUNK, end = Math.min(n, start + SUM_CHUNK);
            for (float[] g : shardGradients) {
                for (int i = start; i < end; i++) sum[i] += g[i];
            }
        });
        return sum;
    }
}
