package org.semivim.training.step;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VitConfig;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ShardGradientTest {
    private static final int CLASSES = 4, SIZE = 12, LABELED = 10, UNLABELED = 13;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static ModelSpec vim(double dropPath) {
        Map<String, Object> m = new HashMap<>(Map.of("img_size", SIZE, "patch_size", 4, "in_chans", 1, "embed_dim", 16, "depth", 2,
                "d_state", 4, "num_classes", CLASSES, "drop_path_rate", dropPath));
        return new ModelSpec.Vim(VimConfig.fromMap(m));
    }

    private static ModelSpec vit() {
        return new ModelSpec.Vit(VitConfig.fromMap(Map.of("img_size", SIZE, "patch_size", 4, "in_chans", 1, "embed_dim", 16,
                "depth", 1, "num_heads", 2, "num_classes", CLASSES)));
    }

    /** Random images [n,1,12,12], soft targets, weights 1/B (with some zero rows) and optional SSMixup psi. */
    private static LossTerm term(LossTerm.Kind kind, int n, long seed, float lossWeight, boolean ssMixup) {
        CounterRng rng = CounterRng.of(seed, "shard-test").derive(kind.code);
        Tensor images = Tensor.zeros(n, 1, SIZE, SIZE);
        for (int i = 0; i < images.size; i++) images.data[i] = (float) rng.normal(i);
        Tensor targets = Tensor.zeros(n, CLASSES);
        float[] weights = new float[n];
        float[] psi = new float[n];
        for (int r = 0; r < n; r++) {
            double sum = 0;
            for (int k = 0; k < CLASSES; k++) sum += targets.data[r * CLASSES + k] = rng.uniform(100_000 + r * CLASSES + k);
            for (int k = 0; k < CLASSES; k++) targets.data[r * CLASSES + k] /= (float) sum;
            weights[r] = r % 5 == 3 ? 0f : 1f / n;
            psi[r] = rng.uniform(200_000 + r);
        }
        return new LossTerm(kind, images, targets, weights, lossWeight, ssMixup ? new LossTerm.SsMixupRows(0.1f, 2, psi) : null);
    }

    private static List<LossTerm> terms(boolean ssMixup) {
        return List.of(term(LossTerm.Kind.LABELED, LABELED, 1, 1f, false), term(LossTerm.Kind.UNLABELED, UNLABELED, 1, 5f, ssMixup));
    }

    private static List<ShardGradient.Result> shardResults(ImageClassifier replica, float[] params, List<LossTerm> terms, int shards) {
        ShardGradient g = new ShardGradient(replica, Ops.cpu());
        List<ShardGradient.Result> out = new ArrayList<>();
        for (ShardInput in : ShardInput.split(9, 3, terms, shards)) out.add(g.compute(params, in));
        return out;
    }

    private static float[] sum(List<ShardGradient.Result> results) {
        List<float[]> grads = new ArrayList<>();
        for (ShardGradient.Result r : results) grads.add(r.gradient());
        return ShardGradient.sumInShardOrder(grads);
    }

    private static double relativeDifference(float[] a, float[] b) {
        double diff = 0, norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (double) (a[i] - b[i]) * (a[i] - b[i]);
            norm += (double) b[i] * b[i];
        }
        return Math.sqrt(diff / norm);
    }

    /**
     * Without drop-path the shards' gradients add up to the full-batch gradient: the only difference
     * is the float summation order (per-shard accumulation, then the shard sum), so the relative
     * L2 difference is at float rounding level; 1e-6 leaves room for a few hundred ulps of cancellation.
     */
    @Test
    void shardGradientsSumToTheFullBatchGradient() {
        for (ModelSpec spec : List.of(vim(0), vit())) {
            for (boolean ssMixup : spec instanceof ModelSpec.Vim ? List.of(false, true) : List.of(false)) {
                ImageClassifier replica = spec.create(Ops.cpu(), 5);
                float[] params = spec.create(Ops.cpu(), 6).parameters().flatValues().toArray();
                List<LossTerm> terms = terms(ssMixup);
                List<ShardGradient.Result> one = shardResults(replica, params, terms, 1);
                float[] full = one.get(0).gradient();
                for (int shards : new int[] {2, 4, 7}) {
                    List<ShardGradient.Result> parts = shardResults(replica, params, terms, shards);
                    assertEquals(shards, parts.size());
                    double rel = relativeDifference(sum(parts), full);
                    assertTrue(rel < 1e-6, spec.getClass().getSimpleName() + " S=" + shards + " ssMixup=" + ssMixup + ": relative difference " + rel);
                    for (int t = 0; t < terms.size(); t++) {
                        double loss = 0;
                        for (ShardGradient.Result r : parts) loss += r.termLosses()[t];
                        assertEquals(one.get(0).termLosses()[t], loss, 1e-6 * Math.abs(loss), "term " + t + " loss over shards");
                    }
                }
                assertTrue(one.get(0).termLosses()[1] > 0);
            }
        }
    }

    @Test
    void theLossWeightScalesTheGradientNotTheReportedLoss() {
        ModelSpec spec = vit();
        ImageClassifier replica = spec.create(Ops.cpu(), 5);
        float[] params = replica.parameters().flatValues().toArray();
        LossTerm unit = term(LossTerm.Kind.UNLABELED, UNLABELED, 4, 1f, false);
        LossTerm weighted = new LossTerm(unit.kind(), unit.images(), unit.targets(), unit.rowWeights(), 4f, null);
        ShardGradient.Result a = shardResults(replica, params, List.of(unit), 1).get(0);
        ShardGradient.Result b = shardResults(replica, params, List.of(weighted), 1).get(0);
        assertEquals(a.termLosses()[0], b.termLosses()[0]);
        for (int i = 0; i < a.gradient().length; i++) assertEquals(4 * a.gradient()[i], b.gradient()[i], 1e-5f * Math.abs(4 * a.gradient()[i]) + 1e-12f);
    }

    /** The result depends only on (snapshot, input): not on what the replica held before, which replica, or the thread count. */
    @Test
    void aShardGradientIsAPureFunctionOfSnapshotAndInput() {
        ModelSpec spec = vim(0.3);   // drop-path on: masks from (seed, step, term, shard)
        float[] params = spec.create(Ops.cpu(), 6).parameters().flatValues().toArray();
        float[] other = spec.create(Ops.cpu(), 8).parameters().flatValues().toArray();
        List<ShardInput> inputs = ShardInput.split(9, 3, terms(true), 4);
        ImageClassifier first = spec.create(Ops.cpu(), 1), second = spec.create(Ops.cpu(), 2);
        Parallel.setThreads(1);
        ShardGradient.Result a = new ShardGradient(first, Ops.cpu()).compute(params, inputs.get(2));
        new ShardGradient(second, Ops.cpu()).compute(other, inputs.get(1));       // leaves other values and gradients behind
        Parallel.setThreads(3);
        ShardGradient.Result b = new ShardGradient(second, Ops.cpu()).compute(params, inputs.get(2));
        assertArrayEquals(a.gradient(), b.gradient());
        assertArrayEquals(a.termLosses(), b.termLosses());
        ShardGradient.Result otherShard = new ShardGradient(first, Ops.cpu()).compute(params, inputs.get(1));
        assertFalse(java.util.Arrays.equals(a.gradient(), otherShard.gradient()));
    }

    /**
     * A shard begun on its label-free (leading) terms and finished later, with other work on the replica in
     * between, ends with the bits of one go: every backward adds into the gradients it is given, and the
     * rest of the shard starts from the leading gradients' bits.
     */
    @Test
    void aShardBegunOnItsLeadingTermsEndsWithTheBitsOfOneGo() {
        for (ModelSpec spec : List.of(vim(0.3), vit())) {
            for (boolean ssMixup : spec instanceof ModelSpec.Vim ? List.of(false, true) : List.of(false)) {
                float[] params = spec.create(Ops.cpu(), 6).parameters().flatValues().toArray();
                float[] other = spec.create(Ops.cpu(), 8).parameters().flatValues().toArray();
                List<LossTerm> terms = terms(ssMixup);
                List<ShardInput> full = ShardInput.split(9, 3, terms, 4);
                List<ShardInput> leading = ShardInput.split(9, 3, terms.subList(0, 1), 4);
                ShardGradient oneGo = new ShardGradient(spec.create(Ops.cpu(), 1), Ops.cpu());
                ShardGradient split = new ShardGradient(spec.create(Ops.cpu(), 2), Ops.cpu());
                List<ShardGradient.Leading> begun = new ArrayList<>();
                for (int s = 0; s < 4; s++) {
                    float[] reuse = s == 2 ? new float[params.length] : null;
                    ShardGradient.Leading l = split.begin(params, leading.get(s), reuse);
                    if (reuse != null) assertSame(reuse, l.grads(), "the given array is reused");
                    begun.add(l);
                }
                split.compute(other, full.get(1));   // other values and gradients left on the replica
                for (int s : new int[] {3, 1, 0, 2}) {
                    ShardGradient.Result a = oneGo.compute(params, full.get(s));
                    ShardGradient.Result b = split.compute(params, full.get(s), begun.get(s));
                    String what = spec.getClass().getSimpleName() + " ssMixup=" + ssMixup + " shard " + s;
                    assertArrayEquals(a.gradient(), b.gradient(), what);
                    assertArrayEquals(a.termLosses(), b.termLosses(), what);
                }
                // every term leading (supervised): nothing left to run
                ShardGradient.Leading all = split.begin(params, full.get(0), null);
                split.compute(other, full.get(2));
                assertArrayEquals(oneGo.compute(params, full.get(0)).gradient(), split.compute(params, full.get(0), all).gradient());
            }
        }
    }

    @Test
    void aLeadingPartThatIsNotTheShardsIsRefused() {
        ModelSpec spec = vit();
        ShardGradient g = new ShardGradient(spec.create(Ops.cpu(), 1), Ops.cpu());
        float[] params = spec.create(Ops.cpu(), 6).parameters().flatValues().toArray();
        List<LossTerm> terms = terms(false);
        List<ShardInput> full = ShardInput.split(9, 3, terms, 4);
        ShardGradient.Leading shard1 = g.begin(params, ShardInput.split(9, 3, terms.subList(0, 1), 4).get(1), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.compute(params, full.get(2), shard1));
        assertTrue(e.getMessage().contains("shard 1 of 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> g.compute(params.clone(), full.get(1), shard1));
        assertTrue(e.getMessage().contains("another parameter snapshot"), e.getMessage());
        ShardGradient.Leading otherStep = g.begin(params, ShardInput.split(9, 4, terms.subList(0, 1), 4).get(1), null);
        assertThrows(IllegalArgumentException.class, () -> g.compute(params, full.get(1), otherStep));
        List<LossTerm> otherImages = List.of(term(LossTerm.Kind.LABELED, LABELED, 2, 1f, false));
        ShardGradient.Leading otherTerm = g.begin(params, ShardInput.split(9, 3, otherImages, 4).get(1), null);
        e = assertThrows(IllegalArgumentException.class, () -> g.compute(params, full.get(1), otherTerm));
        assertTrue(e.getMessage().contains("leading term 0 (LABELED) differs"), e.getMessage());
        ShardGradient.Leading tooMany = g.begin(params, ShardInput.split(9, 3, List.of(terms.get(0), terms.get(1), terms.get(1)), 4).get(1), null);
        assertThrows(IllegalArgumentException.class, () -> g.compute(params, full.get(1), tooMany));
    }

    @Test
    void dropMasksDependOnStepTermAndShard() {
        LossTerm t = term(LossTerm.Kind.LABELED, 4, 1, 1f, false);
        assertEquals(CounterRng.of(9, LossTerm.DROP_STREAM).derive(3, 0, 2).bits(0), t.forwardMode(9, 3, 2).dropRng().bits(0));
        long base = t.forwardMode(9, 3, 2).dropRng().bits(0);
        assertNotEquals(base, t.forwardMode(9, 4, 2).dropRng().bits(0));
        assertNotEquals(base, t.forwardMode(9, 3, 1).dropRng().bits(0));
        assertNotEquals(base, term(LossTerm.Kind.UNLABELED, 4, 1, 1f, false).forwardMode(9, 3, 2).dropRng().bits(0));
        assertTrue(t.forwardMode(9, 3, 2).training());
    }

    @Test
    void shardsAreFixedContiguousSlicesThatConcatenateToTheTerms() {
        List<LossTerm> terms = terms(true);
        List<ShardInput> shards = ShardInput.split(9, 3, terms, 4);
        int[] expectedLabeled = {2, 3, 2, 3};     // ⌊s·10/4⌋: 0, 2, 5, 7, 10
        int[] expectedUnlabeled = {3, 3, 3, 4};   // ⌊s·13/4⌋: 0, 3, 6, 9, 13
        for (int s = 0; s < 4; s++) {
            assertEquals(s, shards.get(s).shard());
            assertEquals(expectedLabeled[s], shards.get(s).terms().get(0).rows());
            assertEquals(expectedUnlabeled[s], shards.get(s).terms().get(1).rows());
        }
        LossTerm u = terms.get(1);
        int row = 0;
        for (ShardInput s : shards) {
            LossTerm slice = s.terms().get(1);
            for (int r = 0; r < slice.rows(); r++, row++) {
                assertEquals(u.rowWeights()[row], slice.rowWeights()[r]);
                assertEquals(u.ssMixup().psi()[row], slice.ssMixup().psi()[r]);
                assertArrayEquals(u.images().slice0(row).toArray(), slice.images().slice0(r).toArray());
                assertArrayEquals(u.targets().slice0(row).toArray(), slice.targets().slice0(r).toArray());
            }
        }
        assertEquals(UNLABELED, row);
        List<ShardInput> many = ShardInput.split(9, 3, List.of(term(LossTerm.Kind.LABELED, 2, 1, 1f, false)), 4);
        assertEquals(0, many.get(0).terms().get(0).rows(), "a shard may hold no rows of a term");
    }

    @Test
    void badInputsAreRejected() {
        ModelSpec spec = vit();
        ShardGradient g = new ShardGradient(spec.create(Ops.cpu(), 1), Ops.cpu());
        ShardInput in = ShardInput.split(1, 0, terms(false), 2).get(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.compute(new float[3], in));
        assertTrue(e.getMessage().contains("3 values"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LossTerm(LossTerm.Kind.LABELED, Tensor.zeros(2, 1, 4, 4),
                Tensor.zeros(3, 4), new float[2], 1f, null));
        assertThrows(IllegalArgumentException.class, () -> new LossTerm(LossTerm.Kind.LABELED, Tensor.zeros(2, 1, 4, 4),
                Tensor.zeros(2, 4), new float[] {0.5f, -1f}, 1f, null));
        assertThrows(IllegalArgumentException.class, () -> ShardInput.split(1, 0, terms(false), 0));
        assertThrows(IllegalArgumentException.class, () -> ShardGradient.sumInShardOrder(List.of(new float[2], new float[3])));
    }
}
