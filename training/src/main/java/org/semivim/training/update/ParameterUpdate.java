package org.semivim.training.update;

import java.util.Map;

/**
 * The method-specific end of phase (6): given the Adam direction u of this step (moments already
 * advanced, once) and the scheduled lr, write the new student and teacher in place. Returns the
 * method's fields for the step record (empty for the plain updates; LyapEMA's α, d, V, s, λ, …).
 */
public interface ParameterUpdate {

    /**
     * @param student   [P] θS_{t−1} on entry, θS_t on return
     * @param teacher   [P] θT_{t−1} on entry, θT_t on return; null for a method without a teacher
     * @param direction [P] the Adam direction u (not changed)
     * @param lr        the scheduled learning rate η_sched(t)
     */
    Map<String, Object> apply(float[] student, float[] teacher, float[] direction, double lr);
}
