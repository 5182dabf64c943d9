package org.semivim.engine.ops;

import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;

/** Argument checks shared by the norm, elementwise and loss backends; messages name op, tensor, expected and actual. */
final class OpChecks {
    private OpChecks() {}

    static void notNull(String op, String name, Tensor t) {
        if (t == null) throw new IllegalArgumentException(op + ": " + name + " must not be null");
    }

    /** Requires a rank-1 tensor and returns its length. */
    static int vector(String op, String name, Tensor t) {
        notNull(op, name, t);
        if (t.rank() != 1) {
            throw new IllegalArgumentException(op + ": " + name + " must be a vector, got shape " + Arrays.toString(t.shape()));
        }
        return t.size;
    }

    /** Requires last dimension {@code dim} and returns the row count (product of the leading dimensions). */
    static int rows(String op, String name, Tensor t, int dim) {
        notNull(op, name, t);
        if (t.rank() < 1 || t.dim(-1) != dim) {
            throw new IllegalArgumentException(op + ": " + name + " must have last dimension " + dim
                    + ", got shape " + Arrays.toString(t.shape()));
        }
        return dim == 0 ? 0 : t.size / dim;
    }

    static void sameShape(String op, String name, Tensor t, String refName, Tensor ref) {
        notNull(op, name, t);
        if (!Arrays.equals(t.shape(), ref.shape())) {
            throw new IllegalArgumentException(op + ": " + name + " must have the shape of " + refName + " "
                    + Arrays.toString(ref.shape()) + ", got " + Arrays.toString(t.shape()));
        }
    }

    static void size(String op, String name, Tensor t, int expected) {
        notNull(op, name, t);
        if (t.size != expected) {
            throw new IllegalArgumentException(op + ": " + name + " must have " + expected + " elements, got "
                    + t.size + " (shape " + Arrays.toString(t.shape()) + ")");
        }
    }

    static void sameSize(String op, String name, Tensor t, String refName, Tensor ref) {
        notNull(op, name, t);
        if (t.size != ref.size) {
            throw new IllegalArgumentException(op + ": " + name + " must have as many elements as " + refName + " ("
                    + ref.size + "), got " + t.size + " (shape " + Arrays.toString(t.shape()) + ")");
        }
    }

    // ---- family-specific checks, shared by the fast and the reference backend ----

    /** RMSNorm forward: x [..., D] with D = |w|; y like x; rstd [R]. Returns the row count R. */
    static int rmsNormForward(Tensor x, Tensor w, Tensor y, Tensor rstd) {
        String op = "rmsNormForward";
        int rows = normForward(op, x, w, y);
        size(op, "rstd", rstd, rows);
        return rows;
    }

    /** RMSNorm backward: x [..., D] with D = |w|; dy and dx like x; rstd [R]; dw [D]. Returns R. */
    static int rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, Tensor dw) {
        String op = "rmsNormBackward";
        int rows = normBackward(op, x, w, dy, dx);
        size(op, "rstd", rstd, rows);
        size(op, "dw", dw, w.size);
        return rows;
    }

    /** LayerNorm forward: x [..., D] with D = |w|; b [D]; y like x; mean and rstd [R]. Returns R. */
    static int layerNormForward(Tensor x, Tensor w, Tensor b, Tensor y, Tensor mean, Tensor rstd) {
        String op = "layerNormForward";
        int rows = normForward(op, x, w, y);
        size(op, "b", b, w.size);
        size(op, "mean", mean, rows);
        size(op, "rstd", rstd, rows);
        return rows;
    }

    /** LayerNorm backward: x [..., D] with D = |w|; dy and dx like x; mean and rstd [R]; dw and db [D]. Returns R. */
    static int layerNormBackward(Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dw, Tensor db) {
        String op = "layerNormBackward";
        int rows = normBackward(op, x, w, dy, dx);
        size(op, "mean", mean, rows);
        size(op, "rstd", rstd, rows);
        size(op, "dw", dw, w.size);
        size(op, "db", db, w.size);
        return rows;
    }

    /** Norm forward: x [..., D] with D = |w|; y like x. Returns the row count R. */
    private static int normForward(String op, Tensor x, Tensor w, Tensor y) {
        int rows = rows(op, "x", x, vector(op, "w", w));
        sameShape(op, "y", y, "x", x);
        return rows;
    }

    /** Norm backward: x [..., D] with D = |w|; dy and dx like x. Returns the row count R. */
    private static int normBackward(String op, Tensor x, Tensor w, Tensor dy, Tensor dx) {
        int rows = rows(op, "x", x, vector(op, "w", w));
        sameShape(op, "dy", dy, "x", x);
        sameShape(op, "dx", dx, "x", x);
        return rows;
    }

    /** Pointwise forward: y has the size of x. */
    static void pointwise(String op, Tensor x, Tensor y) {
        notNull(op, "x", x);
        sameSize(op, "y", y, "x", x);
    }

    /** Pointwise backward: dy and dx have the size of x. */
    static void pointwise(String op, Tensor x, Tensor dy, Tensor dx) {
        notNull(op, "x", x);
        sameSize(op, "dy", dy, "x", x);
        sameSize(op, "dx", dx, "x", x);
    }

    /** Softmax CE: logits [..., K]; targets and dlogits like logits; rowWeights R elements. Returns R. */
    static int crossEntropy(String op, Tensor logits, Tensor targets, Tensor rowWeights, Tensor dlogits) {
        notNull(op, "logits", logits);
        if (logits.rank() < 1 || logits.dim(-1) < 1) {
            throw new IllegalArgumentException(op + ": logits need at least one class, got shape " + Arrays.toString(logits.shape()));
        }
        int rows = rows(op, "logits", logits, logits.dim(-1));
        sameShape(op, "targets", targets, "logits", logits);
        sameShape(op, "dlogits", dlogits, "logits", logits);
        size(op, "rowWeights", rowWeights, rows);
        return rows;
    }

    /** Masked MSE: pred [..., P]; target and dpred like pred; mask R elements. Returns R. */
    static int maskedMse(String op, Tensor pred, Tensor target, Tensor mask, Tensor dpred) {
        notNull(op, "pred", pred);
        if (pred.rank() < 1 || pred.dim(-1) < 1) {
            throw new IllegalArgumentException(op + ": pred needs a non-empty last dimension, got shape " + Arrays.toString(pred.shape()));
        }
        int rows = rows(op, "pred", pred, pred.dim(-1));
        sameShape(op, "target", target, "pred", pred);
        sameShape(op, "dpred", dpred, "pred", pred);
        size(op, "mask", mask, rows);
        return rows;
    }
}
