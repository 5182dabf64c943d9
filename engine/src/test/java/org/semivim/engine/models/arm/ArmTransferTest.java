package org.semivim.engine.models.arm;

import org.junit.jupiter.api.Test;
import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.SinCosPositionEmbedding;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VisionMamba;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.tensor.Tensor;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArmTransferTest {

    /** A trained-looking ARM (init + jitter, so forward and backward twins differ before the copy). */
    private static ArmModel trainedArm(ArmConfig cfg) {
        ArmModel arm = new ArmModel(cfg, Ops.cpu());
        arm.initialize(1);
        ArmModelTest.jitter(arm.parameters(), 2);
        return arm;
    }

    @Test
    void everyCopiedTensorEqualsItsSourceAndTheRestKeepTheirInit() {
        ArmConfig cfg = ArmConfig.fashionMnist(VimConfig.preset("vim-fmnist-tiny"));
        ArmModel arm = trainedArm(cfg);
        VisionMamba vim = new VisionMamba(cfg.target(), Ops.cpu());
        vim.initialize(3);
        float[] before = vim.parameters().flatValues().toArray();
        List<String> written = ArmTransfer.transfer(ArmTransfer.encoderWeights(arm), cfg, vim.parameters(),
                ArmTransfer.PositionPolicy.KEEP_INIT);
        Map<String, String> twins = ArmTransfer.twinNames(cfg.target());
        assertEquals(4 * 7, twins.size());
        Set<String> touched = new HashSet<>(written);
        for (String name : arm.encoderParameterNames()) {
            float[] src = arm.parameters().get(name).value().toArray();
            assertArrayEquals(src, vim.parameters().get(name).value().toArray(), name);
            if (twins.containsKey(name)) assertArrayEquals(src, vim.parameters().get(twins.get(name)).value().toArray(), twins.get(name));
        }
        for (String twin : twins.values()) assertTrue(touched.contains(twin), twin);
        assertEquals(arm.encoderParameterNames().size() + twins.size(), written.size());
        // cls_token, pos_embed, head, norm_f: the ViM's own initial values
        int off = 0;
        for (Parameter p : vim.parameters().parameters()) {
            if (!touched.contains(p.name())) {
                for (int i = 0; i < p.value().size; i++) assertEquals(before[off + i], p.value().get(i), p.name());
            }
            off += p.value().size;
        }
        for (String fresh : List.of("cls_token", "pos_embed", "head.weight", "head.bias", "norm_f.weight")) assertFalse(touched.contains(fresh));
        // the transferred model runs
        Tensor logits = vim.forward(ArmModelTest.random(4, 1f, 2, 1, 28, 28), ForwardMode.eval()).logits();
        for (float v : logits.toArray()) assertTrue(Float.isFinite(v));
    }

    @Test
    void resampledPositionsAreTheSinCosCodeAtShiftedCentres() {
        VimConfig t = VimConfig.preset("vim-fmnist-tiny");
        ArmConfig shifted = ArmConfig.fashionMnist(t);               // pad 2, patch 4 → shift 0.5
        float[] pos = ArmTransfer.resampledPositions(shifted);
        int d = t.embedDim(), c = t.clsIndex();
        for (int j = 0; j < d; j++) assertEquals(0f, pos[c * d + j], "class token row");
        // patch (0,1) (sequence position 1): x = 1.5, y = 0.5; first sine frequency is 1
        assertEquals((float) Math.sin(1.5), pos[d], 1e-7);
        assertEquals((float) Math.sin(0.5), pos[d + d / 2], 1e-7);
        // with no shift (pad 0 on a 32-px target) it is exactly MAE's table with the class token spliced in
        VimConfig t32 = t.withOverrides(Map.of("img_size", 32));
        ArmConfig noPad = new ArmConfig(t32, 0, 0, 2, 64, 2, 32, 4);
        float[] p0 = ArmTransfer.resampledPositions(noPad);
        double[] mae = SinCosPositionEmbedding.table(d, t32.grid(), 0);
        int c32 = t32.clsIndex();
        for (int m = 0; m < t32.numPatches(); m++) {
            int s = m < c32 ? m : m + 1;
            for (int j = 0; j < d; j++) assertEquals((float) mae[m * d + j], p0[s * d + j], "patch " + m);
        }
        ArmModel arm = trainedArm(shifted);
        VisionMamba vim = new VisionMamba(t, Ops.cpu());
        vim.initialize(5);
        ArmTransfer.transfer(ArmTransfer.encoderWeights(arm), shifted, vim.parameters(), ArmTransfer.PositionPolicy.RESAMPLED_SINCOS);
        assertArrayEquals(pos, vim.parameters().get("pos_embed").value().toArray());
    }

    @Test
    void missingWrongShapedOrForeignTensorsAreRefused() {
        ArmConfig cfg = ArmConfig.fashionMnist(VimConfig.preset("vim-fmnist-tiny"));
        ArmModel arm = trainedArm(cfg);
        VisionMamba vim = new VisionMamba(cfg.target(), Ops.cpu());
        Map<String, Tensor> w = new LinkedHashMap<>(ArmTransfer.encoderWeights(arm));
        w.remove("layers.2.mixer.x_proj.weight");
        var e1 = assertThrows(IllegalArgumentException.class,
                () -> ArmTransfer.transfer(w, cfg, vim.parameters(), ArmTransfer.PositionPolicy.KEEP_INIT));
        assertTrue(e1.getMessage().contains("layers.2.mixer.x_proj.weight"), e1.getMessage());
        w.put("layers.2.mixer.x_proj.weight", Tensor.zeros(3, 3));
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> ArmTransfer.transfer(w, cfg, vim.parameters(), ArmTransfer.PositionPolicy.KEEP_INIT));
        assertTrue(e2.getMessage().contains("shape"), e2.getMessage());
        Map<String, Tensor> extra = new LinkedHashMap<>(ArmTransfer.encoderWeights(arm));
        extra.put("enc2dec.weight", arm.parameters().get("enc2dec.weight").value());
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> ArmTransfer.transfer(extra, cfg, vim.parameters(), ArmTransfer.PositionPolicy.KEEP_INIT));
        assertTrue(e3.getMessage().contains("enc2dec.weight"), e3.getMessage());
    }
}
