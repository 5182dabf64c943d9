package org.semivim.engine.ops;

import org.semivim.engine.reference.ConvRef;
import org.semivim.engine.tensor.Tensor;

import static org.semivim.engine.ops.ReferenceScanOps.accumulate;
import static org.semivim.engine.ops.ReferenceScanOps.store;
import static org.semivim.engine.ops.ReferenceScanOps.toDouble;

/**
 * The plain convolutions: copies to double, runs {@link ConvRef}, rounds the results to float once,
 * so this backend IS the double reference. One thread.
 */
public final class ReferenceConvOps implements ConvOps {

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
