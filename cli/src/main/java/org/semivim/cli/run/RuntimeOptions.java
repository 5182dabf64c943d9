package org.semivim.cli.run;

/**
 * How a runtime executes a run (never what it computes).
 *
 * @param trainers     StudentTrainer actors (actor runtime)
 * @param augmenters   Augmenter actors (actor runtime)
 * @param evalBatch    images per forward pass of the periodic evaluation
 * @param testEveryEval the periodic evaluation also runs the test set (else only at the end)
 */
public record RuntimeOptions(int trainers, int augmenters, int evalBatch, boolean testEveryEval) {
    public RuntimeOptions {
        if (trainers < 1) throw new IllegalArgumentException("--trainers must be at least 1, got " + trainers);
        if (augmenters < 1) throw new IllegalArgumentException("--augmenters must be at least 1, got " + augmenters);
        if (evalBatch < 1) throw new IllegalArgumentException("--eval-batch must be at least 1, got " + evalBatch);
    }
}
