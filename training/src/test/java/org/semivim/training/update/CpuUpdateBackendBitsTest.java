package org.semivim.training.update;

import org.junit.jupiter.api.Test;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.TrainState;
import org.semivim.training.testing.TinyRuns;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The CPU update backend is the loop's old arithmetic bit for bit: the SHA-256 of everything a resume
 * needs (θS, θT, the AdamW step and moments, the method's state) after 4 steps of every method the
 * reference trainer runs, against digests recorded with the loop as it was before the update backend
 * existed (commit f5d508d, engine AdamW / EmaUpdate / FloatLyapEmaKernel called directly).
 *
 * <p>Re-recorded once since, for an intended change of the engine's numerics, not of the update path:
 * commit e9dc8da computes the scan decays as 2^(Δ·A·log2 e) (docs/benchmarks-engine.md, fourth round),
 * which changes the forward and gradients within the reference tolerances. The digests were checked
 * before it (f75884e still gave the f5d508d digests) and after it (e9dc8da and the merged main with
 * the rest of that round — DropPath fused into the residual add, the new Parallel.forEach — give the
 * same new digests), so the update backend's bits are still the old loop's on today's engine.
 *
 * <p>Re-recorded a second time for the seventh round (docs/benchmarks-engine.md): dt_proj runs inside
 * the fast scan (commit 59f98e2, its sums regrouped in d1a8685), which rounds Δraw, ∂L/∂dtr and
 * ∂L/∂W_dt differently from the GEMMs, within the reference tolerances. The old digests held on the
 * branch point a0b279b; the new ones are those of d1a8685 and, unchanged, of the two bit-neutral
 * commits after it (the bimamba merge in the scan, conv1d + SiLU without a stored pre). The update
 * backend itself was not touched.
 */
class CpuUpdateBackendBitsTest {
    /** Recorded with the engine of d1a8685 (see above); a change here means the CPU path no longer gives the same bits. */
    private static final Map<String, String> BEFORE = Map.of(
            "supervised", "8d5ae9263ac9eb2a0cf2a66fb611e743a71411bda07fff688264100cbfe23441",
            "fixmatch", "b2aa031f9b5510b3da969ed5a87f73a33c2982f1877944fbc0a2c7692105a9f6",
            "ema_teacher", "299145b2b7aa3cd73d7491e196b37033953b70eaa5584c2c6a7539efe96fb403",
            "lyapema", "c1e1cfe52d0b85f01a2a7a901ae5ce3b91615711c45188cfd8a9535d83a73889",
            "lyapema_probmixup", "e9e23a8518e725ae0e0330a6e5150d39c152944272dd3ef6db959a97d12caae1",
            "lyapema_ssmixup", "07efd9f1266401f3ab271ce6225b348ac8edc2a8dd37453559a12268b01a3bc6");

    @Test
    void everyMethodGivesTheBitsOfTheLoopBeforeTheUpdateBackend() throws Exception {
        assertSame(UpdateBackend.cpu(), UpdateBackends.of(Ops.cpu()), "Ops.cpu() updates on the host");
        Map<String, String> now = new LinkedHashMap<>();
        for (String method : TinyRuns.methodsRunNow()) {
            Map<String, Object> m = TinyRuns.configMap(method, TinyRuns.vim(0.1), 4);
            if (!method.equals("supervised")) m.put("tau", TinyRuns.PARTIAL_TAU_VIM);
            TrainConfig c = TinyRuns.config(m);
            ReferenceTrainer t = new ReferenceTrainer(c, TinyRuns.loadData(c));
            t.run();
            now.put(method, digest(t.state()));
        }
        for (String method : TinyRuns.methodsRunNow()) assertEquals(BEFORE.get(method), now.get(method), method);
    }

    static String digest(TrainState s) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        floats(md, s.student());
        if (s.teacher() != null) floats(md, s.teacher());
        md.update(ByteBuffer.allocate(8).putLong(s.adamW().step()).array());
        floats(md, s.adamW().firstMoment());
        floats(md, s.adamW().secondMoment());
        md.update(new TreeMap<>(s.methodState()).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md.digest());
    }

    private static void floats(MessageDigest md, float[] a) {
        ByteBuffer b = ByteBuffer.allocate(4 * a.length);
        for (float x : a) b.putInt(Float.floatToRawIntBits(x));
        md.update(b.array());
    }
}
