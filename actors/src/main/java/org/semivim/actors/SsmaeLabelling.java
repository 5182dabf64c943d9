package org.semivim.actors;

import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.ssmae.SsmaeGate;
import org.semivim.training.ssmae.SsmaeStep;
import org.semivim.training.step.StepViews;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * TeacherInference's part of an SSMAE step, phases (0), (3) and (4) of {@link SsmaeStep}: the gate at an
 * epoch's first step (the current θS on the validation split), the current θS's eval-mode predictions on
 * the weak and strong views, the admission decision and the loss terms. It decides against a READ view
 * of the pseudo-label memory: the supervisor owns the memory (it writes each step's admissions at the
 * commit) and sends this view with every parameter version ({@link TeacherInference.MemoryView}: the
 * whole memory and gate on a reset, the entries the last commit wrote otherwise). Step t runs only when
 * the view is of version t, so it sees exactly the memory after t − 1 commits, as {@link
 * org.semivim.training.ssmae.SsmaeTrainer} does.
 */
final class SsmaeLabelling {
    /** What step t sends: the plan to the supervisor, the S shards' terms (in shard order) to the trainers that own them. */
    record Dispatch(SsmaeStep.Plan plan, List<SsmaeStep.ShardTerms> shards) {}

    private final SsmaeStep phases;
    private final Map<Integer, Integer> memorised = new HashMap<>();   // sample → label (read view)
    private SsmaeGate.Decision gate;                                    // the gate after `viewVersion` commits (null: none yet)
    private long viewVersion = -1;
    private final int shardCount;

    SsmaeLabelling(TrainConfig config, TrainingData data, Ops ops) {
        this.phases = new SsmaeStep(config, data, ops);
        this.shardCount = config.shards();
    }

    int numClasses() {
        return phases.numClasses();
    }

    /** Takes a view: a reset replaces the memory, the next version adds its entries; anything else is stale. Returns whether it was taken. */
    boolean apply(TeacherInference.MemoryView view) {
        if (view.reset()) {
            memorised.clear();
        } else if (viewVersion < 0 || view.version() != viewVersion + 1) {
            return false;
        }
        for (var e : view.entries()) {
            Integer before = memorised.putIfAbsent(e.sampleIndex(), e.label());
            if (before != null && before != e.label()) {
                throw new IllegalStateException("memory view relabels sample " + e.sampleIndex() + " from " + before + " to " + e.label());
            }
        }
        gate = view.gate();
        viewVersion = view.version();
        return true;
    }

    boolean readyFor(long version) {
        return viewVersion == version;
    }

    /** Phases (0), (3), (4) of step t = {@code views}' step at θS [P] after t commits. */
    Dispatch run(StepViews views, float[] theta) {
        long t = views.batch().step();
        if (!readyFor(t)) throw new IllegalStateException("step " + t + " with the memory view of version " + viewVersion);
        SsmaeGate.Decision stepGate = phases.decidesGate(t, gate) ? phases.gate(theta, phases.schedule().epochOf(t)) : gate;
        SsmaeStep.Plan plan = phases.plan(views, phases.predict(theta, views), stepGate, sample -> {
            Integer label = memorised.get(sample);
            return label == null ? OptionalInt.empty() : OptionalInt.of(label);
        });
        SsmaeStep.Terms terms = phases.terms(views, plan.admission());
        List<SsmaeStep.ShardTerms> shards = new ArrayList<>();
        for (int s = 0; s < shardCount; s++) shards.add(phases.slice(terms, s));
        return new Dispatch(plan, shards);
    }
}
