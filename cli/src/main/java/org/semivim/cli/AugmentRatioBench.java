package org.semivim.cli;

import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.AugmentView;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.data.io.FashionMnist;
import org.semivim.data.io.GeneratedDataset;
import org.semivim.data.io.ImageDataset;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.Parallel;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * Issue 3's target: augmenting one SSL step's images takes under 10 % of that step's time at the
 * Fashion-MNIST ViM preset. Measures, in one run on the same machine, (a) rendering the step's views
 * (B_l labeled weak + B_u unlabeled weak + B_u strong, normalised floats) and (b) the step's
 * compute: teacher forward on the B_u weak views, then student forward + backward on B_l + B_u
 * images and an AdamW update; prints both and their ratio.
 */
@Command(name = "augment-ratio", description = "Time of one SSL step's augmentation vs that step's model compute, and the ratio.")
final class AugmentRatioBench implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "vim-fmnist-small", description = "preset (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--labeled-batch", defaultValue = "64", description = "B_l (default ${DEFAULT-VALUE})")
    int bl;

    @Option(names = "--mu-ratio", defaultValue = "2", description = "B_u = mu_ratio·B_l (default ${DEFAULT-VALUE}, ssl-spec [ours] FixMatch-LT)")
    int mu;

    @Option(names = "--steps", defaultValue = "3", description = "timed steps (default ${DEFAULT-VALUE})")
    int steps;

    @Override
    public Integer call() throws IOException {
        if (bl < 1 || mu < 1 || steps < 1) throw new IllegalArgumentException("--labeled-batch, --mu-ratio and --steps must be positive");
        ImageDataset train = FashionMnist.isPresent(FashionMnist.defaultDirectory())
                ? FashionMnist.loadTrain(FashionMnist.defaultDirectory(), FashionMnist.Md5Check.SKIP)
                : GeneratedDataset.create(1, 10, 600, 28);
        BatchAugmenter augmenter = new BatchAugmenter(train, new FixMatchAugment(1, AugmentConfig.fixMatch(28)), Normalization.fashionMnist());
        ImageClassifier student = ModelSpec.resolve(model).create(Ops.cpu(), 1);
        ImageClassifier teacher = ModelSpec.resolve(model).create(Ops.cpu(), 1);
        AdamW adam = new AdamW(student.parameters(), 0.05);
        int bu = bl * mu, k = student.numClasses();
        System.out.printf("model=%s B_l=%d B_u=%d threads=%d data=%s%n", model, bl, bu, Parallel.threads(),
                train.count() == 60_000 ? "fashion-mnist" : "generated");

        double[] augMs = new double[steps], stepMs = new double[steps];
        for (int s = -1; s < steps; s++) {                    // s = -1: warm-up
            int[] labeled = new int[bl], unlabeled = new int[bu];
            for (int i = 0; i < bl; i++) labeled[i] = (int) (((s + 2L) * bl + i) * 7919 % train.count());
            for (int i = 0; i < bu; i++) unlabeled[i] = (int) (((s + 2L) * bu + i) * 104729 % train.count());
            long t0 = System.nanoTime();
            Tensor xl = augmenter.render(labeled, s + 2, AugmentView.WEAK);
            Tensor uw = augmenter.render(unlabeled, s + 2, AugmentView.WEAK);
            Tensor us = augmenter.render(unlabeled, s + 2, AugmentView.STRONG);
            long t1 = System.nanoTime();
            teacher.forward(uw, ForwardMode.eval());
            Tensor both = Tensor.zeros(bl + bu, xl.dim(1), xl.dim(2), xl.dim(3));
            System.arraycopy(xl.data, xl.offset, both.data, 0, xl.size);
            System.arraycopy(us.data, us.offset, both.data, xl.size, us.size);
            student.parameters().zeroGrads();
            ImageClassifier.Pass pass = student.forward(both, ForwardMode.train(CounterRng.of(1, "drop").derive(s + 2)));
            Tensor targets = Tensor.zeros(bl + bu, k), weights = Tensor.zeros(bl + bu), dLogits = Tensor.zeros(bl + bu, k);
            for (int b = 0; b < bl + bu; b++) {
                targets.data[b * k + b % k] = 1f;
                weights.data[b] = 1f / (bl + bu);
            }
            Ops.cpu().loss().softmaxCrossEntropy(pass.logits(), targets, weights, dLogits);
            student.backward(pass, dLogits, null);
            adam.step(1e-4);
            long t2 = System.nanoTime();
            if (s >= 0) {
                augMs[s] = (t1 - t0) / 1e6;
                stepMs[s] = (t2 - t1) / 1e6;
            }
        }
        Arrays.sort(augMs);
        Arrays.sort(stepMs);
        double aug = augMs[steps / 2], compute = stepMs[steps / 2];
        System.out.printf("augmentation_ms(median)=%.2f step_compute_ms(median)=%.1f ratio=%.4f (target < 0.10)%n", aug, compute, aug / compute);
        return 0;
    }
}
