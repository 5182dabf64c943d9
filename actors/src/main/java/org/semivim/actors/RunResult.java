package org.semivim.actors;

/**
 * The end of a run: the number of committed steps and the final parameters.
 *
 * @param student [P] θS
 * @param teacher [P] θT, or null for a method without a teacher
 */
public record RunResult(long steps, float[] student, float[] teacher) {}
