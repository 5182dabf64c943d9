package org.semivim.cli;

import org.semivim.engine.io.Safetensors;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Runs the forward pass (evaluation mode) of a model on a batch of images stored as a safetensors
 * tensor named {@code input} [N,C,H,W] and writes a safetensors file with {@code logits} [N,K].
 */
@Command(name = "predict", description = "Forward pass (eval mode): input [N,C,H,W] from a safetensors file → logits [N,K].")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a preset (vim-tiny, vim-fmnist-small, vit-fmnist-tiny, ...) or a JSON model file")
    String model;

    @Option(names = "--weights", required = true, description = "safetensors file with every parameter under its official name")
    Path weights;

    @Option(names = "--input", required = true, description = "safetensors file holding a float tensor named 'input' [N,C,H,W]")
    Path input;

    @Option(names = "--out", required = true, description = "safetensors file to write, holding 'logits' [N,K]")
    Path out;

    @Option(names = "--batch", defaultValue = "64", description = "images per forward pass (default ${DEFAULT-VALUE})")
    int batch;

    @Override
    public Integer call() throws IOException {
        if (batch < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        ModelSpec spec = ModelSpec.resolve(model);
        ImageClassifier net = spec.create(Ops.cpu(), 0);
        Safetensors.loadInto(net.parameters(), weights, true);

        Map<String, Tensor> tensors = Safetensors.read(input).tensors();
        Tensor images = tensors.get("input");
        if (images == null) {
            throw new IllegalArgumentException(input + " has no tensor named 'input' (found " + tensors.keySet() + ")");
        }
        int[] want = net.inputShape();
        int[] got = images.shape();
        if (got.length != 4 || got[1] != want[0] || got[2] != want[1] || got[3] != want[2]) {
            throw new IllegalArgumentException(input + ": 'input' has shape " + Arrays.toString(got) + " but the model expects [N, "
                    + want[0] + ", " + want[1] + ", " + want[2] + "]");
        }
        Tensor logits = predict(net, images, batch);
        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put("logits", logits);
        Safetensors.write(out, result, Map.of("model", model));
        System.err.printf("semivim predict: %d images → %s (logits [%d, %d])%n", got[0], out, got[0], net.numClasses());
        return 0;
    }

    /** Forward in chunks of {@code batch} images; eval mode, so chunking does not change any logit. */
    static Tensor predict(ImageClassifier net, Tensor images, int batch) {
        int n = images.dim(0), per = images.size / Math.max(1, n), k = net.numClasses();
        int[] shape = images.shape();
        Tensor logits = Tensor.zeros(n, k);
        for (int start = 0; start < n; start += batch) {
            int count = Math.min(batch, n - start);
            shape[0] = count;
            Tensor chunk = Tensor.view(images.data, images.offset + start * per, shape);
            Tensor part = net.forward(chunk, ForwardMode.eval()).logits();
            for (int v = 0; v < part.size; v++) {
                float x = part.get(v);
                if (!Float.isFinite(x)) {
                    throw new IllegalStateException("non-finite logit for image " + (start + v / k) + " (NaN or Inf in the weights or input?)");
                }
            }
            System.arraycopy(part.data, part.offset, logits.data, start * k, count * k);
        }
        return logits;
    }
}
