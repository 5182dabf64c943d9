package org.semivim.engine.ops;

import org.semivim.engine.tensor.Shapes;
import org.semivim.engine.tensor.Tensor;

/** Checks the tensors of a {@link ConvOps} call and derives their sizes; shared by both backends. */
final class ConvShape {
    private ConvShape() {}

    /** Sizes of a depthwise conv1d call: x [batch, len, channels], w [channels, taps]. */
    record Conv1d(int batch, int len, int channels, int taps) {}

    /** Sizes of a patchify call: img [batch, chans, height, width], grid gh × gw. */
    record Patches(int batch, int chans, int height, int width, int patch, int stride, int gh, int gw) {
        int count() { return gh * gw; }
        int cols() { return chans * patch * patch; }
    }

    static Tensor need(Tensor t, String what) {
        if (t == null) throw new IllegalArgumentException(what + " must not be null");
        return t;
    }

    static Conv1d conv1d(String op, Tensor x, Tensor w) {
        need(x, op + ": x");
        need(w, op + ": w");
        if (x.rank() != 3) throw new IllegalArgumentException(op + ": x must be [B,L,E] but got " + x);
        int channels = x.dim(2);
        if (w.rank() != 2 || w.dim(0) != channels || w.dim(1) < 1) {
            throw new IllegalArgumentException(op + ": w must be [E,K] = [" + channels + ",K≥1] (the official (E,1,K) weight reshaped) but got " + w);
        }
        return new Conv1d(x.dim(0), x.dim(1), channels, w.dim(1));
    }

    static Conv1d conv1dForward(Tensor x, Tensor w, Tensor b, Tensor out) {
        Conv1d s = conv1d("depthwiseConv1dForward", x, w);
        need(b, "depthwiseConv1dForward: b").requireShape("depthwiseConv1dForward: b", s.channels);
        need(out, "depthwiseConv1dForward: out").requireShape("depthwiseConv1dForward: out", x.shape());
        return s;
    }

    static Conv1d conv1dBackward(Tensor x, Tensor w, Tensor dout, Tensor dx, Tensor dw, Tensor db) {
        String op = "depthwiseConv1dBackward";
        Conv1d s = conv1d(op, x, w);
        need(dout, op + ": dout").requireShape(op + ": dout", x.shape());
        need(dx, op + ": dx").requireShape(op + ": dx", x.shape());
        need(dw, op + ": dw").requireShape(op + ": dw", w.shape());
        need(db, op + ": db").requireShape(op + ": db", s.channels);
        return s;
    }

    /** Checks img [B,C,H,W] and the patch matrix [B, gh·gw, C·p·p] (called patches or dpatches in messages). */
    static Patches patches(String op, Tensor img, int patch, int stride, Tensor patches, String patchesName) {
        need(img, op + ": image");
        need(patches, op + ": " + patchesName);
        if (img.rank() != 4) throw new IllegalArgumentException(op + ": image must be [B,C,H,W] but got " + img);
        if (patch < 1 || stride < 1) {
            throw new IllegalArgumentException(op + ": patch and stride must be positive, got patch " + patch + ", stride " + stride);
        }
        int h = img.dim(2), w = img.dim(3);
        if (h < patch || w < patch) {
            throw new IllegalArgumentException(op + ": image " + img + " is smaller than the patch " + patch + "×" + patch);
        }
        Patches s = new Patches(img.dim(0), img.dim(1), h, w, patch, stride,
                (h - patch) / stride + 1, (w - patch) / stride + 1);
        Shapes.numel(s.batch, s.count(), s.cols());
        patches.requireShape(op + ": " + patchesName, s.batch, s.count(), s.cols());
        return s;
    }
}
