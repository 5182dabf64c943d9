package org.semivim.training.ssmae;

import org.semivim.data.store.PseudoLabelMemory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SSMAE's method state in a {@code TrainState} (JSON values): the gate of the current epoch and the
 * whole permanent memory, so a resumed run admits and reuses exactly what the uninterrupted run does.
 * <pre>
 * "gate":   {"epoch", "evaluated", "enabled", "hc_acc", "hc_count", "validation_count"}   (null before the first step)
 * "memory": [[sample, label, confidence, epoch], ...]  by ascending sample index
 * </pre>
 */
public final class SsmaeMemoryState {
    private SsmaeMemoryState() {}

    public static Map<String, Object> toState(SsmaeGate.Decision gate, List<PseudoLabelMemory.Memorised> memory) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (gate == null) {
            m.put("gate", null);
        } else {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("epoch", gate.epoch());
            g.put("evaluated", gate.evaluated());
            g.put("enabled", gate.enabled());
            g.put("hc_acc", gate.highConfidenceAccuracy());
            g.put("hc_count", gate.highConfidenceCount());
            g.put("validation_count", gate.validationCount());
            m.put("gate", g);
        }
        List<List<Object>> entries = new ArrayList<>();
        for (PseudoLabelMemory.Memorised e : memory) entries.add(List.of(e.sampleIndex(), e.label(), (double) e.confidence(), e.epoch()));
        m.put("memory", entries);
        return m;
    }

    /** The gate of a state (null when none was decided yet). */
    public static SsmaeGate.Decision gateOf(Map<String, Object> state) {
        requireKeys(state);
        Object raw = state.get("gate");
        if (raw == null) return null;
        if (!(raw instanceof Map<?, ?> g)) throw new IllegalArgumentException("SSMAE state: 'gate' must be an object or null, got " + raw);
        return new SsmaeGate.Decision(integer(g.get("epoch"), "gate.epoch"), bool(g.get("evaluated"), "gate.evaluated"),
                bool(g.get("enabled"), "gate.enabled"), number(g.get("hc_acc"), "gate.hc_acc"),
                (int) integer(g.get("hc_count"), "gate.hc_count"), (int) integer(g.get("validation_count"), "gate.validation_count"));
    }

    /** The memorised samples of a state, in stored order. */
    public static List<PseudoLabelMemory.Memorised> memoryOf(Map<String, Object> state) {
        requireKeys(state);
        if (!(state.get("memory") instanceof List<?> list)) throw new IllegalArgumentException("SSMAE state: 'memory' must be a list");
        List<PseudoLabelMemory.Memorised> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof List<?> e) || e.size() != 4) {
                throw new IllegalArgumentException("SSMAE state: memory entry " + o + " is not [sample, label, confidence, epoch]");
            }
            out.add(new PseudoLabelMemory.Memorised((int) integer(e.get(0), "memory sample"), (int) integer(e.get(1), "memory label"),
                    (float) number(e.get(2), "memory confidence"), integer(e.get(3), "memory epoch")));
        }
        return out;
    }

    private static void requireKeys(Map<String, Object> state) {
        if (!state.keySet().equals(java.util.Set.of("gate", "memory"))) {
            throw new IllegalArgumentException("SSMAE state must hold exactly 'gate' and 'memory', got " + state.keySet());
        }
    }

    private static long integer(Object o, String what) {
        if (o instanceof Integer || o instanceof Long) return ((Number) o).longValue();
        throw new IllegalArgumentException("SSMAE state: " + what + " must be an integer, got " + o);
    }

    private static double number(Object o, String what) {
        if (o instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("SSMAE state: " + what + " must be a number, got " + o);
    }

    private static boolean bool(Object o, String what) {
        if (o instanceof Boolean b) return b;
        throw new IllegalArgumentException("SSMAE state: " + what + " must be true or false, got " + o);
    }
}
