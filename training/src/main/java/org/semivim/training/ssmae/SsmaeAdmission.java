package org.semivim.training.ssmae;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.semivim.engine.tensor.Tensor;

/**
 * Which unlabeled samples of a step train the classifier, and with which label (ssl-spec.md §2.8,
 * R-G4, R-G5). For each row i of the unlabeled batch, in order:
 * <pre>
 *   if i is memorised:   use its memorised label                      (R-G5, even when the gate is off)
 *   elif gate on and max pw_i &gt; 0.95 and max ps_i &gt; 0.95 and argmax pw_i == argmax ps_i:
 *                        admit i with argmax pw_i                    (R-G4, all strict)
 * </pre>
 * pw, ps are the current model's probabilities on the weak and strong views (no grad, stochastic layers
 * off, R-G6). The decision reads the memory through {@link MemorisedLabels} and returns the new
 * admissions; {@link #commit} writes them (e.g. to the data module's {@code PseudoLabelMemory}, whose
 * {@code labelOf} and {@code admit} fit these interfaces as method references). A sample that
 * appears twice in one batch is admitted once; its second row uses the label of the first.
 */
public final class SsmaeAdmission {
    private SsmaeAdmission() {}

    /** Read access to the permanent memory: the memorised label of a sample, if any. */
    @FunctionalInterface
    public interface MemorisedLabels {
        OptionalInt labelOf(int sampleIndex);
    }

    /** Write access: memorise a sample; returns false when it was memorised already (its label stays). */
    @FunctionalInterface
    public interface Admitter {
        boolean admit(int sampleIndex, int label, float confidence, long epoch);
    }

    /**
     * One unlabeled row that trains the classifier this step.
     *
     * @param row           row in the unlabeled batch (its WEAK view is the input, R-G6)
     * @param sampleIndex   index of the sample in the unlabeled split
     * @param label         its pseudo-label
     * @param newlyAdmitted admitted by this step (false: memorised before)
     * @param confidence    max pw at admission (NaN for a memorised row)
     */
    public record PseudoPair(int row, int sampleIndex, int label, boolean newlyAdmitted, float confidence) {}

    /** The step's pseudo-labeled rows, in batch order. */
    public record Admission(List<PseudoPair> pairs) {
        public Admission {
            pairs = List.copyOf(pairs);
        }

        public int size() {
            return pairs.size();
        }

        /** The rows admitted by this step (to be committed to the memory). */
        public List<PseudoPair> newlyAdmitted() {
            return pairs.stream().filter(PseudoPair::newlyAdmitted).toList();
        }
    }

    /**
     * Decides the step's pseudo-labeled rows. {@code sampleIndices} [B_u]; {@code weakProbabilities},
     * {@code strongProbabilities} [B_u, K]; {@code gateEnabled} from this epoch's {@link SsmaeGate.Decision}.
     */
    public static Admission decide(int[] sampleIndices, Tensor weakProbabilities, Tensor strongProbabilities, boolean gateEnabled,
                                   MemorisedLabels memory, SsmaeConfig config) {
        int batch = sampleIndices.length;
        requireShape("weak-view probabilities", weakProbabilities, batch);
        requireShape("strong-view probabilities", strongProbabilities, batch);
        if (weakProbabilities.dim(1) != strongProbabilities.dim(1)) {
            throw new IllegalArgumentException("SSMAE admission: weak probabilities have " + weakProbabilities.dim(1)
                    + " classes, strong " + strongProbabilities.dim(1));
        }
        List<PseudoPair> pairs = new ArrayList<>();
        Map<Integer, Integer> admittedNow = new HashMap<>();    // sample → label admitted earlier in this batch
        for (int row = 0; row < batch; row++) {
            int sample = sampleIndices[row];
            OptionalInt memorised = memory.labelOf(sample);
            if (memorised.isPresent()) {
                pairs.add(new PseudoPair(row, sample, memorised.getAsInt(), false, Float.NaN));
                continue;
            }
            Integer earlier = admittedNow.get(sample);
            if (earlier != null) {
                pairs.add(new PseudoPair(row, sample, earlier, false, Float.NaN));
                continue;
            }
            if (!gateEnabled) continue;
            int weakLabel = argmax(weakProbabilities, row), strongLabel = argmax(strongProbabilities, row);
            float weakConfidence = value(weakProbabilities, row, weakLabel);
            float strongConfidence = value(strongProbabilities, row, strongLabel);
            if (config.confident(weakConfidence) && config.confident(strongConfidence) && weakLabel == strongLabel) {
                admittedNow.put(sample, weakLabel);
                pairs.add(new PseudoPair(row, sample, weakLabel, true, weakConfidence));
            }
        }
        return new Admission(pairs);
    }

    /** Memorises the step's new admissions at {@code epoch}; returns how many were new to the memory. */
    public static int commit(Admission admission, Admitter memory, long epoch) {
        int written = 0;
        for (PseudoPair p : admission.newlyAdmitted()) {
            if (memory.admit(p.sampleIndex(), p.label(), p.confidence(), epoch)) written++;
        }
        return written;
    }

    private static int argmax(Tensor probabilities, int row) {
        int classes = probabilities.dim(1), base = probabilities.offset + row * classes, best = 0;
        for (int c = 1; c < classes; c++) if (probabilities.data[base + c] > probabilities.data[base + best]) best = c;   // ties: lowest index
        return best;
    }

    private static float value(Tensor probabilities, int row, int column) {
        return probabilities.data[probabilities.offset + row * probabilities.dim(1) + column];
    }

    private static void requireShape(String what, Tensor t, int batch) {
        if (t.rank() != 2 || t.dim(0) != batch) {
            throw new IllegalArgumentException("SSMAE admission: " + what + " must be [" + batch + ", K], got " + t);
        }
    }
}
