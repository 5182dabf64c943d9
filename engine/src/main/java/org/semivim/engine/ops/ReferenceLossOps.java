package org.semivim.engine.ops;

import org.semivim.engine.reference.LossRef;
import org.semivim.engine.tensor.Tensor;

/** The plain loss backend: copies to double, runs {@link LossRef}, rounds the gradient to float. */
public final class ReferenceLossOps implements LossOps {

    @Override
    public double softmaxCrossEntropy(Tensor logits, Tensor targets, Tensor rowWeights, Tensor dlogits) {
        int rows = OpChecks.crossEntropy("softmaxCrossEntropy", logits, targets, rowWeights, dlogits);
        double[] dlogitsD = DoubleCopies.of(dlogits);
        double loss = LossRef.softmaxCrossEntropy(DoubleCopies.of(logits), DoubleCopies.of(targets),
                DoubleCopies.of(rowWeights), dlogitsD, rows, logits.dim(-1));
        DoubleCopies.store(dlogitsD, dlogits);
        return loss;
    }

    @Override
    public double maskedMse(Tensor pred, Tensor target, Tensor mask, Tensor dpred) {
        int rows = OpChecks.maskedMse("maskedMse", pred, target, mask, dpred);
        double[] dpredD = DoubleCopies.of(dpred);
        double loss = LossRef.maskedMse(DoubleCopies.of(pred), DoubleCopies.of(target), DoubleCopies.of(mask), dpredD,
                rows, pred.dim(-1));
        DoubleCopies.store(dpredD, dpred);
        return loss;
    }
}
