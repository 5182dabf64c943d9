package org.semivim.training.ssmae;

import org.semivim.data.io.ImageDataset;
import org.semivim.data.store.PseudoLabelMemory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SSMAE method state a finished run reports (result.json's {@code "method_state"}; ssl-spec.md §4.4:
 * "SSMAE: gate state, hc_acc, memory size and memory accuracy"). The checkpoint holds the whole memory;
 * this is its summary:
 * <pre>
 * "gate":            the last epoch's gate {"epoch", "evaluated", "enabled", "hc_acc", "hc_count", "validation_count"} (null before a step)
 * "epochs":          steps run / steps per epoch (SsmaeSchedule)
 * "memory_size":     memorised unlabeled samples
 * "memory_accuracy": fraction whose memorised label is the hidden true label (null when the memory is empty)
 * "memory_by_label": memorised samples per pseudo-label class [K]
 * </pre>
 */
public final class SsmaeRunSummary {
    private SsmaeRunSummary() {}

    /** The summary of {@code trainer} now; {@code train} is the training set (its hidden labels score the memory). */
    public static Map<String, Object> of(SsmaeTrainer trainer, ImageDataset train) {
        List<PseudoLabelMemory.Memorised> memory = trainer.memory();
        int[] byLabel = new int[trainer.model().numClasses()];
        int correct = 0;
        for (PseudoLabelMemory.Memorised m : memory) {
            byLabel[m.label()]++;
            if (m.label() == train.label(m.sampleIndex())) correct++;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("gate", SsmaeMemoryState.toState(trainer.gate(), List.of()).get("gate"));
        out.put("epochs", (double) trainer.nextStep() / trainer.schedule().stepsPerEpoch());
        out.put("memory_size", memory.size());
        out.put("memory_accuracy", memory.isEmpty() ? null : (double) correct / memory.size());
        out.put("memory_by_label", byLabel);
        return out;
    }
}
