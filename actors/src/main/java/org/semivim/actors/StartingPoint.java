package org.semivim.actors;

import java.util.Set;

/**
 * Where the student starts and what stays fixed, as the reference trainer's pipeline constructor
 * takes them ({@code ReferenceTrainer(config, data, ops, initialStudent, frozen)}): the student
 * starts from {@code initialStudent} [P] (null: the config's initialisation, {@code init_from}
 * included) and the teacher as a copy of it; parameters named in {@code frozen} are never updated
 * (AdamW skips them, their gradient entries are zeroed before clipping).
 */
public record StartingPoint(float[] initialStudent, Set<String> frozen) {
    /** The config's own initialisation, nothing frozen. */
    public static final StartingPoint FROM_CONFIG = new StartingPoint(null, Set.of());

    public StartingPoint {
        initialStudent = initialStudent == null ? null : initialStudent.clone();
        frozen = Set.copyOf(frozen);
    }

    @Override
    public float[] initialStudent() {
        return initialStudent == null ? null : initialStudent.clone();
    }
}
