package org.semivim.engine.models;

/**
 * The fixed 2-D sin-cos position embedding of MAE ({@code util/pos_embed.py},
 * {@code get_2d_sincos_pos_embed(D, G, cls_token)}). For the patch at grid row i, column j
 * (token m = i·G + j) and ω_k = 10000^(−k/(D/4)), k = 0 … D/4 − 1, the row is
 * [sin(j·ω), cos(j·ω), sin(i·ω), cos(i·ω)], each part D/4 wide: MAE's meshgrid puts the column
 * index first. With {@code prefixTokens} = 1 a zero row for the class token comes first.
 */
public final class SinCosPositionEmbedding {
    private SinCosPositionEmbedding() {}

    /** The table [prefixTokens + G², D], row-major, computed in double (as NumPy does). */
    public static double[] table(int embedDim, int gridSize, int prefixTokens) {
        if (embedDim <= 0 || embedDim % 4 != 0) {
            throw new IllegalArgumentException("2-D sin-cos position embedding needs embed_dim divisible by 4, got " + embedDim);
        }
        if (gridSize < 1 || prefixTokens < 0) {
            throw new IllegalArgumentException("grid size must be positive and prefix tokens non-negative, got " + gridSize + ", " + prefixTokens);
        }
        int quarter = embedDim / 4;
        double[] omega = new double[quarter];
        for (int k = 0; k < quarter; k++) omega[k] = 1.0 / Math.pow(10000.0, k / (double) quarter);
        double[] t = new double[(prefixTokens + gridSize * gridSize) * embedDim];
        for (int i = 0; i < gridSize; i++) {
            for (int j = 0; j < gridSize; j++) {
                int row = (prefixTokens + i * gridSize + j) * embedDim;
                for (int k = 0; k < quarter; k++) {
                    t[row + k] = Math.sin(j * omega[k]);
                    t[row + quarter + k] = Math.cos(j * omega[k]);
                    t[row + 2 * quarter + k] = Math.sin(i * omega[k]);
                    t[row + 3 * quarter + k] = Math.cos(i * omega[k]);
                }
            }
        }
        return t;
    }

    /** The table of {@code cfg}: [numTokens, D] with the class token's zero row when it has one. */
    public static double[] table(VitConfig cfg) {
        return table(cfg.embedDim(), cfg.gridSize(), cfg.numPrefixTokens());
    }
}
