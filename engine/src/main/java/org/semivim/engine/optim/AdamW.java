package org.semivim.engine.optim;

import org.semivim.engine.ops.Parallel;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * AdamW with decoupled weight decay, as torch.optim.AdamW (amsgrad off), over the flat value and
 * gradient arrays of a {@link ParameterSet}. Per element, at step t (counted from 1):
 * <pre>
 *   m ← β1·m + (1−β1)·g            v ← β2·v + (1−β2)·g²
 *   u ← (m / (1−β1^t)) / (sqrt(v) / sqrt(1−β2^t) + eps)          the Adam direction
 *   p ← p·(1 − lr·wd) − lr·u        = p − lr·(u + wd·p); wd only where Parameter.weightDecay()
 * </pre>
 * The update is split in two so that a caller can compute the direction once and apply it with
 * several learning rates (LyapEMA retries, ssl-spec.md §2.5.3, R-L2): {@link #updateMoments}
 * advances the moments and the step count and writes u; {@link #apply} maps θ_prev to
 * θ_prev·(1 − lr·wd) − lr·u without touching the optimizer state. {@link #step} does both.
 *
 * <p>Frozen parameters (named at construction) are skipped entirely: their moments stay zero,
 * their direction is 0 and {@link #apply} copies them unchanged (no weight decay either), as if
 * they were not handed to the optimizer. Everything is elementwise over fixed chunks, so results
 * do not depend on the thread count.
 */
public final class AdamW {
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPS = 1e-8;
    /** Elements per parallel task; fixed, so chunk boundaries depend only on the parameter count. */
    private static final int CHUNK = 1 << 15;

    private enum Kind { DECAY, NO_DECAY, FROZEN }

    /** A maximal range [start, end) of the flat arrays whose parameters are all of one kind. */
    private record Run(int start, int end, Kind kind) {}

    private final ParameterSet params;
    private final double beta1, beta2, eps, weightDecay;
    private final List<Run> runs;
    private final int[] runStarts;          // [runs] start of each run, for binary search
    private final float[] m;                // [count] first moment
    private final float[] v;                // [count] second moment
    private final float[] direction;        // [count] scratch for step()
    private long step;

    /** AdamW with torch's defaults (betas 0.9, 0.999; eps 1e-8), nothing frozen. */
    public AdamW(ParameterSet params, double weightDecay) {
        this(params, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, weightDecay, Set.of());
    }

    /** {@code frozenNames}: parameters excluded from every update (each must exist in {@code params}). */
    public AdamW(ParameterSet params, double beta1, double beta2, double eps, double weightDecay, Set<String> frozenNames) {
        requireIn("beta1", beta1, 0, 1);
        requireIn("beta2", beta2, 0, 1);
        if (!(eps >= 0) || Double.isInfinite(eps)) throw new IllegalArgumentException("eps must be finite and >= 0, got " + eps);
        requireNonNegative("weight decay", weightDecay);
        Set<String> unknown = new HashSet<>(frozenNames);
        unknown.removeAll(params.names());
        if (!unknown.isEmpty()) throw new IllegalArgumentException("frozen parameter names not in the parameter set: " + unknown);
        this.params = params;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.runs = buildRuns(params, frozenNames);
        this.runStarts = runs.stream().mapToInt(Run::start).toArray();
        this.m = new float[params.count()];
        this.v = new float[params.count()];
        this.direction = new float[params.count()];
    }

    private static List<Run> buildRuns(ParameterSet params, Set<String> frozen) {
        List<Run> runs = new ArrayList<>();
        for (Parameter p : params.parameters()) {
            Kind kind = frozen.contains(p.name()) ? Kind.FROZEN : p.weightDecay() ? Kind.DECAY : Kind.NO_DECAY;
            int start = p.offset(), end = start + p.size();
            if (start == end) continue;
            Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last.kind == kind && last.end == start) {
                runs.set(runs.size() - 1, new Run(last.start, end, kind));
            } else {
                runs.add(new Run(start, end, kind));
            }
        }
        return List.copyOf(runs);
    }

    /**
     * One full AdamW step on the set's values from the set's gradients with the configured weight
     * decay: {@code updateMoments(grads, u); apply(values, u, lr, weightDecay, values)}.
     */
    public void step(double lr) {
        float[] values = params.flatValues().data;
        updateMoments(params.flatGrads().data, direction);
        apply(values, direction, lr, weightDecay, values);
    }

    /**
     * Advances the step count, updates m and v from {@code grads} [count] and writes the bias-
     * corrected Adam direction u into {@code directionOut} [count] (0 for frozen parameters).
     */
    public void updateMoments(float[] grads, float[] directionOut) {
        requireLength("gradient", grads);
        requireLength("direction", directionOut);
        step++;
        // bias corrections in double (as torch computes them from a Python float step)
        float oneMinusBeta1 = (float) (1 - beta1), oneMinusBeta2 = (float) (1 - beta2);
        float b1 = (float) beta1, b2 = (float) beta2, epsF = (float) eps;
        float invBias1 = (float) (1 / (1 - Math.pow(beta1, step)));
        float invSqrtBias2 = (float) (1 / Math.sqrt(1 - Math.pow(beta2, step)));
        forEachRun((start, end, kind) -> {
            if (kind == Kind.FROZEN) {
                Arrays.fill(directionOut, start, end, 0f);
                return;
            }
            for (int i = start; i < end; i++) {
                float g = grads[i];
                float mi = b1 * m[i] + oneMinusBeta1 * g;
                float vi = b2 * v[i] + oneMinusBeta2 * g * g;
                m[i] = mi;
                v[i] = vi;
                directionOut[i] = (mi * invBias1) / ((float) Math.sqrt(vi) * invSqrtBias2 + epsF);
            }
        });
    }

    /**
     * Writes {@code to = from·(1 − lr·wd) − lr·u} [count] for decayed parameters, {@code from − lr·u}
     * for the others, and copies frozen ones unchanged. Does not touch the optimizer state, so it can
     * be called again with another lr from the same {@code from}. {@code to} may be {@code from}.
     */
    public void apply(float[] from, float[] direction, double lr, double wd, float[] to) {
        requireLength("source values", from);
        requireLength("direction", direction);
        requireLength("target values", to);
        requireNonNegative("learning rate", lr);
        requireNonNegative("weight decay", wd);
        float lrF = (float) lr;
        float decayFactor = (float) (1 - lr * wd);
        forEachRun((start, end, kind) -> {
            switch (kind) {
                case FROZEN -> {
                    if (from != to) System.arraycopy(from, start, to, start, end - start);
                }
                case NO_DECAY -> {
                    for (int i = start; i < end; i++) to[i] = from[i] - lrF * direction[i];
                }
                case DECAY -> {
                    for (int i = start; i < end; i++) to[i] = from[i] * decayFactor - lrF * direction[i];
                }
            }
        });
    }

    /** Applies {@code direction} in place to the set's values: {@code apply(values, direction, lr, wd, values)}. */
    public void apply(float[] direction, double lr, double wd) {
        float[] values = params.flatValues().data;
        apply(values, direction, lr, wd, values);
    }

    // ---- state, for checkpoints -------------------------------------------------------------

    /** The optimizer state: steps taken and both moments, flat in parameter order. */
    public record State(long step, float[] firstMoment, float[] secondMoment) {}

    /** A copy of the current state. */
    public State state() {
        return new State(step, m.clone(), v.clone());
    }

    /** Replaces the state by a copy of {@code state}; continuing from it is bit-identical to never having stopped. */
    public void restore(State state) {
        if (state.step() < 0) throw new IllegalArgumentException("AdamW step count must be >= 0, got " + state.step());
        requireLength("first moment", state.firstMoment());
        requireLength("second moment", state.secondMoment());
        System.arraycopy(state.firstMoment(), 0, m, 0, m.length);
        System.arraycopy(state.secondMoment(), 0, v, 0, v.length);
        step = state.step();
    }

    /** Number of {@link #updateMoments} calls so far (torch's {@code state["step"]}). */
    public long stepCount() {
        return step;
    }

    /** A copy of the first moment m [count]. */
    public float[] firstMoment() {
        return m.clone();
    }

    /** A copy of the second moment v [count]. */
    public float[] secondMoment() {
        return v.clone();
    }

    public double weightDecay() {
        return weightDecay;
    }

    public ParameterSet parameters() {
        return params;
    }

    // ---- helpers ------------------------------------------------------------------------------

    private interface RunBody {
        void accept(int start, int end, Kind kind);
    }

    /** Calls {@code body} on every run piece, split into fixed CHUNK-sized tasks of the flat range. */
    private void forEachRun(RunBody body) {
        int n = params.count();
        Parallel.forEach(Parallel.chunks(n, CHUNK), c -> {
            int chunkStart = c * CHUNK, chunkEnd = Math.min(n, chunkStart + CHUNK);
            int r = Arrays.binarySearch(runStarts, chunkStart);
            if (r < 0) r = -r - 2;               // the run containing chunkStart
            for (; r < runs.size() && runs.get(r).start < chunkEnd; r++) {
                Run run = runs.get(r);
                body.accept(Math.max(run.start, chunkStart), Math.min(run.end, chunkEnd), run.kind);
            }
        });
    }

    private void requireLength(String what, float[] a) {
        if (a.length != params.count()) {
            throw new IllegalArgumentException(what + " array has length " + a.length + ", expected the parameter count " + params.count());
        }
    }

    private static void requireIn(String what, double x, double lo, double hiExclusive) {
        if (!(x >= lo && x < hiExclusive)) throw new IllegalArgumentException(what + " must be in [" + lo + ", " + hiExclusive + "), got " + x);
    }

    private static void requireNonNegative(String what, double x) {
        if (!(x >= 0) || Double.isInfinite(x)) throw new IllegalArgumentException(what + " must be finite and >= 0, got " + x);
    }
}
