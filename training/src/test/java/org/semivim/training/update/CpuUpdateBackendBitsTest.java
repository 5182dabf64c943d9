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
 */
class CpuUpdateBackendBitsTest {
    /** Recorded before the change; a change here means the CPU path no longer gives the same bits. */
    private static final Map<String, String> BEFORE = Map.of(
            "supervised", "f2ee77627529252554b54a86f19873d925199d16c45b97a4d5a70638e57085a9",
            "fixmatch", "8cb8a36355edde9b595490d95d2357d6029ca3628d47e89b3e6862f947702711",
            "ema_teacher", "08cfb6bc03981183a6dddd778be7320c9a0107ad15588503da6dd06475860380",
            "lyapema", "fc97497f901521bd972e703feb3a04136789a4af07a1bf258d0d69a3496a3f54",
            "lyapema_probmixup", "01f96e7da5d07e030108d9f5220bfd3bcdeab78252bffefa11fef06d8b48a5a3",
            "lyapema_ssmixup", "7562f2832c9974f9e9407883eeec87e56db8a194223bd98133b64a0b4761ac53");

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
