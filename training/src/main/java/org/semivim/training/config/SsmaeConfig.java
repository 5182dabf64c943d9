package org.semivim.training.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SSMAE keys (ssl-spec.md §2.8 and gate rules R-G1…R-G7), group {@code ssmae}. Defaults: the
 * authors' code (gate from epoch 10, confidence 0.95, gate accuracy 70 %, w_cls 1, mask ratio 0.75)
 * and the spec's [ours] Fashion-MNIST decoder (width 64–128, 2–4 blocks: 128 and 2 here).
 *
 * @param gateStartEpoch W: the gate is evaluated for epochs e ≥ W (0-indexed), R-G2
 * @param confidence     the strict threshold on max probability for HC and for admission (R-G3, R-G4)
 * @param gateAccuracy   hc_acc (percent) at which the gate turns on, compared with ≥ (R-G3)
 * @param wCls           weight of L_cls in L = L_mae + w_cls·L_cls (R-G7)
 * @param maskRatio      MAE mask ratio
 * @param decoderWidth   MAE decoder width
 * @param decoderDepth   MAE decoder blocks
 */
public record SsmaeConfig(int gateStartEpoch, double confidence, double gateAccuracy, double wCls, double maskRatio,
                          int decoderWidth, int decoderDepth) {
    public static final SsmaeConfig DEFAULTS = new SsmaeConfig(10, 0.95, 70.0, 1.0, 0.75, 128, 2);

    static SsmaeConfig read(ConfigSection s) {
        int start = s.integer("gate_start_epoch", DEFAULTS.gateStartEpoch, 0, 1 << 20);
        double confidence = s.number("confidence", DEFAULTS.confidence, ConfigSection.Interval.closedOpen(0, 1));
        double gateAccuracy = s.number("gate_accuracy", DEFAULTS.gateAccuracy, ConfigSection.Interval.closed(0, 100));
        double wCls = s.number("w_cls", DEFAULTS.wCls, ConfigSection.Interval.closed(0, 1e6));
        double maskRatio = s.number("mask_ratio", DEFAULTS.maskRatio, ConfigSection.Interval.open(0, 1));
        int width = s.integer("decoder_width", DEFAULTS.decoderWidth, 1, 1 << 16);
        int depth = s.integer("decoder_depth", DEFAULTS.decoderDepth, 1, 1024);
        s.rejectUnknown();
        return new SsmaeConfig(start, confidence, gateAccuracy, wCls, maskRatio, width, depth);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gate_start_epoch", gateStartEpoch);
        m.put("confidence", confidence);
        m.put("gate_accuracy", gateAccuracy);
        m.put("w_cls", wCls);
        m.put("mask_ratio", maskRatio);
        m.put("decoder_width", decoderWidth);
        m.put("decoder_depth", decoderDepth);
        return m;
    }
}
