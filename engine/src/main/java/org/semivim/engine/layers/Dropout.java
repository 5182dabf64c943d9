package org.semivim.engine.layers;

import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

/**
 * Elementwise dropout as torch nn.Dropout: in training each element is kept with probability
 * keep = 1 − rate and scaled by 1/keep (the mask holds 0 or 1/keep); in evaluation, or at rate 0,
 * it is the identity. Element i draws {@code rng.uniformDouble(counterBase + i)}, so the mask is a
 * function of the caller's coordinates and can be reproduced anywhere.
 */
public final class Dropout {
    /** The forward result: y, and the mask [shape of x] with values 0 or 1/keep (null when the identity was applied). */
    public record Output(Tensor y, Tensor mask) {}

    private final double rate;

    public Dropout(double rate) {
        if (!(rate >= 0 && rate < 1)) throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        this.rate = rate;
    }

    public double rate() { return rate; }

    /**
     * In training with rate &gt; 0: y = x ⊙ mask, a new tensor. Otherwise y is x itself (not a copy)
     * and the mask is null. {@code rng} is already keyed by the caller (e.g. derive(step, layer)).
     */
    public Output forward(Tensor x, boolean training, CounterRng rng, long counterBase) {
        if (!training || rate == 0) return new Output(x, null);
        double keep = 1.0 - rate;
        float scale = 1f / (float) keep; // torch: bernoulli(keep) then divided by keep, in float
        Tensor mask = Tensor.zeros(x.shape());
        Tensor y = Tensor.zeros(x.shape());
        for (int i = 0; i < x.size; i++) {
            float m = rng.uniformDouble(counterBase + i) < keep ? scale : 0f;
            mask.data[i] = m;
            y.data[i] = x.data[x.offset + i] * m;
        }
        return new Output(y, mask);
    }

    /** Accumulates dx += dy ⊙ mask (dx += dy when the mask is null). */
    public void backward(Tensor mask, Tensor dy, Tensor dx) {
        if (dx.size != dy.size || (mask != null && mask.size != dy.size)) {
            throw new IllegalArgumentException("Dropout backward: dy " + dy + ", dx " + dx
                    + (mask != null ? " and mask " + mask : "") + " must have the same size");
        }
        for (int i = 0; i < dy.size; i++) {
            float g = dy.data[dy.offset + i];
            dx.data[dx.offset + i] += mask == null ? g : g * mask.data[mask.offset + i];
        }
    }

    @Override
    public String toString() {
        return "Dropout(rate=" + rate + ")";
    }
}
