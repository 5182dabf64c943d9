package org.semivim.actors;

import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.InitFrom;
import org.semivim.training.loop.MethodSetup;
import org.semivim.training.loop.TrainState;
import org.semivim.training.update.UpdatePhase;

import java.nio.file.Path;

/**
 * What the LyapunovSupervisor owns, built exactly as the reference trainer builds it: the master θS
 * (a model initialised from the seed, then {@code init_from} loaded into it), θT (an exact copy of the initial student, for methods with a
 * teacher), AdamW, the schedule and the method's update ({@link MethodSetup#update}, LyapEMA state
 * included), and the number of committed steps. No actor code: the supervisor calls it.
 */
final class MasterState {
    private final TrainConfig config;
    private final ImageClassifier student;   // its values are θS
    private final float[] teacher;           // [P] θT, null without a teacher
    private final AdamW adamW;
    private final UpdatePhase updatePhase;
    private long committed;

    MasterState(TrainConfig config, Ops ops) {
        this.config = config;
        this.student = config.model().create(ops, config.seed());
        if (config.initFrom() != null) InitFrom.load(student.parameters(), Path.of(config.initFrom()));   // as the reference trainer does
        this.teacher = config.method().hasTeacher() ? student.parameters().flatValues().toArray() : null;
        this.adamW = new AdamW(student.parameters(), config.weightDecay());
        LrSchedule schedule = LrSchedule.warmupCosine(config.lr(), config.minLr(), config.warmup(), config.steps());
        this.updatePhase = new UpdatePhase(adamW, schedule, config.clip(),
                MethodSetup.update(config, adamW, student.parameters().flatValues().data, teacher));
    }

    /** Phase (6) of step {@link #committed()}: the update on the summed gradient; the step counts as committed after it. */
    UpdatePhase.Outcome apply(float[] gradient, double loss) {
        UpdatePhase.Outcome outcome = updatePhase.apply(committed, gradient, loss, student.parameters().flatValues().data, teacher);
        committed++;
        return outcome;
    }

    long committed() {
        return committed;
    }

    /** A copy of θS [P]. */
    float[] student() {
        return student.parameters().flatValues().toArray();
    }

    /** A copy of θT [P], or null. */
    float[] teacher() {
        return teacher == null ? null : teacher.clone();
    }

    int numClasses() {
        return student.numClasses();
    }

    /** The state after {@link #committed()} steps, as the reference trainer writes it. */
    TrainState snapshot() {
        return new TrainState(config.hash(), committed, committed * config.labeledBatch(), committed * config.unlabeledBatch(),
                student(), teacher, adamW.state(), updatePhase.parameterUpdate().state());
    }

    /** Continues from {@code state} (checked as the reference trainer checks it). */
    void restore(TrainState state) {
        if (!state.configHash().equals(config.hash())) {
            throw new IllegalArgumentException("train state was written for config " + state.configHash() + ", this run's config is " + config.hash());
        }
        if (state.labeledPosition() != state.step() * config.labeledBatch() || state.unlabeledPosition() != state.step() * config.unlabeledBatch()) {
            throw new IllegalArgumentException("train state cursors (" + state.labeledPosition() + ", " + state.unlabeledPosition()
                    + ") do not match step " + state.step());
        }
        if ((state.teacher() == null) != (teacher == null)) {
            throw new IllegalArgumentException("train state " + (teacher == null ? "has" : "lacks") + " a teacher, method " + config.method().configName());
        }
        float[] values = student.parameters().flatValues().data;
        float[] s = state.student();
        if (s.length != values.length) throw new IllegalArgumentException("train state has " + s.length + " parameters, the model " + values.length);
        System.arraycopy(s, 0, values, 0, values.length);
        if (teacher != null) System.arraycopy(state.teacher(), 0, teacher, 0, teacher.length);
        adamW.restore(state.adamW());
        updatePhase.parameterUpdate().restore(state.methodState());
        committed = state.step();
    }
}
