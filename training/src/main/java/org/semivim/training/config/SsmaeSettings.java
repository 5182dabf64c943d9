package org.semivim.training.config;

import org.semivim.training.ssmae.SsmaeConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code ssmae} group (ssl-spec.md §2.8, R-G1…R-G7): the gate and admission settings of the SSMAE
 * rules ({@link SsmaeConfig}, the authors' values by default) and the MAE part ({@link MaeSettings}:
 * mask ratio 0.75, the spec's [ours] Fashion-MNIST decoder of width 64–128 with 2–4 blocks: 128 × 2
 * with 4 heads here, and no norm_pix, as [SSMAE-code] {@code ssmae.py}).
 * <pre>
 * gate_start_epoch 10   confidence 0.95   gate_accuracy 70   w_cls 1
 * mask_ratio 0.75   decoder_width 128   decoder_depth 2   decoder_heads 4   norm_pix false
 * </pre>
 */
public record SsmaeSettings(SsmaeConfig gate, MaeSettings mae) {

    public static SsmaeSettings defaults() {
        return new SsmaeSettings(SsmaeConfig.defaults(), new MaeSettings(0.75, 128, 2, 4, false));
    }

    public double maskRatio() { return mae.maskRatio(); }

    public int decoderWidth() { return mae.decoderWidth(); }

    public int decoderDepth() { return mae.decoderDepth(); }

    static SsmaeSettings read(ConfigSection s) {
        SsmaeConfig d = SsmaeConfig.defaults();
        long start = s.integer("gate_start_epoch", d.startEpoch(), 0, 1L << 20);
        double confidence = s.number("confidence", d.confidenceThreshold(), ConfigSection.Interval.closedOpen(0, 1));
        double gateAccuracy = s.number("gate_accuracy", d.gateThresholdPct(), ConfigSection.Interval.closed(0, 100));
        double wCls = s.number("w_cls", d.classificationWeight(), ConfigSection.Interval.closed(0, 1e6));
        MaeSettings mae = MaeSettings.read(s, false);
        s.rejectUnknown();
        return new SsmaeSettings(new SsmaeConfig(start, confidence, gateAccuracy, wCls), mae);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gate_start_epoch", gate.startEpoch());
        m.put("confidence", gate.confidenceThreshold());
        m.put("gate_accuracy", gate.gateThresholdPct());
        m.put("w_cls", gate.classificationWeight());
        mae.putInto(m);
        return m;
    }
}
