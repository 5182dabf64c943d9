package org.semivim.data.augment;

import java.util.Arrays;
import org.semivim.data.io.FashionMnist;

/**
 * torchvision's {@code ToTensor} + {@code Normalize(mean, std)} per channel, in float:
 * {@code (v / 255 − mean[c]) / std[c]} for an unsigned byte v.
 */
public record Normalization(float[] mean, float[] std) {

    public Normalization {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("need one mean and one std per channel, got " + mean.length + " and " + std.length);
        }
        for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("std must be positive, got " + Arrays.toString(std));
        mean = mean.clone();
        std = std.clone();
    }

    /** Fashion-MNIST's constants (ssl-spec.md §1.1). */
    public static Normalization fashionMnist() {
        return new Normalization(new float[] {FashionMnist.MEAN}, new float[] {FashionMnist.STD});
    }

    public int channels() {
        return mean.length;
    }

    public float apply(int channel, int unsignedValue) {
        return (unsignedValue / 255f - mean[channel]) / std[channel];
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }
}
