package org.semivim.actors;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainingData;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The actor runtime in one JVM (every message Kryo-serialized) ends with the reference trainer's
 * parameters, bit for bit, and reports the same step records, for several pool and trainer sizes.
 */
class ActorRuntimeEquivalenceTest {
    private static ActorTestKit kit;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create("equivalence", TestPekko.config());
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private static void check(String method, long steps, RunOptions options) throws Exception {
        TrainConfig config = TinyRuns.config(method, steps);
        TrainingData data = TrainingData.load(config.data());
        RunAssertions.Reference ref = RunAssertions.reference(config, data);
        List<StepRecord> records = new CopyOnWriteArrayList<>();
        RunResult result = RunAssertions.actors(kit, config, data, options.withListener(records::add));
        assertEquals(steps, result.steps());
        RunAssertions.assertSameRun(ref, result, records);
    }

    @Test
    void fixMatchMatchesTheReferenceTrainer() throws Exception {
        check("fixmatch", 6, RunOptions.defaults().withAugmenters(2).withTrainers(2));
    }

    @Test
    void lyapEmaSsMixupMatchesTheReferenceTrainer() throws Exception {
        check("lyapema_ssmixup", 6, RunOptions.defaults().withAugmenters(3).withTrainers(4).withLookahead(3));
    }

    @Test
    void aFinishedRunResumedAgainEndsAtOnceWithTheSameParameters(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        TrainConfig config = TinyRuns.config("fixmatch", 4);
        TrainingData data = TrainingData.load(config.data());
        RunResult first = RunAssertions.actors(kit, config, data, RunOptions.defaults().withRunDirectory(dir, 2));
        List<StepRecord> again = new CopyOnWriteArrayList<>();
        RunResult second = RunAssertions.actors(kit, config, data, RunOptions.defaults().withRunDirectory(dir, 2).withListener(again::add));
        RunAssertions.assertBitIdentical(first.student(), second.student(), "student");
        RunAssertions.assertBitIdentical(first.teacher(), second.teacher(), "teacher");
        assertEquals(List.of(), again, "no step runs again");
        assertEquals(4, org.semivim.training.metrics.MetricsLog.read(dir.resolve(RunOptions.METRICS_FILE)).records().size());
    }

    @Test
    void initFromIsLoadedAsTheReferenceTrainerLoadsIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path weights = dir.resolve("start.safetensors");
        TrainConfig plain = TinyRuns.config("ema_teacher", 3);
        org.semivim.engine.io.Safetensors.save(plain.model().create(org.semivim.engine.ops.Ops.cpu(), 99).parameters(), weights, java.util.Map.of());
        var map = TinyRuns.configMap("ema_teacher", 3);
        map.put("init_from", weights.toString());
        TrainConfig config = TrainConfig.fromMap(map);
        TrainingData data = TrainingData.load(config.data());
        RunAssertions.Reference ref = RunAssertions.reference(config, data);
        RunAssertions.Reference fromSeed = RunAssertions.reference(plain, data);
        assertFalse(java.util.Arrays.equals(ref.student(), fromSeed.student()), "init_from changes the run");
        List<StepRecord> records = new CopyOnWriteArrayList<>();
        RunResult result = RunAssertions.actors(kit, config, data, RunOptions.defaults().withListener(records::add));
        RunAssertions.assertSameRun(ref, result, records);
    }

    @Test
    void aPipelineStageWithAnInitialStudentAndFrozenParametersMatches() throws Exception {
        TrainConfig config = TinyRuns.config("lyapema", 4);
        TrainingData data = TrainingData.load(config.data());
        float[] initial = config.model().create(org.semivim.engine.ops.Ops.cpu(), 5).parameters().flatValues().toArray();
        java.util.Set<String> frozen = java.util.Set.of("patch_embed.proj.weight", "head.bias");
        org.semivim.training.loop.ReferenceTrainer trainer =
                new org.semivim.training.loop.ReferenceTrainer(config, data, org.semivim.engine.ops.Ops.cpu(), initial, frozen);
        List<StepRecord> refRecords = new java.util.ArrayList<>();
        trainer.addListener(refRecords::add);
        trainer.run();
        var ref = new RunAssertions.Reference(trainer.studentParameters(), trainer.teacherParameters(), refRecords);
        List<StepRecord> records = new CopyOnWriteArrayList<>();
        RunResult result = RunAssertions.actors(kit, config, data,
                RunOptions.defaults().withTrainers(2).withStart(new StartingPoint(initial, frozen)).withListener(records::add));
        RunAssertions.assertSameRun(ref, result, records);
        var layout = config.model().create(org.semivim.engine.ops.Ops.cpu(), 0).parameters();
        var bias = layout.parameters().stream().filter(p -> p.name().equals("head.bias")).findFirst().orElseThrow();
        for (int i = bias.offset(); i < bias.offset() + bias.size(); i++) assertEquals(initial[i], result.student()[i], "frozen head.bias moved");
    }

    @Test
    void aRunDirectoryOfAnotherConfigIsRefusedNotOverwritten(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        TrainConfig first = TinyRuns.config("fixmatch", 2);
        TrainingData data = TrainingData.load(first.data());
        RunAssertions.actors(kit, first, data, RunOptions.defaults().withRunDirectory(dir, 1));
        var other = TinyRuns.configMap("fixmatch", 2);
        other.put("seed", 8);
        var e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> RunAssertions.actors(kit, TrainConfig.fromMap(other), data, RunOptions.defaults().withRunDirectory(dir, 1)));
        assertInstanceOf(RunFailedException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("checkpoint"), e.getCause().getMessage());
        assertEquals(2, org.semivim.training.metrics.MetricsLog.read(dir.resolve(RunOptions.METRICS_FILE)).records().size(), "the first run's log is kept");
    }

    /**
     * SSMAE on the actors equals SsmaeTrainer bit for bit, every record included, with 1 and 3 trainers. The gate is
     * evaluated from epoch 1 (step 4 of E = 4) and opens, so the memory fills and memorised samples train: the
     * memory path (TeacherInference's view, the supervisor's writes) is exercised, across two gate decisions.
     */
    @Test
    void ssmaeMatchesTheSsmaeTrainerWithTheGateOpeningDuringTheRun(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        TrainConfig config = TrainConfig.fromMap(TinyRuns.ssmaeConfigMap(11, 1));
        TrainingData data = TrainingData.load(config.data());
        RunAssertions.Reference ref = RunAssertions.ssmaeReference(config, data, dir.resolve("reference"));
        var first = ref.records().get(0).methodFields();
        var last = ref.records().get(10).methodFields();
        assertEquals(false, first.get("gate_enabled"), "the gate is off in epoch 0");
        assertEquals(true, last.get("gate_enabled"), "the gate opens during the run");
        assertTrue((long) last.get("memory_size") > 5, "the memory fills: " + last.get("memory_size"));
        assertTrue(ref.records().stream().anyMatch(r -> (int) r.methodFields().get("pseudo_pairs") > (int) r.methodFields().get("admitted")),
                "memorised samples train again");
        for (RunOptions options : List.of(RunOptions.defaults().withAugmenters(2).withTrainers(1),
                RunOptions.defaults().withAugmenters(3).withTrainers(3).withLookahead(3))) {
            List<StepRecord> records = new CopyOnWriteArrayList<>();
            RunResult result = RunAssertions.actors(kit, config, data, options.withListener(records::add));
            assertEquals(11, result.steps());
            RunAssertions.assertSameRun(ref, result, records);
        }
    }

    /** SSMAE with 2 trainers and disk checkpoints every 3 steps (memory and gate in the state); resumed when finished, it returns at once. */
    @Test
    void ssmaeWithCheckpointsMatchesAndResumesFinished(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        TrainConfig config = TrainConfig.fromMap(TinyRuns.ssmaeConfigMap(9, 1));
        TrainingData data = TrainingData.load(config.data());
        RunAssertions.Reference ref = RunAssertions.ssmaeReference(config, data, dir.resolve("reference"));
        List<StepRecord> records = new CopyOnWriteArrayList<>();
        java.nio.file.Path runDir = dir.resolve("run");
        RunResult result = RunAssertions.actors(kit, config, data, RunOptions.defaults().withTrainers(2).withRunDirectory(runDir, 3).withListener(records::add));
        RunAssertions.assertSameRun(ref, result, records);
        var latest = new org.semivim.training.checkpoint.CheckpointStore(runDir).latest(config.hash()).orElseThrow();
        var state = org.semivim.training.loop.TrainCheckpoints.stateOf(latest.checkpoint(),
                org.semivim.training.ssmae.SsmaeStep.model(config, org.semivim.engine.ops.Ops.cpu()).parameters());
        assertEquals(9, state.step());
        assertEquals(ref.records().get(8).methodFields().get("memory_size"),
                (long) org.semivim.training.ssmae.SsmaeMemoryState.memoryOf(state.methodState()).size(), "the memory is in the checkpoint");
        List<StepRecord> again = new CopyOnWriteArrayList<>();
        RunResult second = RunAssertions.actors(kit, config, data, RunOptions.defaults().withRunDirectory(runDir, 3).withListener(again::add));
        RunAssertions.assertBitIdentical(ref.student(), second.student(), "student");
        assertEquals(List.of(), again, "no step runs again");
    }

    @Test
    void ssmaeRefusesAnInitialStudentOrFrozenParameters() {
        TrainConfig config = TrainConfig.fromMap(TinyRuns.ssmaeConfigMap(2, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunGuardian.create(config, TrainingData.load(config.data()),
                        RunOptions.defaults().withStart(new StartingPoint(null, java.util.Set.of("head.bias"))), new java.util.concurrent.CompletableFuture<>()));
        assertTrue(e.getMessage().contains("ssmae"), e.getMessage());
    }

    @Test
    void oneTrainerOneAugmenterAndSupervisedMatchToo() throws Exception {
        check("supervised", 4, RunOptions.defaults().withAugmenters(1).withTrainers(1).withLookahead(1));
        check("lyapema", 4, RunOptions.defaults().withAugmenters(1).withTrainers(3));
    }
}
