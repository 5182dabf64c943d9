package org.semivim.training.config;

import org.semivim.training.ssmae.SsmaeConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code ssmae} group (ssl-spec.md §2.8, R-G1…R-G7): the gate and admission settings of the SSMAE
 * rules ({@link SsmaeConfig}, the authors' values by default) and the MAE part (mask ratio 0.75, the
 * spec's [ours] Fashion-MNIST decoder of width 64–128 with 2–4 blocks: 128 × 2 here).
 * <pre>
 * gate_start_epoch 10   confidence 0.95   gate_accuracy 70   w_cls 1   mask_ratio 0.75   decoder_width 128   decoder_depth 2
 * </pre>
 */
public record SsmaeSettings(SsmaeConfig gate, double maskRatio, int decoderWidth, int decoderDepth) {

    public static SsmaeSettings defaults() {
        return new SsmaeSettings(SsmaeConfig.defaults(), 0.75, 128, 2);
    }

    static SsmaeSettings read(ConfigSection s) {
        SsmaeConfig d = SsmaeConfig.defaults();
        long start = s.integer("gate_start_epoch", d.startEpoch(), 0, 1L << 20);
        double confidence = s.number("confidence", d.confidenceThreshold(), ConfigSection.Interval.closedOpen(0, 1));
        double gateAccuracy = s.number("gate_accuracy", d.gateThresholdPct(), ConfigSection.Interval.closed(0, 100));
        double wCls = s.number("w_cls", d.classificationWeight(), ConfigSection.Interval.closed(0, 1e6));
        double maskRatio = s.number("mask_ratio", 0.75, ConfigSection.Interval.open(0, 1));
        int width = s.integer("decoder_width", 128, 1, 1 << 16);
        int depth = s.integer("decoder_depth", 2, 1, 1024);
        s.rejectUnknown();
        return new SsmaeSettings(new SsmaeConfig(start, confidence, gateAccuracy, wCls), maskRatio, width, depth);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gate_start_epoch", gate.startEpoch());
        m.put("confidence", gate.confidenceThreshold());
        m.put("gate_accuracy", gate.gateThresholdPct());
        m.put("w_cls", gate.classificationWeight());
        m.put("mask_ratio", maskRatio);
        m.put("decoder_width", decoderWidth);
        m.put("decoder_depth", decoderDepth);
        return m;
    }
}
