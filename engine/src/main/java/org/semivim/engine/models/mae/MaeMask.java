package org.semivim.engine.models.mae;

import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;
import java.util.Comparator;

/**
 * MAE's per-sample random masking ({@code models_mae.py random_masking}): sample b draws a uniform
 * noise value per patch, the patches are sorted by ascending noise ({@code ids_shuffle}, a stable
 * argsort: equal noise keeps patch order), the first K = int(L·(1 − mask_ratio)) are kept and the
 * rest masked; {@code ids_restore} is the inverse permutation (the rank of each patch).
 *
 * <p>Noise coordinates: the noise of patch l of row b is {@code rng.derive(rowKeys[b]).uniformDouble(l)}.
 * A trainer chooses {@code rng} and the row keys, e.g. {@code CounterRng.of(seed, "semivim.mae.mask")
 * .derive(step)} and the sample indices, so a sample's mask depends only on (seed, step, sample), not
 * on its row, the batch size or the worker.
 *
 * @param shuffle [B][L] patch indices by ascending noise; the first K are the visible ones
 * @param restore [B][L] restore[b][l] = position of patch l in shuffle[b]
 * @param keep    K
 */
public record MaeMask(int[][] shuffle, int[][] restore, int keep) {

    public MaeMask {
        if (shuffle.length == 0) throw new IllegalArgumentException("a mask needs at least one sample");
        int l = shuffle[0].length;
        if (keep < 1 || keep > l) throw new IllegalArgumentException("keep must be in [1, " + l + "], got " + keep);
        if (restore.length != shuffle.length) throw new IllegalArgumentException("shuffle and restore differ in batch size");
        int[][] s = new int[shuffle.length][], r = new int[shuffle.length][];
        for (int b = 0; b < shuffle.length; b++) {
            if (shuffle[b].length != l || restore[b].length != l) throw new IllegalArgumentException("sample " + b + " does not have " + l + " patches");
            for (int i = 0; i < l; i++) {
                int m = shuffle[b][i];
                if (m < 0 || m >= l || restore[b][m] != i) throw new IllegalArgumentException("sample " + b + ": restore is not the inverse of shuffle");
            }
            s[b] = shuffle[b].clone();
            r[b] = restore[b].clone();
        }
        shuffle = s;
        restore = r;
    }

    /** Draws the masks of {@code rowKeys.length} samples with L patches, keeping {@code keep}; see the class comment. */
    public static MaeMask draw(CounterRng rng, long[] rowKeys, int numPatches, int keep) {
        int batch = rowKeys.length;
        int[][] shuffle = new int[batch][], restore = new int[batch][numPatches];
        for (int b = 0; b < batch; b++) {
            CounterRng row = rng.derive(rowKeys[b]);
            double[] noise = new double[numPatches];
            for (int l = 0; l < numPatches; l++) noise[l] = row.uniformDouble(l);
            shuffle[b] = argsort(noise);
            for (int i = 0; i < numPatches; i++) restore[b][shuffle[b][i]] = i;
        }
        return new MaeMask(shuffle, restore, keep);
    }

    /** A mask from given permutations (e.g. a test's); restore is derived. */
    public static MaeMask of(int[][] shuffle, int keep) {
        int[][] restore = new int[shuffle.length][];
        for (int b = 0; b < shuffle.length; b++) {
            restore[b] = new int[shuffle[b].length];
            Arrays.fill(restore[b], -1);
            for (int i = 0; i < shuffle[b].length; i++) {
                int m = shuffle[b][i];
                if (m < 0 || m >= shuffle[b].length || restore[b][m] != -1) {
                    throw new IllegalArgumentException("sample " + b + ": shuffle is not a permutation of [0, " + shuffle[b].length + ")");
                }
                restore[b][m] = i;
            }
        }
        return new MaeMask(shuffle, restore, keep);
    }

    public int batch() { return shuffle.length; }

    /** The masks of rows [from, to) (a shard of the batch). */
    public MaeMask rows(int from, int to) {
        if (from < 0 || to > shuffle.length || from >= to) throw new IllegalArgumentException("rows [" + from + ", " + to + ") of " + shuffle.length);
        return new MaeMask(Arrays.copyOfRange(shuffle, from, to), Arrays.copyOfRange(restore, from, to), keep);
    }

    public int numPatches() { return shuffle[0].length; }

    /** [B][K] the visible patches of each sample, in shuffle order (the encoder's token order). */
    public int[][] visible() {
        int[][] v = new int[shuffle.length][];
        for (int b = 0; b < shuffle.length; b++) v[b] = Arrays.copyOf(shuffle[b], keep);
        return v;
    }

    /** Whether patch l of sample b is masked (removed from the encoder input). */
    public boolean masked(int b, int l) {
        return restore[b][l] >= keep;
    }

    /** MAE's binary mask [B, L] in patch order: 1 = masked (the loss counts it), 0 = visible. */
    public Tensor lossMask() {
        int l = numPatches();
        Tensor m = Tensor.zeros(shuffle.length, l);
        for (int b = 0; b < shuffle.length; b++) for (int i = 0; i < l; i++) if (masked(b, i)) m.data[b * l + i] = 1f;
        return m;
    }

    @Override
    public int[][] shuffle() {
        int[][] c = new int[shuffle.length][];
        for (int b = 0; b < c.length; b++) c[b] = shuffle[b].clone();
        return c;
    }

    @Override
    public int[][] restore() {
        int[][] c = new int[restore.length][];
        for (int b = 0; b < c.length; b++) c[b] = restore[b].clone();
        return c;
    }

    private static int[] argsort(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        Arrays.sort(idx, Comparator.comparingDouble(i -> v[i]));   // stable (TimSort): ties keep index order
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = idx[i];
        return out;
    }
}
