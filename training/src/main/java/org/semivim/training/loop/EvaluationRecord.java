package org.semivim.training.loop;

import org.semivim.training.eval.Evaluation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One evaluation of the loop ({@link PeriodicEvaluator}): the student and (when the method has one)
 * the teacher on the validation split and, when scheduled, on the test set, after {@code step}
 * committed steps; plus the best-by-validation point known after it (ssl-spec.md §1.4).
 *
 * @param type           {@link #PERIODIC} (every eval_every steps and at the end) or {@link #BEST}
 *                       (written once at the end: the best-by-validation point with its test evaluation)
 * @param step           steps run when the parameters were taken (the train state's step)
 * @param primary        "teacher" for a method with a teacher (R-L11, §1.4), else "student"
 * @param validation     role ("student", "teacher") → evaluation on the validation split
 * @param test           role → evaluation on the test set; empty when the test set was not evaluated
 * @param bestStep       the step of the best validation top-1 of the primary model so far
 * @param bestValidationTop1 that top-1
 */
public record EvaluationRecord(String type, long step, String primary, Map<String, Evaluation> validation, Map<String, Evaluation> test,
                               long bestStep, double bestValidationTop1) {
    public static final String PERIODIC = "eval", BEST = "best";

    public EvaluationRecord {
        validation = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(validation));
        test = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(test));
    }

    /** The primary model's evaluation on the validation split. */
    public Evaluation primaryValidation() {
        return validation.get(primary);
    }

    /** The primary model's evaluation on the test set, or null when the test set was not evaluated. */
    public Evaluation primaryTest() {
        return test.get(primary);
    }

    /** The fields of one JSON line (without "step", which the log writes itself). */
    public Map<String, Object> toFields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("primary", primary);
        m.put("best_step", bestStep);
        m.put("best_validation_top1", bestValidationTop1);
        m.put("validation", validation);
        if (!test.isEmpty()) m.put("test", test);
        return m;
    }
}
