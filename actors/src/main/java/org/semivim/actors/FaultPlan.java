package org.semivim.actors;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fault-injection harness: {@link RunHooks} that make chosen actors throw an {@link InjectedFault}
 * once, just before they do the work of a chosen step. Supervision restarts the actor; the run must
 * still end bit-identical to an undisturbed one. {@link #fired()} tells which faults happened.
 */
public final class FaultPlan implements RunHooks {

    /** Which actor fails. */
    public enum Role { DATA_LOADER, AUGMENTER, TEACHER_INFERENCE, STUDENT_TRAINER, SUPERVISOR }

    /** The exception a fault throws. */
    public static final class InjectedFault extends RuntimeException {
        public InjectedFault(String message) {
            super(message, null, false, false);
        }
    }

    private record Fault(Role role, long step, int shard, boolean stop, AtomicBoolean fired) {}

    private final List<Fault> faults = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong commitAttempts = new java.util.concurrent.atomic.AtomicLong();

    /** How many times the supervisor started an update (steps replayed after a restart count again). */
    public long commitAttempts() {
        return commitAttempts.get();
    }

    /** {@code role} throws once before its work of {@code step}. */
    public FaultPlan failOnce(Role role, long step) {
        return failOnce(role, step, -1);
    }

    /** As {@link #failOnce(Role, long)}; for a trainer, only before shard {@code shard} (-1: any). */
    public FaultPlan failOnce(Role role, long step, int shard) {
        faults.add(new Fault(role, step, shard, false, new AtomicBoolean()));
        return this;
    }

    /** An augmenter stops (instead of throwing) once before rendering {@code step}; the pool replaces it. */
    public FaultPlan stopAugmenterOnce(long step) {
        faults.add(new Fault(Role.AUGMENTER, step, -1, true, new AtomicBoolean()));
        return this;
    }

    /** The faults that have fired, as "ROLE@step". */
    public List<String> fired() {
        List<String> out = new ArrayList<>();
        for (Fault f : faults) if (f.fired.get()) out.add(f.role + (f.stop ? " stopped" : "") + "@" + f.step);
        return out;
    }

    private void maybeFail(Role role, long step, int shard) {
        for (Fault f : faults) {
            if (f.role == role && f.step == step && (f.shard < 0 || f.shard == shard) && f.fired.compareAndSet(false, true)) {
                if (f.stop) throw new RunHooks.StopActor("injected stop: " + role + " at step " + step);
                throw new InjectedFault("injected fault: " + role + " at step " + step + (shard >= 0 ? " shard " + shard : ""));
            }
        }
    }

    @Override
    public void beforeBatch(long step) {
        maybeFail(Role.DATA_LOADER, step, -1);
    }

    @Override
    public void beforeRender(long step) {
        maybeFail(Role.AUGMENTER, step, -1);
    }

    @Override
    public void beforePseudoLabels(long step) {
        maybeFail(Role.TEACHER_INFERENCE, step, -1);
    }

    @Override
    public void beforeShard(long step, int shard) {
        maybeFail(Role.STUDENT_TRAINER, step, shard);
    }

    @Override
    public void beforeCommit(long step) {
        commitAttempts.incrementAndGet();
        maybeFail(Role.SUPERVISOR, step, -1);
    }
}
