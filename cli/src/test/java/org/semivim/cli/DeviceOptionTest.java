package org.semivim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.cli.config.HoconTrainConfig;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RuntimeKind;
import org.semivim.cli.run.RuntimeOptions;
import org.semivim.cli.run.StopRequest;
import org.semivim.cli.run.TrainRuntime;
import org.semivim.engine.ops.Ops;
import org.semivim.gpu.CudaAvailability;
import org.semivim.gpu.CudaProbe;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * {@code --device auto|cpu|cuda} on the training commands: cpu is today's path bit for bit, auto
 * without a CUDA driver runs on the CPU and says why once, cuda without one fails with exit code 2
 * and the reason, and the selected ops reach the trainers of both runtimes.
 */
class DeviceOptionTest {
    private static final String[] COMMON = {"--progress", "none", "--eval-limit", "1", "--no-report", "--checkpoint-every", "3", "steps=3"};

    /** {exit code, stdout, stderr} of the command line. */
    private static Object[] runCapturing(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        Object[] r;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            r = TrainCommandTest.run(args);
        } finally {
            System.setOut(old);
        }
        return new Object[] {r[0], bytes.toString(StandardCharsets.UTF_8), r[1]};
    }

    private static String[] train(Path conf, Path runDir, String... more) {
        String[] head = {"train", "--config", conf.toString(), "--run-dir", runDir.toString()};
        String[] out = Arrays.copyOf(head, head.length + more.length + COMMON.length);
        System.arraycopy(more, 0, out, head.length, more.length);
        System.arraycopy(COMMON, 0, out, head.length + more.length, COMMON.length);
        return out;
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) n++;
        return n;
    }

    private static void assertBitIdentical(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + "[" + i + "]: " + expected[i] + " vs " + actual[i]);
            }
        }
    }

    /** --device cpu trains exactly what the training module's CPU trainer does (ReferenceTrainer(config, data) = Ops.cpu(), CPU AdamW). */
    @Test
    void deviceCpuGivesTheBitsOfTheCpuTrainer(@TempDir Path tmp) throws IOException {
        Path conf = TinyRun.config(tmp), runDir = tmp.resolve("cpu");
        Object[] r = runCapturing(train(conf, runDir, "--device", "cpu"));
        assertEquals(0, r[0], r[1] + "\n" + r[2]);
        assertEquals(1, occurrences((String) r[1], "device: cpu (as requested)"), (String) r[1]);

        TrainConfig config = RunDirectory.open(runDir).config();
        TrainState state = TrainCheckpoints.stateOf(TinyRun.lastCheckpoint(runDir, config.hash()),
                config.model().create(Ops.cpu(), config.seed()).parameters());
        ReferenceTrainer expected = new ReferenceTrainer(config, TrainingData.load(config.data()));
        expected.run(3);
        assertEquals(3, state.step());
        assertBitIdentical(expected.studentParameters(), state.student(), "student");
        assertBitIdentical(expected.teacherParameters(), state.teacher(), "teacher");
        assertBitIdentical(expected.state().adamW().firstMoment(), state.adamW().firstMoment(), "adamw_m");
        assertBitIdentical(expected.state().adamW().secondMoment(), state.adamW().secondMoment(), "adamw_v");
    }

    /** Without a CUDA driver, the default (auto) runs on the CPU, prints the probe's reason once, and gives the --device cpu bits. */
    @Test
    void deviceAutoWithoutADriverRunsOnTheCpuAndSaysWhyOnce(@TempDir Path tmp) throws IOException {
        CudaAvailability cuda = CudaProbe.availability();
        assumeFalse(cuda.available(), "this machine has a usable GPU: " + cuda.reason());
        Path conf = TinyRun.config(tmp), auto = tmp.resolve("auto"), cpu = tmp.resolve("cpu");
        Object[] a = runCapturing(train(conf, auto));   // no --device: auto is the default
        assertEquals(0, a[0], a[1] + "\n" + a[2]);
        String out = (String) a[1];
        String line = "device: cpu (auto): CUDA is not usable: " + cuda.reason();
        assertEquals(1, occurrences(out, line), "the reason, once:\n" + out);
        assertEquals(1, occurrences(out, "device: "), "one device line:\n" + out);

        Object[] c = runCapturing(train(conf, cpu, "--device", "cpu"));
        assertEquals(0, c[0], c[1] + "\n" + c[2]);
        TrainConfig config = RunDirectory.open(auto).config();
        TinyRun.assertSameBits(TinyRun.lastCheckpoint(cpu, config.hash()), TinyRun.lastCheckpoint(auto, config.hash()));

        // resume of the finished run selects again and says so once
        Object[] again = runCapturing("resume", auto.toString(), "--progress", "none", "--eval-limit", "1", "--no-report");
        assertEquals(0, again[0], again[1] + "\n" + again[2]);
        assertEquals(1, occurrences((String) again[1], line), (String) again[1]);
    }

    /** --device cuda without a usable GPU: exit code 2, the probe's reason on stderr, no run directory; the same on every command. */
    @Test
    void deviceCudaWithoutAGpuExitsWithCode2AndTheReason(@TempDir Path tmp) throws IOException {
        CudaAvailability cuda = CudaProbe.availability();
        assumeFalse(cuda.available(), "this machine has a usable GPU: " + cuda.reason());
        Path conf = TinyRun.config(tmp);
        String reason = "--device cuda: CUDA is not usable: " + cuda.reason() + " (use --device auto or cpu to run on the CPU)";

        Path runDir = tmp.resolve("cuda");
        Object[] r = runCapturing(train(conf, runDir, "--device", "cuda"));
        assertEquals(2, r[0], r[1] + "\n" + r[2]);
        assertEquals("semivim train: " + reason, ((String) r[2]).strip());
        assertFalse(Files.exists(runDir), "no run directory is created");

        Path mae = tmp.resolve("tiny-mae.conf");
        try (var in = getClass().getResourceAsStream("/tiny-mae.conf")) {
            Files.write(mae, in.readAllBytes());
        }
        Object[] p = runCapturing("pretrain", "mae", "--config", mae.toString(), "--run-dir", tmp.resolve("mae").toString(), "--device", "cuda");
        assertEquals(2, p[0], p[1] + "\n" + p[2]);
        assertTrue(((String) p[2]).contains(reason), (String) p[2]);
        assertFalse(Files.exists(tmp.resolve("mae")));

        Object[] d = runCapturing("demo", "--run-dir", tmp.resolve("demo").toString(), "--device", "cuda", "--steps", "1");
        assertEquals(2, d[0], d[1] + "\n" + d[2]);
        assertTrue(((String) d[2]).contains(reason), (String) d[2]);
        assertFalse(Files.exists(tmp.resolve("demo")));

        // a finished CPU run evaluated with --device cuda
        Path cpu = tmp.resolve("cpu");
        assertEquals(0, runCapturing(train(conf, cpu, "--device", "cpu"))[0]);
        Object[] e = runCapturing("eval", cpu.toString(), "--device", "cuda", "--progress", "none", "--no-report");
        assertEquals(2, e[0], e[1] + "\n" + e[2]);
        assertTrue(((String) e[2]).contains(reason), (String) e[2]);

        Object[] bad = runCapturing(train(conf, tmp.resolve("bad"), "--device", "tpu"));
        assertEquals(2, bad[0]);
        assertTrue(((String) bad[2]).contains("unknown --device 'tpu': expected auto, cpu or cuda"), (String) bad[2]);
    }

    /**
     * The selected ops reach the trainers: both runtimes opened on Ops.reference() (the double-precision
     * backend, a stand-in for any non-CPU ops) end in the bits of ReferenceTrainer on Ops.reference(),
     * which differ from the CPU's.
     */
    @Test
    void theSelectedOpsReachTheTrainersOfBothRuntimes(@TempDir Path tmp) throws IOException {
        Path conf = TinyRun.config(tmp);
        HoconTrainConfig.Loaded loaded = HoconTrainConfig.load(conf, List.of("steps=2"));
        TrainConfig config = loaded.config();
        TrainingData data = TrainingData.load(config.data());
        ReferenceTrainer onReference = new ReferenceTrainer(config, data, Ops.reference());
        onReference.run(2);
        ReferenceTrainer onCpu = new ReferenceTrainer(config, data);
        onCpu.run(2);
        assertFalse(Arrays.equals(onCpu.studentParameters(), onReference.studentParameters()), "the two backends differ in the last bits");

        for (RuntimeKind kind : RuntimeKind.values()) {
            RunDirectory run = RunDirectory.create(tmp.resolve(kind.name()), loaded);
            TrainRuntime.Result result;
            try (TrainRuntime runtime = kind.open(config, data, run.dir(), new RuntimeOptions(1, 1, 8, false), Ops.reference());
                 StopRequest stop = StopRequest.manual()) {
                result = runtime.run(run, 2, rec -> {}, stop, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            }
            assertEquals(2, result.steps(), kind.name());
            assertBitIdentical(onReference.studentParameters(), result.student(), kind + " student");
            assertBitIdentical(onReference.teacherParameters(), result.teacher(), kind + " teacher");
        }
    }

    /** The pre-training path: PretrainRun on Ops.reference() writes the encoder of MaePretrainer on Ops.reference(), not the CPU's. */
    @Test
    void theSelectedOpsReachThePretrainer(@TempDir Path tmp) throws IOException {
        Path conf = tmp.resolve("tiny-mae.conf");
        try (var in = getClass().getResourceAsStream("/tiny-mae.conf")) {
            Files.write(conf, in.readAllBytes());
        }
        com.typesafe.config.Config resolved = HoconTrainConfig.resolve(conf, List.of("steps=2"));
        org.semivim.cli.run.PretrainJob.Config job = HoconTrainConfig.validate(resolved, org.semivim.cli.run.PretrainJob.Kind.mae::read);
        TrainingData data = TrainingData.load(job.data());
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        byte[][] encoders = new byte[2][];
        Ops[] backends = {Ops.reference(), Ops.cpu()};
        for (int b = 0; b < 2; b++) {
            Path dir = tmp.resolve("run" + b);
            org.semivim.cli.run.PretrainRun.create(dir, resolved, job);
            try (StopRequest stop = StopRequest.manual()) {
                assertTrue(org.semivim.cli.run.PretrainRun.run(dir, job, data, 2, org.semivim.cli.progress.Progress.Mode.NONE, stop, quiet,
                        backends[b]));
            }
            encoders[b] = Files.readAllBytes(dir.resolve(org.semivim.cli.run.PretrainRun.ENCODER));
        }
        var expected = new org.semivim.training.mae.MaePretrainer(org.semivim.training.config.MaePretrainConfig.fromMap(job.canonicalMap()),
                data, Ops.reference());
        expected.run(2);
        Path file = tmp.resolve("expected.safetensors");
        expected.saveEncoder(file);
        assertArrayEquals(Files.readAllBytes(file), encoders[0], "the pre-trainer ran on the given ops");
        assertFalse(Arrays.equals(encoders[0], encoders[1]), "the two backends differ in the last bits");
    }
}
