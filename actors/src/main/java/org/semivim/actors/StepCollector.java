package org.semivim.actors;

import org.semivim.training.ssmae.SsmaeStep;
import org.semivim.training.step.LossTerm;
import org.semivim.training.step.ShardGradient;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The supervisor's decision of what belongs to the step in hand, as a pure object: the plan and the
 * S shard gradients of step {@code step}, each kept once (the first copy; a re-computation after a
 * fault delivers the same bits), anything of another step ignored. When complete, the gradient is
 * Σ_s g_s in shard order and the loss L = Σ_s Σ_terms lossWeight·share in the same order as the
 * reference trainer adds it, with L_x and L_u the unweighted shares. A trainer that computed every
 * shard sends that sum itself ({@link LyapunovSupervisor.StepGradientDone}); it completes the step
 * whatever single shards came before (each shard's gradient is deterministic, so the sum has the bits
 * of the single shards' sum). SSMAE steps take single shards only (their commit needs each gradient).
 */
final class StepCollector {
    /** The step's losses: L, L_x, L_u. */
    record Losses(double loss, double labeled, double unlabeled) {}

    private final long step;
    private final int shardCount;
    private final float[][] gradients;
    private final double[][] termLosses;
    private int received;
    private float[] summed;                    // Σ_s g_s from a trainer that computed every shard, or null
    private LyapunovSupervisor.StepPlan plan;
    private SsmaeStep.Plan ssmaePlan;          // SSMAE's plan instead of `plan`

    StepCollector(long step, int shardCount) {
        this.step = step;
        this.shardCount = shardCount;
        this.gradients = new float[shardCount][];
        this.termLosses = new double[shardCount][];
    }

    long step() {
        return step;
    }

    /** Keeps the plan if it is this step's and the first one; returns whether it was kept. */
    boolean offer(LyapunovSupervisor.StepPlan p) {
        if (p.step() != step || plan != null || ssmaePlan != null) return false;
        plan = p;
        return true;
    }

    /** Keeps SSMAE's plan if it is this step's and the first one; returns whether it was kept. */
    boolean offer(LyapunovSupervisor.SsmaeStepPlan p) {
        if (p.plan().step() != step || plan != null || ssmaePlan != null) return false;
        ssmaePlan = p.plan();
        return true;
    }

    /** Keeps a shard's gradient if it is this step's and the first for that shard; returns whether it was kept. */
    boolean offer(LyapunovSupervisor.ShardDone d) {
        if (d.step() != step || summed != null || d.shard() < 0 || d.shard() >= shardCount || gradients[d.shard()] != null) return false;
        gradients[d.shard()] = d.gradient();
        termLosses[d.shard()] = d.termLosses();
        received++;
        return true;
    }

    /**
     * Keeps a whole step's summed gradient if it is this step's, not an SSMAE step, the first such sum and
     * the step is not complete yet, and it has one term-loss row per shard; returns whether it was kept.
     */
    boolean offer(LyapunovSupervisor.StepGradientDone d) {
        if (d.step() != step || ssmaePlan != null || summed != null || received == shardCount || d.termLosses().length != shardCount) return false;
        summed = d.gradient();
        for (int s = 0; s < shardCount; s++) {
            gradients[s] = null;
            termLosses[s] = d.termLosses()[s];
        }
        received = shardCount;
        return true;
    }

    /** Whether the step came as one summed gradient ({@link LyapunovSupervisor.StepGradientDone}). */
    boolean cameWhole() {
        return summed != null;
    }

    boolean complete() {
        return (plan != null || ssmaePlan != null) && received == shardCount;
    }

    LyapunovSupervisor.StepPlan plan() {
        return plan;
    }

    SsmaeStep.Plan ssmaePlan() {
        return ssmaePlan;
    }

    /** SSMAE: the S shard results in shard order (term losses: L_cls share, L_mae share). */
    List<SsmaeStep.ShardResult> ssmaeShards() {
        requireComplete();
        if (summed != null) throw new IllegalStateException("step " + step + " came as one summed gradient: SSMAE needs each shard's");
        List<SsmaeStep.ShardResult> out = new ArrayList<>(shardCount);
        for (int s = 0; s < shardCount; s++) {
            if (termLosses[s].length != 2) throw new IllegalStateException("SSMAE shard " + s + " of step " + step + " reports " + termLosses[s].length + " term losses, not 2");
            out.add(new SsmaeStep.ShardResult(s, gradients[s], termLosses[s][0], termLosses[s][1]));
        }
        return out;
    }

    /** Σ_s g_s [P] in shard order (a fresh array). */
    float[] gradient() {
        requireComplete();
        return summed != null ? summed.clone() : ShardGradient.sumInShardOrder(Arrays.asList(gradients));
    }

    Losses losses() {
        requireComplete();
        if (plan == null) throw new IllegalStateException("step " + step + " is an SSMAE step: its losses come from SsmaeStep.losses");
        int[] kinds = plan.termKinds();
        float[] weights = plan.termWeights();
        double loss = 0, labeled = 0, unlabeled = 0;
        for (int s = 0; s < shardCount; s++) {
            double[] shares = termLosses[s];
            if (shares.length != kinds.length) {
                throw new IllegalStateException("shard " + s + " of step " + step + " reports " + shares.length + " term losses, the plan has " + kinds.length + " terms");
            }
            for (int i = 0; i < kinds.length; i++) {
                double share = shares[i];
                loss += weights[i] * share;
                if (kinds[i] == LossTerm.Kind.LABELED.code) labeled += share;
                else unlabeled += share;
            }
        }
        return new Losses(loss, labeled, unlabeled);
    }

    /** The shards still missing (diagnostics). */
    List<Integer> missing() {
        List<Integer> out = new ArrayList<>();
        if (summed != null) return out;
        for (int s = 0; s < shardCount; s++) if (gradients[s] == null) out.add(s);
        return out;
    }

    private void requireComplete() {
        if (!complete()) throw new IllegalStateException("step " + step + " is not complete: plan " + (plan != null) + ", missing shards " + missing());
    }
}
