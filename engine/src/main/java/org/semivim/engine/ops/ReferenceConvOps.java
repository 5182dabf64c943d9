package org.semivim.engine.ops;

import org.semivim.engine.reference.ActivationRef;
import org.semivim.engine.reference.ConvRef;
import org.semivim.engine.tensor.Tensor;

import static org.semivim.engine.ops.ReferenceScanOps.accumulate;
import static org.semivim.engine.ops.ReferenceScanOps.store;
import static org.semivim.engine.ops.ReferenceScanOps.toDouble;

/**
 * The plain convolutions: copies to double, runs {@link ConvRef}, rounds the results to float once,
 * so this backend IS the double reference. One thread.
 */
public final class ReferenceConvOps implements ConvOps, ConvSiluOps {

    @Override
    public void depthwiseConv1dForward(Tensor x, Tensor w, Tensor b, boolean reverse, Tensor out) {
        ConvShape.Conv1d s = ConvShape.conv1dForward(x, w, b, out);
        double[] outd = new double[out.size]; // [B,L,E]
        ConvRef.depthwiseConv1dForward(toDouble(x), toDouble(w), toDouble(b), reverse, outd,
                s.batch(), s.len(), s.channels(), s.taps());
        store(outd, out);
    }

    @Override
    public void depthwiseConv1dBackward(Tensor x, Tensor w, boolean reverse, Tensor dout, Tensor dx, Tensor dw, Tensor db) {
        ConvShape.Conv1d s = ConvShape.conv1dBackward(x, w, dout, dx, dw, db);
        double[] gx = new double[dx.size], gw = new double[dw.size], gb = new double[db.size]; // [B,L,E], [E,K], [E]
        ConvRef.depthwiseConv1dBackward(toDouble(x), toDouble(w), reverse, toDouble(dout), gx, gw, gb,
                s.batch(), s.len(), s.channels(), s.taps());
        accumulate(gx, dx);
        accumulate(gw, dw);
        accumulate(gb, db);
    }

    /** pre = conv1d(x) rounded to float, then u = SiLU of that stored pre (the composition of the two reference ops). */
    @Override
    public void depthwiseConv1dSiluForward(Tensor x, Tensor w, Tensor b, boolean reverse, Tensor pre, Tensor u) {
        depthwiseConv1dForward(x, w, b, reverse, pre);
        OpChecks.pointwise("depthwiseConv1dSiluForward", pre, u);
        double[] ud = new double[u.size];                 // [B,L,E]
        ActivationRef.siluForward(toDouble(pre), ud);
        store(ud, u);
    }

    /** In double throughout (∂L/∂pre is not rounded to float on the way). */
    @Override
    public void depthwiseConv1dSiluBackward(Tensor x, Tensor w, Tensor pre, boolean reverse, Tensor du, Tensor dx, Tensor dw,
                                            Tensor db) {
        ConvShape.Conv1d s = ConvShape.conv1dBackward(x, w, du, dx, dw, db);
        OpChecks.pointwise("depthwiseConv1dSiluBackward", x, pre, du);
        double[] gx = new double[dx.size], gw = new double[dw.size], gb = new double[db.size]; // [B,L,E], [E,K], [E]
        ConvRef.depthwiseConv1dSiluBackward(toDouble(x), toDouble(w), toDouble(pre), reverse, toDouble(du), gx, gw, gb,
                s.batch(), s.len(), s.channels(), s.taps());
        accumulate(gx, dx);
        accumulate(gw, dw);
        accumulate(gb, db);
    }

    @Override
    public void patchify(Tensor img, int patch, int stride, Tensor patches) {
        ConvShape.Patches s = ConvShape.patches("patchify", img, patch, stride, patches, "patches");
        double[] cols = new double[patches.size]; // [B, M, C·p·p]
        ConvRef.patchify(toDouble(img), s.batch(), s.chans(), s.height(), s.width(), patch, stride, cols);
        store(cols, patches);
    }

    @Override
    public void unpatchifyAccumulate(Tensor dpatches, int patch, int stride, Tensor dimg) {
        ConvShape.Patches s = ConvShape.patches("unpatchifyAccumulate", dimg, patch, stride, dpatches, "dpatches");
        double[] gimg = new double[dimg.size]; // [B,C,H,W]
        ConvRef.unpatchifyAccumulate(toDouble(dpatches), s.batch(), s.chans(), s.height(), s.width(), patch, stride, gimg);
        accumulate(gimg, dimg);
    }
}
