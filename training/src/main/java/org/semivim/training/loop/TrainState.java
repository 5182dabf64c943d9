package org.semivim.training.loop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything an exact resume needs, between two steps. Every random draw of a run is a function of
 * (seed, step, …) and the samplers' positions are step·B_l and step·B_u, so the step is also the
 * data cursor and the RNG position; the rest is the two parameter sets, the AdamW state and the
 * method's own state (LyapEMA's s, λ, V_prev, γ; SSMAE's gate), as JSON values.
 *
 * <p>Stored as ({@link #toTensors}, {@link #toStateMap}): tensors named {@code student/<param>},
 * {@code teacher/<param>}, {@code adamw_m/<param>}, {@code adamw_v/<param>} with the parameters'
 * shapes (the checkpoint store writes each group to its own safetensors file, so
 * {@code student.safetensors} loads as a model), and a JSON state with the format, version, config
 * hash, step, cursors and method state. {@link #fromParts} checks all of it against a model layout.
 *
 * @param student           [P] θS
 * @param teacher           [P] θT, or null for a method without a teacher
 * @param labeledPosition   the labeled sampler's position (= step·B_l)
 * @param unlabeledPosition the unlabeled sampler's position (= step·B_u)
 * @param methodState       the method's state as JSON values (empty for supervised, FixMatch, EMA-Teacher)
 */
public record TrainState(String configHash, long step, long labeledPosition, long unlabeledPosition, float[] student,
                         float[] teacher, AdamW.State adamW, Map<String, Object> methodState) {

    public static final String FORMAT = "semivim-train-state";
    public static final int VERSION = 1;
    /** Tensor name prefixes: the checkpoint store's groups ("group/name"). */
    public static final String STUDENT = "student/", TEACHER = "teacher/", FIRST_MOMENT = "adamw_m/", SECOND_MOMENT = "adamw_v/";
    private static final ObjectMapper JSON = new ObjectMapper();

    public TrainState {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        if (teacher != null && teacher.length != student.length) {
            throw new IllegalArgumentException("teacher has " + teacher.length + " values, student " + student.length);
        }
        if (adamW.firstMoment().length != student.length || adamW.secondMoment().length != student.length) {
            throw new IllegalArgumentException("AdamW moments do not match the " + student.length + " parameters");
        }
        student = student.clone();
        teacher = teacher == null ? null : teacher.clone();
        adamW = new AdamW.State(adamW.step(), adamW.firstMoment().clone(), adamW.secondMoment().clone());
        methodState = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(methodState));
    }

    @Override
    public float[] student() {
        return student.clone();
    }

    @Override
    public float[] teacher() {
        return teacher == null ? null : teacher.clone();
    }

    @Override
    public AdamW.State adamW() {
        return new AdamW.State(adamW.step(), adamW.firstMoment().clone(), adamW.secondMoment().clone());
    }

    /** The tensors of the state, one per parameter and role, shaped as in {@code layout}. */
    public Map<String, Tensor> toTensors(ParameterSet layout) {
        requireCount(layout);
        Map<String, Tensor> out = new LinkedHashMap<>();
        put(out, STUDENT, student, layout);
        if (teacher != null) put(out, TEACHER, teacher, layout);
        put(out, FIRST_MOMENT, adamW.firstMoment(), layout);
        put(out, SECOND_MOMENT, adamW.secondMoment(), layout);
        return out;
    }

    /** The JSON state: format, version, config hash, step, cursors, AdamW step, teacher presence, method state. */
    public Map<String, Object> toStateMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("version", VERSION);
        m.put("config_hash", configHash);
        m.put("step", step);
        m.put("labeled_position", labeledPosition);
        m.put("unlabeled_position", unlabeledPosition);
        m.put("adamw_step", adamW.step());
        m.put("has_teacher", teacher != null);
        m.put("method_state", methodState);
        return m;
    }

    /** {@link #toStateMap()} as JSON text. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(toStateMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("method state is not JSON-serialisable: " + e.getMessage(), e);
        }
    }

    /** The state back from {@link #toTensors} and {@link #toJson}. */
    public static TrainState fromParts(Map<String, Tensor> tensors, String json, ParameterSet layout) {
        try {
            return fromParts(tensors, JSON.readTree(json), layout);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("train state header is not a JSON object: " + e.getOriginalMessage(), e);
        }
    }

    /** The state back from {@link #toTensors} and {@link #toStateMap} as a JSON tree; every name, shape and field is checked. */
    public static TrainState fromParts(Map<String, Tensor> tensors, JsonNode state, ParameterSet layout) {
        if (state == null || !state.isObject()) throw new IllegalArgumentException("train state header is not a JSON object");
        Map<String, Object> h = JSON.convertValue(state, new TypeReference<LinkedHashMap<String, Object>>() {});
        if (!FORMAT.equals(h.get("format"))) throw new IllegalArgumentException("train state header: format is " + h.get("format") + ", expected " + FORMAT);
        if (!Integer.valueOf(VERSION).equals(h.get("version"))) {
            throw new IllegalArgumentException("train state header: version " + h.get("version") + " is not supported (expected " + VERSION + ")");
        }
        boolean hasTeacher = Boolean.TRUE.equals(h.get("has_teacher"));
        int expected = layout.parameters().size() * (hasTeacher ? 4 : 3);
        if (tensors.size() != expected) {
            throw new IllegalArgumentException("train state has " + tensors.size() + " tensors, expected " + expected + " for this model");
        }
        float[] student = take(tensors, STUDENT, layout);
        float[] teacher = hasTeacher ? take(tensors, TEACHER, layout) : null;
        AdamW.State adam = new AdamW.State(number(h, "adamw_step"), take(tensors, FIRST_MOMENT, layout), take(tensors, SECOND_MOMENT, layout));
        Object hash = h.get("config_hash");
        if (!(hash instanceof String configHash)) throw new IllegalArgumentException("train state header: config_hash is missing");
        Object ms = h.get("method_state");
        if (!(ms instanceof Map<?, ?> rawState)) throw new IllegalArgumentException("train state header: method_state must be an object");
        Map<String, Object> methodState = new LinkedHashMap<>();
        for (var e : rawState.entrySet()) methodState.put(String.valueOf(e.getKey()), e.getValue());
        return new TrainState(configHash, number(h, "step"), number(h, "labeled_position"), number(h, "unlabeled_position"),
                student, teacher, adam, methodState);
    }

    private void requireCount(ParameterSet layout) {
        if (layout.count() != student.length) {
            throw new IllegalArgumentException("train state has " + student.length + " parameters, the model " + layout.count());
        }
    }

    private static void put(Map<String, Tensor> out, String prefix, float[] flat, ParameterSet layout) {
        for (Parameter p : layout.parameters()) {
            out.put(prefix + p.name(), Tensor.wrap(Arrays.copyOfRange(flat, p.offset(), p.offset() + p.size()), p.shape()));
        }
    }

    private static float[] take(Map<String, Tensor> tensors, String prefix, ParameterSet layout) {
        float[] flat = new float[layout.count()];
        for (Parameter p : layout.parameters()) {
            Tensor t = tensors.get(prefix + p.name());
            if (t == null) throw new IllegalArgumentException("train state lacks tensor '" + prefix + p.name() + "'");
            t.requireShape("train state tensor '" + prefix + p.name() + "'", p.shape());
            System.arraycopy(t.data, t.offset, flat, p.offset(), p.size());
        }
        return flat;
    }

    private static long number(Map<String, Object> h, String key) {
        Object v = h.get(key);
        if (v instanceof Integer || v instanceof Long) return ((Number) v).longValue();
        throw new IllegalArgumentException("train state header: '" + key + "' must be an integer, got " + v);
    }
}
