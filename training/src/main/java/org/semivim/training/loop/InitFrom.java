package org.semivim.training.loop;

import org.semivim.engine.io.Safetensors;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The {@code init_from} key: starting weights for a model from a safetensors file, by parameter name.
 * Every tensor of the file must name a parameter of the model with the same shape (anything else is
 * an error naming it, and nothing is copied); parameters the file does not hold keep their
 * initialisation. The "fine-tuned MAE" baseline (ssl-spec.md §2.8: §2.9 then §2.1) loads the encoder
 * an MAE pre-training exported (every ViT parameter but {@code head.*}), so the classifier head starts
 * fresh, as in MAE's fine-tuning.
 *
 * @param loaded the parameters copied from the file, in model order
 * @param kept   the parameters left at their initialisation
 */
public record InitFrom(Path file, List<String> loaded, List<String> kept) {

    public InitFrom {
        loaded = List.copyOf(loaded);
        kept = List.copyOf(kept);
    }

    /** Loads {@code file} into {@code params}; see the class comment. */
    public static InitFrom load(ParameterSet params, Path file) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("init_from: " + file + " is not a file");
        Map<String, Tensor> tensors;
        try {
            tensors = Safetensors.read(file).tensors();
        } catch (IOException e) {
            throw new UncheckedIOException("init_from: cannot read " + file + ": " + e.getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        for (var e : tensors.entrySet()) {
            if (!params.contains(e.getKey())) {
                problems.add("'" + e.getKey() + "' names no parameter of the model");
            } else if (!Arrays.equals(params.get(e.getKey()).shape(), e.getValue().shape())) {
                problems.add("'" + e.getKey() + "' has shape " + Arrays.toString(e.getValue().shape()) + ", the model's is "
                        + Arrays.toString(params.get(e.getKey()).shape()));
            }
        }
        if (tensors.isEmpty()) problems.add("the file holds no tensors");
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("init_from " + file + " does not fit the model: " + String.join("; ", problems));
        }
        List<String> loaded = new ArrayList<>(), kept = new ArrayList<>();
        for (Parameter p : params.parameters()) {
            Tensor t = tensors.get(p.name());
            if (t == null) {
                kept.add(p.name());
                continue;
            }
            System.arraycopy(t.data, t.offset, p.value().data, p.value().offset, p.size());
            loaded.add(p.name());
        }
        return new InitFrom(file, loaded, kept);
    }
}
