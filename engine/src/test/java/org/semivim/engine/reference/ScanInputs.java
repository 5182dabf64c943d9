package org.semivim.engine.reference;

import org.semivim.engine.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Random inputs of one selective scan, in double but rounded to float values so that the double
 * reference and the float backends see the same numbers. Ranges follow a trained ViM layer: Δ between
 * about 0.02 and 1.5, A_log near log(1..N) (S4D-real init), D near 1.
 */
public final class ScanInputs {
    public final int batch, len, channels, states;
    public final double[] u, deltaRaw, z;   // [B,L,E]
    public final double[] bm, cm;           // [B,L,N]
    public final double[] deltaBias, d;     // [E]
    public final double[] aLog;             // [E,N]

    public ScanInputs(int batch, int len, int channels, int states, long seed) {
        this.batch = batch;
        this.len = len;
        this.channels = channels;
        this.states = states;
        SplittableRandom rnd = new SplittableRandom(seed);
        int tokens = batch * len * channels, rows = batch * len * states;
        u = uniform(rnd, tokens, -1.5, 1.5);
        deltaRaw = uniform(rnd, tokens, -4, 1);
        z = uniform(rnd, tokens, -3, 3);
        bm = uniform(rnd, rows, -1, 1);
        cm = uniform(rnd, rows, -1, 1);
        deltaBias = uniform(rnd, channels, -1, 0.5);
        d = uniform(rnd, channels, 0.8, 1.2);
        aLog = new double[channels * states];
        for (int e = 0; e < channels; e++) {
            for (int n = 0; n < states; n++) aLog[e * states + n] = (float) (Math.log(n + 1) + rnd.nextDouble(-0.05, 0.05));
        }
    }

    private static double[] uniform(SplittableRandom rnd, int n, double lo, double hi) {
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = (float) rnd.nextDouble(lo, hi);
        return r;
    }

    public double[] randomTokens(long seed) {
        return uniform(new SplittableRandom(seed), batch * len * channels, -1, 1);
    }

    /** The eight inputs in the order of the ScanOps signature. */
    public double[][] all() {
        return new double[][] {u, deltaRaw, deltaBias, aLog, bm, cm, d, z};
    }

    public static final String[] NAMES = {"u", "deltaRaw", "deltaBias", "aLog", "bm", "cm", "d", "z"};

    public int[] shapeOf(int input) {
        return switch (input) {
            case 0, 1, 7 -> new int[] {batch, len, channels};
            case 2, 6 -> new int[] {channels};
            case 3 -> new int[] {channels, states};
            default -> new int[] {batch, len, states};
        };
    }

    public static Tensor tensor(double[] v, int... shape) {
        float[] f = new float[v.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) v[i];
        return Tensor.wrap(f, shape);
    }

    /** The inputs as float tensors, in signature order. */
    public Tensor[] tensors() {
        double[][] a = all();
        Tensor[] t = new Tensor[a.length];
        for (int k = 0; k < a.length; k++) t[k] = tensor(a[k], shapeOf(k));
        return t;
    }
}
