package org.semivim.data.split;

import java.util.Arrays;
import org.semivim.data.io.ImageDataset;
import org.semivim.data.sampling.CounterShuffle;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.rng.RandomStream;

/**
 * Draws a {@link LongTailSplit} exactly as ssl-spec.md §4.2 prescribes: for each class k = 0..C−1
 * in order, take that class's training indices in ascending order and Fisher–Yates-shuffle them
 * with one seeded RNG shared across classes; the first validationPerClass are validation, the next
 * N_k labeled, the next M_k unlabeled (protocol B: the next P_k, of which L_k labeled and the rest
 * unlabeled — which is the same as labeled = L_k, unlabeled = P_k − L_k). The test set is not
 * touched.
 *
 * <p>The shared RNG is {@code CounterRng.of(seed, "semivim.split").cursor()}: one stream whose
 * counter continues from class to class, so class k's shuffle uses the counters after the
 * n_0−1 + … + n_{k−1}−1 draws of the classes before it ({@link CounterShuffle}).
 */
public final class LongTailSplitter {
    public static final String RNG_STREAM = "semivim.split";

    private LongTailSplitter() {}

    public static LongTailSplit split(ImageDataset train, SplitProtocol protocol, long seed) {
        if (train.numClasses() != protocol.numClasses()) {
            throw new IllegalArgumentException("protocol " + protocol.name() + " is for " + protocol.numClasses()
                    + " classes but " + train.name() + " has " + train.numClasses());
        }
        return split(train.labels(), train.labelsDigest(), protocol, seed, train.name());
    }

    /** The split of a training set given by its labels; {@code labelsDigest} is recorded in the split. */
    public static LongTailSplit split(int[] labels, String labelsDigest, SplitProtocol protocol, long seed, String dataName) {
        int numClasses = protocol.numClasses();
        int[][] byClass = indicesByClass(labels, numClasses, dataName);
        int[] labeledCounts = protocol.labeledCounts();
        int[] unlabeledCounts = protocol.unlabeledCounts();
        int v = protocol.validationPerClass();
        for (int k = 0; k < numClasses; k++) {
            int need = protocol.requiredPerClass(k);
            if (byClass[k].length < need) {
                throw new IllegalArgumentException(dataName + ": protocol " + protocol.name() + " needs " + need + " images of class " + k
                        + " (" + v + " validation + " + labeledCounts[k] + " labeled + " + unlabeledCounts[k]
                        + " unlabeled) but the data has " + byClass[k].length);
            }
        }
        int totalLabeled = Arrays.stream(labeledCounts).sum();
        int totalUnlabeled = Arrays.stream(unlabeledCounts).sum();
        int[] validation = new int[v * numClasses];
        int[] labeled = new int[totalLabeled];
        int[] unlabeled = new int[totalUnlabeled];
        int nv = 0, nl = 0, nu = 0;
        RandomStream shared = CounterRng.of(seed, RNG_STREAM).cursor();
        for (int k = 0; k < numClasses; k++) {
            int[] order = byClass[k];                      // ascending, then shuffled in place
            CounterShuffle.shuffle(order, shared);
            System.arraycopy(order, 0, validation, nv, v);
            nv += v;
            System.arraycopy(order, v, labeled, nl, labeledCounts[k]);
            nl += labeledCounts[k];
            System.arraycopy(order, v + labeledCounts[k], unlabeled, nu, unlabeledCounts[k]);
            nu += unlabeledCounts[k];
        }
        return new LongTailSplit(LongTailSplit.idOf(protocol, seed), protocol, seed, labelsDigest, validation, labeled, unlabeled);
    }

    private static int[][] indicesByClass(int[] labels, int numClasses, String dataName) {
        int[] counts = new int[numClasses];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(dataName + ": label " + labels[i] + " of image " + i + " outside [0, " + numClasses + ")");
            }
            counts[labels[i]]++;
        }
        int[][] byClass = new int[numClasses][];
        for (int k = 0; k < numClasses; k++) byClass[k] = new int[counts[k]];
        int[] fill = new int[numClasses];
        for (int i = 0; i < labels.length; i++) byClass[labels[i]][fill[labels[i]]++] = i;  // ascending by construction
        return byClass;
    }
}
