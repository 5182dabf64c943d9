package org.semivim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.ModelSpec;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PredictCommandTest {
    @TempDir
    Path dir;

    /** A model file with the fixture manifest's config keys (a small ViM). */
    private static final String MODEL_JSON = """
            {"img_size": 28, "patch_size": 7, "stride": 0, "in_chans": 1, "embed_dim": 32, "depth": 2,
             "d_state": 16, "expand": 2, "d_conv": 4, "dt_rank": 0, "num_classes": 10, "cls_mode": "middle",
             "final_pool": "mean", "bimamba": "v2", "divide_out": true, "norm_eps": 1e-05}""";

    private record Result(int code, String err) {}

    private static Result run(String... args) {
        var cl = Main.commandLine();
        var err = new ByteArrayOutputStream();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, err.toString());
    }

    private Tensor images(int n) {
        Tensor x = Tensor.zeros(n, 1, 28, 28);
        CounterRng r = CounterRng.of(5, "predict-test");
        for (int i = 0; i < x.size; i++) x.data[i] = (float) r.normal(i);
        return x;
    }

    @Test
    void writesTheLogitsOfTheForwardPass() throws IOException {
        Path modelFile = dir.resolve("model.json");
        Files.writeString(modelFile, MODEL_JSON);
        ImageClassifier net = ModelSpec.resolve(modelFile.toString()).create(Ops.cpu(), 123);
        Path weights = dir.resolve("w.safetensors");
        Safetensors.save(net.parameters(), weights, Map.of());
        Tensor x = images(5);
        Path input = dir.resolve("x.safetensors");
        Safetensors.write(input, Map.of("input", x), null);
        Tensor expected = net.forward(x, ForwardMode.eval()).logits();

        Path out = dir.resolve("y.safetensors");
        Result r = run("predict", "--model", modelFile.toString(), "--weights", weights.toString(),
                "--input", input.toString(), "--out", out.toString(), "--batch", "2");
        assertEquals(0, r.code(), r.err());
        Tensor logits = Safetensors.read(out).tensors().get("logits");
        assertArrayEquals(new int[] {5, 10}, logits.shape());
        // chunks of 2 images give the same logits as one forward pass of all 5 (eval mode is per sample)
        for (int i = 0; i < logits.size; i++) {
            assertEquals(expected.get(i), logits.get(i), 1e-6f * Math.max(1f, Math.abs(expected.get(i))), "logit " + i);
        }
    }

    @Test
    void badInputsAreClearErrors() throws IOException {
        Path modelFile = dir.resolve("model.json");
        Files.writeString(modelFile, MODEL_JSON);
        ImageClassifier net = ModelSpec.resolve(modelFile.toString()).create(Ops.cpu(), 1);
        Path weights = dir.resolve("w.safetensors");
        Safetensors.save(net.parameters(), weights, Map.of());
        Path good = dir.resolve("x.safetensors");
        Safetensors.write(good, Map.of("input", images(2)), null);
        Path out = dir.resolve("y.safetensors");

        Path unknownKey = dir.resolve("bad.json");
        Files.writeString(unknownKey, MODEL_JSON.replace("\"depth\": 2", "\"depth\": 2, \"dpeth\": 3"));
        Result r = run("predict", "--model", unknownKey.toString(), "--weights", weights.toString(), "--input", good.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("dpeth"), r.err());

        r = run("predict", "--model", "vim-nonexistent", "--weights", weights.toString(), "--input", good.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("vim-fmnist-tiny"), "lists the presets: " + r.err());

        Path wrongName = dir.resolve("wrong-name.safetensors");
        Safetensors.write(wrongName, Map.of("images", images(2)), null);
        r = run("predict", "--model", modelFile.toString(), "--weights", weights.toString(), "--input", wrongName.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'input'"), r.err());

        Path wrongShape = dir.resolve("wrong-shape.safetensors");
        Safetensors.write(wrongShape, Map.of("input", Tensor.zeros(2, 3, 28, 28)), null);
        r = run("predict", "--model", modelFile.toString(), "--weights", weights.toString(), "--input", wrongShape.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("[2, 3, 28, 28]"), r.err());

        ImageClassifier other = ModelSpec.resolve("vim-fmnist-tiny").create(Ops.cpu(), 1);
        Path otherWeights = dir.resolve("other.safetensors");
        Safetensors.save(other.parameters(), otherWeights, Map.of());
        r = run("predict", "--model", modelFile.toString(), "--weights", otherWeights.toString(), "--input", good.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("pos_embed"), "names the mismatching parameter: " + r.err());

        Path truncated = dir.resolve("truncated.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        r = run("predict", "--model", modelFile.toString(), "--weights", truncated.toString(), "--input", good.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(truncated.toString()), r.err());
        assertFalse(Files.exists(out), "nothing is written when the command fails");
    }
}
