package org.semivim.engine.layers;

import org.semivim.engine.ops.Parallel;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

/**
 * Stochastic depth as timm 0.4.12 {@code drop_path} (vim-spec.md §3): in training, per sample b,
 * y_b = x_b / keep · floor(keep + U_b) with keep = 1 − rate and U_b uniform in [0, 1), i.e. a mask
 * of shape (B, 1, 1); in evaluation, or at rate 0, the identity. Sample b draws
 * {@code rng.uniformDouble(counterBase + b)}, so the mask is a function of the caller's coordinates.
 */
public final class DropPath {
    /** Which samples were kept: kept[b] is 1 or 0; y_b = x_b / keep · kept[b]. */
    public record Mask(float keep, float[] kept) {}

    /** The forward result: y and the mask (null when the identity was applied). */
    public record Output(Tensor y, Mask mask) {}

    /** Elements per task of the mask-free backward (a split by size only). */
    private static final int CHUNK = 1 << 16;

    private final double rate;

    public DropPath(double rate) {
        if (!(rate >= 0 && rate < 1)) throw new IllegalArgumentException("drop-path rate must be in [0, 1), got " + rate);
        this.rate = rate;
    }

    public double rate() { return rate; }

    /** The mask for {@code samples} samples, drawn at counters counterBase … counterBase + samples − 1. */
    public Mask drawMask(int samples, CounterRng rng, long counterBase) {
        double keep = 1.0 - rate;
        float[] kept = new float[samples];
        for (int b = 0; b < samples; b++) kept[b] = (float) Math.floor(keep + rng.uniformDouble(counterBase + b));
        return new Mask((float) keep, kept);
    }

    /**
     * The mask that {@link #forward} would apply to x [B, ...] with these arguments: null (the
     * identity) outside training or at rate 0, else {@link #drawMask} for x's B samples. For callers
     * that fuse y = x_b / keep · kept[b] into their next element-wise pass (VisionMamba's residual add).
     */
    public Mask maskFor(Tensor x, boolean training, CounterRng rng, long counterBase) {
        if (!training || rate == 0) return null;
        if (x.rank() < 1) throw new IllegalArgumentException("DropPath input " + x + " needs a leading batch dimension");
        return drawMask(x.dim(0), rng, counterBase);
    }

    /**
     * x [B, ...]. In training with rate &gt; 0: y = x_b / keep · kept[b], a new tensor. Otherwise y is
     * x itself (not a copy) and the mask is null.
     */
    public Output forward(Tensor x, boolean training, CounterRng rng, long counterBase) {
        if (!training || rate == 0) return new Output(x, null);
        if (x.rank() < 1) throw new IllegalArgumentException("DropPath input " + x + " needs a leading batch dimension");
        Mask mask = drawMask(x.dim(0), rng, counterBase);
        Tensor y = Tensor.zeros(x.shape());
        scaleSamples(x, mask, y);
        return new Output(y, mask);
    }

    /** Accumulates dx += dy_b / keep · kept[b] (dx += dy when the mask is null). dy, dx [B, ...]. */
    public void backward(Mask mask, Tensor dy, Tensor dx) {
        if (dx.size != dy.size || (mask != null && (dy.rank() < 1 || dy.dim(0) != mask.kept().length))) {
            throw new IllegalArgumentException("DropPath backward: dy " + dy + " and dx " + dx + " must have the same size"
                    + (mask != null ? " and " + mask.kept().length + " samples" : ""));
        }
        if (mask == null) {
            Parallel.forEach(Parallel.chunks(dy.size, CHUNK), c -> {
                for (int i = c * CHUNK, end = Math.min(dy.size, i + CHUNK); i < end; i++) dx.data[dx.offset + i] += dy.data[dy.offset + i];
            });
            return;
        }
        int perSample = dy.size / mask.kept().length;
        Parallel.forEach(mask.kept().length, b -> {                  // one task per sample (element-wise: any split gives the same bits)
            float kept = mask.kept()[b];
            int gyb = dy.offset + b * perSample, gxb = dx.offset + b * perSample;
            for (int i = 0; i < perSample; i++) dx.data[gxb + i] += dy.data[gyb + i] / mask.keep() * kept;
        });
    }

    /**
     * dx = 0 + dy_b / keep · kept[b] (0 + dy when the mask is null): exactly what {@link #backward}
     * leaves in a zero-filled dx, for callers whose dx is a fresh buffer (no zero fill, no read of dx).
     */
    public void backwardInto(Mask mask, Tensor dy, Tensor dx) {
        if (dx.size != dy.size || (mask != null && (dy.rank() < 1 || dy.dim(0) != mask.kept().length))) {
            throw new IllegalArgumentException("DropPath backward: dy " + dy + " and dx " + dx + " must have the same size"
                    + (mask != null ? " and " + mask.kept().length + " samples" : ""));
        }
        float[] gy = dy.data, gx = dx.data;
        int yo = dy.offset, xo = dx.offset;
        if (mask == null) {
            Parallel.forEach(Parallel.chunks(dy.size, CHUNK), c -> {
                for (int i = c * CHUNK, end = Math.min(dy.size, i + CHUNK); i < end; i++) gx[xo + i] = 0f + gy[yo + i];
            });
            return;
        }
        int perSample = dy.size / mask.kept().length;
        float keep = mask.keep();
        Parallel.forEach(mask.kept().length, b -> {
            float kept = mask.kept()[b];
            for (int i = b * perSample, end = i + perSample; i < end; i++) gx[xo + i] = 0f + gy[yo + i] / keep * kept;
        });
    }

    /** out_b = in_b / keep · kept[b] (timm's x.div(keep) · mask, in float). */
    private static void scaleSamples(Tensor in, Mask mask, Tensor out) {
        int samples = mask.kept().length;
        if (in.dim(0) != samples) {
            throw new IllegalArgumentException("DropPath: tensor " + in + " has " + in.dim(0) + " samples but the mask has " + samples);
        }
        int perSample = in.size / samples;
        Parallel.forEach(samples, b -> {
            float kept = mask.kept()[b];
            int base = b * perSample;
            for (int i = 0; i < perSample; i++) {
                out.data[out.offset + base + i] = in.data[in.offset + base + i] / mask.keep() * kept;
            }
        });
    }

    @Override
    public String toString() {
        return "DropPath(rate=" + rate + ")";
    }
}
