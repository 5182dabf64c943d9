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

    @Test
    void ssmaeIsRefusedWithAClearMessage() {
        var map = TinyRuns.configMap("ssmae", 2);
        map.put("model", new java.util.LinkedHashMap<>(java.util.Map.of("arch", "vit", "img_size", 12, "patch_size", 4, "in_chans", 1,
                "embed_dim", 16, "depth", 1, "num_heads", 2, "num_classes", 4)));
        map.remove("tau");
        TrainConfig config = TrainConfig.fromMap(map);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunGuardian.create(config, TrainingData.load(config.data()), RunOptions.defaults(), new java.util.concurrent.CompletableFuture<>()));
        assertTrue(e.getMessage().contains("ssmae") && e.getMessage().contains("SsmaeTrainer"), e.getMessage());
    }

    @Test
    void oneTrainerOneAugmenterAndSupervisedMatchToo() throws Exception {
        check("supervised", 4, RunOptions.defaults().withAugmenters(1).withTrainers(1).withLookahead(1));
        check("lyapema", 4, RunOptions.defaults().withAugmenters(1).withTrainers(3));
    }
}
