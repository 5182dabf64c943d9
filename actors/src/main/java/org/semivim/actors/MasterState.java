package org.semivim.actors;

import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.param.Parameter;
import org.semivim.engine.param.ParameterSet;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.InitFrom;
import org.semivim.training.loop.MethodSetup;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainerBookkeeping;
import org.semivim.training.update.AdamWOptimizer;
import org.semivim.training.update.UpdateBackends;
import org.semivim.training.update.UpdatePhase;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * What the LyapunovSupervisor owns, built exactly as the reference trainer builds it: the master θS
 * (a model initialised from the seed, then {@code init_from} loaded into it, or the run's
 * {@link StartingPoint}), frozen parameters, θT (an exact copy of the initial student, for methods with a
 * teacher), AdamW, the schedule and the method's update ({@link MethodSetup#update}, LyapEMA state
 * included; on the update backend bound to the run's ops, {@link UpdateBackends#of}), and the number of
 * committed steps. No actor code: the supervisor calls it.
 */
final class MasterState implements Master {
    private final TrainConfig config;
    private final ImageClassifier student;   // its values are θS
    private final float[] teacher;           // [P] θT, null without a teacher
    private final UpdatePhase updatePhase;
    private final int[] frozenRanges;        // [2·k] start, end of each frozen parameter in the flat arrays
    private long committed;

    MasterState(TrainConfig config, Ops ops, StartingPoint start) {
        this.config = config;
        this.student = config.model().create(ops, config.seed());
        if (config.initFrom() != null) InitFrom.load(student.parameters(), Path.of(config.initFrom()));   // as the reference trainer does
        float[] initial = start.initialStudent();
        if (initial != null) {
            float[] values = student.parameters().flatValues().data;
            if (initial.length != values.length) throw new IllegalArgumentException("initial student has " + initial.length + " values, the model " + values.length);
            System.arraycopy(initial, 0, values, 0, values.length);
        }
        this.frozenRanges = frozenRanges(student.parameters(), start.frozen());
        this.teacher = config.method().hasTeacher() ? student.parameters().flatValues().toArray() : null;
        AdamWOptimizer adamW = UpdateBackends.of(ops).adamW(student.parameters(), config.weightDecay(), start.frozen());
        LrSchedule schedule = LrSchedule.warmupCosine(config.lr(), config.minLr(), config.warmup(), config.steps());
        this.updatePhase = new UpdatePhase(schedule, config.clip(),
                MethodSetup.update(config, adamW, student.parameters().flatValues().data, teacher));
    }

    /** Phase (6) of step {@link #committed()}: the update on the summed gradient; the step counts as committed after it. */
    UpdatePhase.Outcome apply(float[] gradient, double loss) {
        for (int r = 0; r < frozenRanges.length; r += 2) Arrays.fill(gradient, frozenRanges[r], frozenRanges[r + 1], 0f);
        UpdatePhase.Outcome outcome = updatePhase.apply(committed, gradient, loss, student.parameters().flatValues().data, teacher);
        committed++;
        return outcome;
    }

    /** The flat [start, end) ranges of the parameters named in {@code frozen} (names not in the model are refused). */
    private static int[] frozenRanges(ParameterSet params, Set<String> frozen) {
        List<Integer> r = new ArrayList<>();
        for (String name : frozen) {
            if (!params.contains(name)) throw new IllegalArgumentException("frozen parameter '" + name + "' is not a parameter of the model");
        }
        for (Parameter p : params.parameters()) {
            if (frozen.contains(p.name())) {
                r.add(p.offset());
                r.add(p.offset() + p.size());
            }
        }
        return r.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public long committed() {
        return committed;
    }

    /** A copy of θS [P]. */
    @Override
    public float[] student() {
        return student.parameters().flatValues().toArray();
    }

    /** A copy of θT [P], or null. */
    @Override
    public float[] teacher() {
        return teacher == null ? null : teacher.clone();
    }

    /** A copy of the AdamW state (step count, m, v): a trainer mirrors the commits from it. */
    org.semivim.engine.optim.AdamW.State optimizerState() {
        return updatePhase.optimizer().state();
    }

    int numClasses() {
        return student.numClasses();
    }

    /** The state after {@link #committed()} steps, as the reference trainer writes it. */
    @Override
    public TrainState snapshot() {
        return new TrainState(config.hash(), committed, committed * config.labeledBatch(), committed * config.unlabeledBatch(),
                student(), teacher, updatePhase.optimizer().state(), updatePhase.parameterUpdate().state());
    }

    /** Continues from {@code state} (checked as the reference trainer checks it). */
    @Override
    public void restore(TrainState state) {
        TrainerBookkeeping.restore(state, config, student.parameters().flatValues().data, teacher, updatePhase.parameterUpdate());
        committed = state.step();
    }
}
