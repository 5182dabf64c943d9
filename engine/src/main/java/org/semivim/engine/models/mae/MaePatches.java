package org.semivim.engine.models.mae;

import org.semivim.engine.tensor.Tensor;

/**
 * MAE's {@code patchify}: images [B,C,S,S] → [B, L, p²·C] with patches in raster order and the
 * values of a patch in (row, column, channel) order ({@code einsum('nchpwq->nhwpqc')}), the layout
 * of {@code decoder_pred}'s outputs. (The conv patch embedding reads (channel, row, column); for one
 * channel the two orders coincide.)
 */
public final class MaePatches {
    private MaePatches() {}

    public static Tensor patchify(Tensor images, int patch) {
        if (images.rank() != 4 || images.dim(2) != images.dim(3) || images.dim(2) % patch != 0) {
            throw new IllegalArgumentException("patchify needs square images [B,C,S,S] with S a multiple of " + patch + ", got " + images);
        }
        int batch = images.dim(0), c = images.dim(1), s = images.dim(2), g = s / patch, l = g * g, pp = patch * patch * c;
        Tensor out = Tensor.zeros(batch, l, pp);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < g; h++) {
                for (int w = 0; w < g; w++) {
                    int row = (b * l + h * g + w) * pp;
                    for (int pi = 0; pi < patch; pi++) {
                        for (int pj = 0; pj < patch; pj++) {
                            for (int ch = 0; ch < c; ch++) {
                                out.data[row + (pi * patch + pj) * c + ch] =
                                        images.data[images.offset + ((b * c + ch) * s + h * patch + pi) * s + w * patch + pj];
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
