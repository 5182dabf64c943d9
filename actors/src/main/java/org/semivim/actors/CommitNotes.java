package org.semivim.actors;

import org.semivim.training.config.Method;

import java.util.Set;

/**
 * Pure decisions of the commit note (docs/cluster.md, "θS off the path: the commit note"): after a
 * commit the supervisor sends a trainer either θS of the new version, θS with the AdamW state (so that
 * the trainer can mirror the next commits), or only a {@link StudentTrainer.CommitNote} — how the step
 * was committed and a digest of the resulting θS — which a trainer that holds the AdamW state and the
 * step's summed gradient turns into θS itself with the supervisor's own arithmetic (same bits).
 */
final class CommitNotes {
    private CommitNotes() {}

    /** What the supervisor sends a trainer after a commit or on a (re)start. */
    enum Send {
        /** θS only ({@link StudentTrainer.StudentParams}): the trainer cannot mirror the commits. */
        PARAMS,
        /** θS and the AdamW state ({@link StudentTrainer.MirrorParams}): the trainer mirrors from here on. */
        PARAMS_WITH_MOMENTS,
        /** Only how the step was committed ({@link StudentTrainer.CommitNote}). */
        NOTE
    }

    /**
     * Whether a run's commits can be mirrored by a trainer at all: the plain AdamW update (supervised,
     * FixMatch, EMA-Teacher: θS_t depends only on θS_{t−1}, the moments, the gradient and the lr; LyapEMA's
     * student is pulled towards θT_{t−1} and its retries depend on V, and SSMAE's commit needs each shard),
     * nothing frozen, the update on the host (the trainer mirrors with the host AdamW), more than one shard
     * (only then does a trainer send the step's summed gradient, which is what it mirrors with).
     */
    static boolean mirrorable(Method method, Set<String> frozen, String updateBackend, int shards) {
        boolean plainAdamW = method == Method.SUPERVISED || method == Method.FIXMATCH || method == Method.EMA_TEACHER;
        return plainAdamW && frozen.isEmpty() && "cpu".equals(updateBackend) && shards > 1;
    }

    /**
     * What to send a trainer: a note only after a commit (not a reset or a trainer's (re)start) of a
     * mirrorable run with one trainer, whose step's gradient came whole (one {@code StepGradientDone}:
     * that trainer computed every shard, so it holds the summed gradient the commit used); θS with the
     * moments whenever a mirrorable run has one trainer; otherwise θS alone. A trainer that gets a note it
     * cannot apply (it lacks the moments or the gradient, or its result's digest differs) asks for θS
     * with the moments ({@link LyapunovSupervisor.StudentWanted}).
     */
    static Send decide(boolean mirrorable, int trainers, boolean afterCommit, boolean stepCameWhole) {
        if (!mirrorable || trainers != 1) return Send.PARAMS;
        return afterCommit && stepCameWhole ? Send.NOTE : Send.PARAMS_WITH_MOMENTS;
    }

    /**
     * A 64-bit digest of {@code values}' bit patterns (four FNV-1a lanes over the raw float bits, combined
     * in order): equal arrays give equal digests, and a changed bit changes the digest (with high probability).
     */
    static long digest(float[] values) {
        final long prime = 0x100000001b3L;
        long h0 = 0xcbf29ce484222325L, h1 = h0 ^ 1, h2 = h0 ^ 2, h3 = h0 ^ 3;
        int n = values.length, i = 0;
        for (; i + 3 < n; i += 4) {
            h0 = (h0 ^ Float.floatToRawIntBits(values[i])) * prime;
            h1 = (h1 ^ Float.floatToRawIntBits(values[i + 1])) * prime;
            h2 = (h2 ^ Float.floatToRawIntBits(values[i + 2])) * prime;
            h3 = (h3 ^ Float.floatToRawIntBits(values[i + 3])) * prime;
        }
        for (; i < n; i++) h0 = (h0 ^ Float.floatToRawIntBits(values[i])) * prime;
        long h = (h0 ^ n) * prime;
        h = (h ^ h1) * prime;
        h = (h ^ h2) * prime;
        return (h ^ h3) * prime;
    }
}
