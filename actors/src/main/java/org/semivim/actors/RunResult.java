package org.semivim.actors;

/**
 * The end of a run: the number of committed steps and the final parameters.
 *
 * @param student [P] θS
 * @param teacher [P] θT, or null for a method without a teacher
 * @param stopped a stop request ({@link RunHandle#requestStop()}) ended the run after {@code steps}
 *                steps, before the config's last; the checkpoint of {@code steps} is written
 */
public record RunResult(long steps, float[] student, float[] teacher, boolean stopped) {

    /** A run that went to its last step. */
    public RunResult(long steps, float[] student, float[] teacher) {
        this(steps, student, teacher, false);
    }
}
