package org.semivim.data.mix;

/**
 * A CutMix box, as timm's {@code rand_bbox} + {@code cutmix_bbox_and_lam(correct_lam=True)}
 * (ssl-spec.md §2.4, R-S11): for a mixing coefficient psi the box has sides
 * {@code cut_h = int(H·sqrt(1−psi))}, {@code cut_w = int(W·sqrt(1−psi))}, is centred at the integer
 * (cy, cx) drawn uniformly in [0,H)×[0,W), and spans rows [clip(cy − cut_h div 2), clip(cy + cut_h div 2))
 * and the same for columns, clipped to the image. The corrected coefficient is
 * {@code 1 − area/(H·W)}: the fraction of the image that keeps its own pixels.
 */
public record CutMixBox(int rowLow, int rowHigh, int colLow, int colHigh, double correctedPsi) {

    /** The box for coefficient {@code psi} ∈ [0, 1] centred at ({@code centreRow}, {@code centreCol}) of an H×W image. */
    public static CutMixBox of(int height, int width, double psi, int centreRow, int centreCol) {
        if (!(psi >= 0 && psi <= 1)) throw new IllegalArgumentException("mixing coefficient psi must be in [0, 1], got " + psi);
        if (centreRow < 0 || centreRow >= height || centreCol < 0 || centreCol >= width) {
            throw new IllegalArgumentException("box centre (" + centreRow + ", " + centreCol + ") outside the " + height + "x" + width + " image");
        }
        double ratio = Math.sqrt(1 - psi);
        int cutH = (int) (height * ratio);
        int cutW = (int) (width * ratio);
        int yl = clip(centreRow - cutH / 2, height);
        int yh = clip(centreRow + cutH / 2, height);
        int xl = clip(centreCol - cutW / 2, width);
        int xh = clip(centreCol + cutW / 2, width);
        double area = (double) (yh - yl) * (xh - xl);
        return new CutMixBox(yl, yh, xl, xh, 1.0 - area / ((double) height * width));
    }

    public int area() {
        return (rowHigh - rowLow) * (colHigh - colLow);
    }

    private static int clip(int v, int size) {
        return Math.max(0, Math.min(size, v));
    }
}
