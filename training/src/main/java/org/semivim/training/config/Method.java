package org.semivim.training.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The training methods of ssl-spec.md §2, by their configuration names. */
public enum Method {
    /** §2.1: labeled data only, CE on weak views. */
    SUPERVISED,
    /** §2.2: pseudo-labels from the student, mask o ≥ tau, hard CE on strong views; an EMA for evaluation only. */
    FIXMATCH,
    /** §2.3: pseudo-labels from the EMA teacher θT_{t−1}; teacher ← m·teacher + (1−m)·student every step. */
    EMA_TEACHER,
    /** §2.5: LyapEMA teacher and student update, hard pseudo-labels as EMA-Teacher. */
    LYAPEMA,
    /** §2.4 + §2.5: ProbMixup on the strong unlabeled batch, LyapEMA update. */
    LYAPEMA_PROBMIXUP,
    /** §2.6 + §2.5: SSMixup (filter, mix, hidden-state term), LyapEMA update. */
    LYAPEMA_SSMIXUP,
    /** §2.8: joint MAE + classification with the validation-gated pseudo-label memory. */
    SSMAE;

    /** The configuration name, e.g. {@code ema_teacher}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> configNames() {
        List<String> names = new ArrayList<>();
        for (Method m : values()) names.add(m.configName());
        return names;
    }

    public static Method fromConfigName(String name) {
        for (Method m : values()) if (m.configName().equals(name)) return m;
        throw new IllegalArgumentException("unknown method '" + name + "'; known: " + configNames());
    }

    /** Whether the method trains on unlabeled data. */
    public boolean usesUnlabeled() {
        return this != SUPERVISED;
    }

    /** Whether the method keeps a second parameter set (EMA or LyapEMA teacher, or FixMatch's evaluation EMA). */
    public boolean hasTeacher() {
        return this == FIXMATCH || this == EMA_TEACHER || isLyapEma();
    }

    /** Whether the pseudo-labels come from the teacher θT_{t−1} (else, for FixMatch, from the student θS_{t−1}). */
    public boolean pseudoLabelsFromTeacher() {
        return this == EMA_TEACHER || isLyapEma();
    }

    public boolean isLyapEma() {
        return this == LYAPEMA || this == LYAPEMA_PROBMIXUP || this == LYAPEMA_SSMIXUP;
    }
}
