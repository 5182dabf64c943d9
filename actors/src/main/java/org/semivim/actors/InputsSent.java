package org.semivim.actors;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;

/**
 * TeacherInference's record of which trainer it has sent the {@link StudentTrainer.StepInputs} of which
 * step, so that a step's labels go alone to a trainer that already has its views, and with them to any
 * other (one that joined, or whose record was forgotten). Pure. A trainer that restarted lost what it
 * held: its record is forgotten on its {@link TeacherInference.ResendShards}, and the views go again.
 *
 * @param <T> how a trainer is named (its ref in the runtime)
 */
final class InputsSent<T> {
    private final TreeMap<Long, Set<T>> byStep = new TreeMap<>();

    /** Records that {@code trainer} gets step {@code step}'s inputs; false when it already has them (nothing to send). */
    boolean mark(long step, T trainer) {
        return byStep.computeIfAbsent(step, s -> new HashSet<>()).add(trainer);
    }

    /** Forgets everything sent to {@code trainer} (it restarted, or its work is sent again whole). */
    void forget(T trainer) {
        for (Set<T> sent : byStep.values()) sent.remove(trainer);
    }

    /** Forgets the steps before {@code step} (labelled and dispatched: a resend sends the inputs again anyway). */
    void dropBefore(long step) {
        byStep.headMap(step).clear();
    }

    void clear() {
        byStep.clear();
    }

    /** How many steps have a record (diagnostics, tests). */
    int steps() {
        return byStep.size();
    }
}
