package org.semivim.actors;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.optim.LrSchedule;
import org.semivim.engine.param.ParameterSet;
import org.semivim.engine.rng.CounterRng;
import org.semivim.training.config.Method;
import org.semivim.training.update.AdamWUpdate;
import org.semivim.training.update.UpdatePhase;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The commit note's pure decision, its digest, and a trainer's mirror of the commit against the supervisor's update phase. */
class CommitNotesTest {

    @Test
    void onlyThePlainAdamWUpdateOnTheHostWithNothingFrozenAndSeveralShardsCanBeMirrored() {
        assertTrue(CommitNotes.mirrorable(Method.FIXMATCH, Set.of(), "cpu", 4));
        assertTrue(CommitNotes.mirrorable(Method.SUPERVISED, Set.of(), "cpu", 2));
        assertTrue(CommitNotes.mirrorable(Method.EMA_TEACHER, Set.of(), "cpu", 4));
        assertFalse(CommitNotes.mirrorable(Method.LYAPEMA, Set.of(), "cpu", 4), "LyapEMA pulls θS towards θT");
        assertFalse(CommitNotes.mirrorable(Method.LYAPEMA_PROBMIXUP, Set.of(), "cpu", 4));
        assertFalse(CommitNotes.mirrorable(Method.SSMAE, Set.of(), "cpu", 4));
        assertFalse(CommitNotes.mirrorable(Method.FIXMATCH, Set.of("head.weight"), "cpu", 4));
        assertFalse(CommitNotes.mirrorable(Method.FIXMATCH, Set.of(), "cuda", 4));
        assertFalse(CommitNotes.mirrorable(Method.FIXMATCH, Set.of(), "cpu", 1), "one shard: no summed gradient is sent");
    }

    @Test
    void aNoteOnlyAfterACommitWhoseStepCameWholeFromTheOnlyTrainer() {
        assertEquals(CommitNotes.Send.NOTE, CommitNotes.decide(true, 1, true, true));
        assertEquals(CommitNotes.Send.PARAMS_WITH_MOMENTS, CommitNotes.decide(true, 1, true, false), "shards came one by one");
        assertEquals(CommitNotes.Send.PARAMS_WITH_MOMENTS, CommitNotes.decide(true, 1, false, true), "a reset or a (re)start");
        assertEquals(CommitNotes.Send.PARAMS, CommitNotes.decide(true, 2, true, true), "two trainers");
        assertEquals(CommitNotes.Send.PARAMS, CommitNotes.decide(true, 0, true, true));
        assertEquals(CommitNotes.Send.PARAMS, CommitNotes.decide(false, 1, true, true), "not mirrorable");
    }

    @Test
    void theDigestSeesEveryBit() {
        float[] a = random(1001, 1);
        long d = CommitNotes.digest(a);
        assertEquals(d, CommitNotes.digest(a.clone()));
        for (int i : new int[]{0, 1, 2, 3, 500, 1000}) {
            float[] b = a.clone();
            b[i] = Float.intBitsToFloat(Float.floatToRawIntBits(b[i]) ^ 1);
            assertNotEquals(d, CommitNotes.digest(b), "bit flipped at " + i);
        }
        float[] z = {0f, 0f};
        assertNotEquals(CommitNotes.digest(z), CommitNotes.digest(new float[]{0f, -0f}), "−0 is not +0");
        float[] swapped = a.clone();
        swapped[0] = a[1];
        swapped[1] = a[0];
        if (a[0] != a[1]) assertNotEquals(d, CommitNotes.digest(swapped), "order counts");
    }

    @Test
    void theMirrorMakesTheSupervisorsBitsOverManyStepsAndRefusesWhatItCannotApply() {
        ParameterSet.Builder b = ParameterSet.builder();
        b.declare("a.weight", 37, 29);
        b.declareNoDecay("a.bias", 29);
        b.declare("b.weight", 29, 11);
        b.declareNoDecay("norm.weight", 11);
        ParameterSet params = b.build();
        int n = params.count();
        float[] init = random(n, 1);
        System.arraycopy(init, 0, params.flatValues().data, 0, n);
        double wd = 0.05, clip = 1.0;
        // the supervisor's side: the update phase as MasterState builds it (host AdamW, plain AdamW update, EMA teacher)
        float[] student = params.flatValues().toArray();
        float[] teacher = student.clone();
        var adam = org.semivim.training.update.UpdateBackends.of(Ops.cpu()).adamW(params, wd, Set.of());
        UpdatePhase phase = new UpdatePhase(LrSchedule.warmupCosine(1e-3, 1e-5, 2, 10), clip, AdamWUpdate.withEmaTeacher(adam, 0.99));
        CommitMirror mirror = new CommitMirror(params, wd, clip);
        mirror.install(0, student, new AdamW.State(0, new float[n], new float[n]));
        for (long t = 0; t < 6; t++) {
            float[] g = random(n, 10 + t);
            if (t % 2 == 0) for (int i = 0; i < n; i++) g[i] *= 100;   // clipped
            float[] sent = g.clone();
            mirror.keepGradient(t, sent);
            double loss = t == 3 ? Double.NaN : 1.0;                     // step 3 is skipped
            UpdatePhase.Outcome o = phase.apply(t, g, loss, student, teacher);
            var note = new StudentTrainer.CommitNote(t + 1, o.skipped(), o.lr(), CommitNotes.digest(student));
            assertEquals(CommitMirror.Outcome.APPLIED, mirror.apply(note), "step " + t);
            assertArrayEquals(student, mirror.student(), "θS after step " + t);
            assertEquals(t + 1, mirror.version());
            assertArrayEquals(scaledIfEven(random(n, 10 + t), t), sent, "the kept gradient is not modified");
        }
        // no gradient kept for this version's step: nothing changes
        float[] before = mirror.student().clone();
        assertEquals(CommitMirror.Outcome.CANNOT, mirror.apply(new StudentTrainer.CommitNote(7, false, 1e-3, 0)));
        assertArrayEquals(before, mirror.student());
        assertEquals(6, mirror.version());
        // a note for another version
        mirror.keepGradient(6, random(n, 99));
        assertEquals(CommitMirror.Outcome.CANNOT, mirror.apply(new StudentTrainer.CommitNote(9, false, 1e-3, 0)));
        // a digest that does not match: the mirror is forgotten, later notes cannot be applied until θS with the moments comes
        assertEquals(CommitMirror.Outcome.DIGEST_MISMATCH, mirror.apply(new StudentTrainer.CommitNote(7, false, 1e-3, CommitNotes.digest(before))));
        assertFalse(mirror.mirroring());
        mirror.keepGradient(7, random(n, 100));
        assertEquals(CommitMirror.Outcome.CANNOT, mirror.apply(new StudentTrainer.CommitNote(8, false, 1e-3, 0)));
    }

    private static float[] scaledIfEven(float[] g, long t) {
        if (t % 2 == 0) for (int i = 0; i < g.length; i++) g[i] *= 100;
        return g;
    }

    private static float[] random(int n, long key) {
        CounterRng rng = CounterRng.of(7, "commit-notes-test").derive(key);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rng.normal(i) * 1e-2);
        return a;
    }
}
