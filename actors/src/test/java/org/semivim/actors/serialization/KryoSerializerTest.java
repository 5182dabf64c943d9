package org.semivim.actors.serialization;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.semivim.actors.Augmenter;
import org.semivim.actors.Checkpointer;
import org.semivim.actors.DataLoader;
import org.semivim.actors.LyapunovSupervisor;
import org.semivim.actors.MetricsReporter;
import org.semivim.actors.RunGuardian;
import org.semivim.actors.StudentTrainer;
import org.semivim.actors.TeacherInference;
import org.semivim.actors.TestPekko;
import org.semivim.data.sampling.StepBatch;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainState;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.step.StepViews;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class KryoSerializerTest {
    private static ActorTestKit kit;
    private static KryoSerializer serializer;
    private static ActorRef<Object> ref;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create("kryo-test", TestPekko.config());
        serializer = new KryoSerializer(ActorRefResolver.get(kit.system()));
        TestProbe<Object> probe = kit.createTestProbe();
        ref = probe.ref();
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @SuppressWarnings("unchecked")
    private static <T> ActorRef<T> ref() {
        return (ActorRef<T>) (ActorRef<?>) ref;
    }

    private static Object roundTrip(Object o) {
        return serializer.fromBinary(serializer.toBinary(o), "");
    }

    /** One sample of every message class; the values exercise views with offsets, NaN, nested JSON, null teachers. */
    private static List<Object> samples() throws Exception {
        StepBatch batch = new StepBatch(3, new int[]{4, 9}, new int[]{1, 2, 5, 7}, 6, 12, 2);
        float[] storage = new float[40];
        for (int i = 0; i < storage.length; i++) storage[i] = i * 0.5f - 3;
        Tensor labeledWeak = Tensor.view(storage, 4, 2, 1, 2, 2);   // a view with an offset: sent compacted
        Tensor weak = Tensor.wrap(Arrays.copyOf(storage, 16), 4, 1, 2, 2);
        Tensor strong = Tensor.wrap(Arrays.copyOfRange(storage, 16, 32), 4, 1, 2, 2);
        StepViews views = new StepViews(batch, labeledWeak, new int[]{0, 3}, weak, strong);
        PseudoLabels labels = new PseudoLabels(new float[]{0.9f, 0.3f, 0.5f, 1f}, new int[]{1, 0, 3, 2}, 4);
        Map<String, Object> lyap = new LinkedHashMap<>();
        lyap.put("s", 0.5);
        lyap.put("lam", 0.01f);
        lyap.put("v_prev", Double.NaN);
        lyap.put("gamma", Double.NEGATIVE_INFINITY);
        lyap.put("accepted", 12L);
        lyap.put("count", 3);
        lyap.put("on", true);
        lyap.put("mode", "calibrated");
        lyap.put("nested", new LinkedHashMap<>(Map.of("x", List.of(1.5, "y"))));
        lyap.put("none", null);
        float[] p = {1.5f, -2f, Float.NaN, 0f, -0f, Float.MIN_VALUE};
        TrainState withTeacher = new TrainState("abc123", 4, 32, 64, p, p.clone(), new AdamW.State(4, p.clone(), p.clone()), lyap);
        TrainState noTeacher = new TrainState("abc123", 0, 0, 0, p, null, new AdamW.State(0, new float[6], new float[6]), Map.of());
        StepRecord record = new StepRecord(3, 0.75, 1e-3, 2.5, 1.25, 0.25, 0.5, Double.NaN, 0.625, 3.0, false, lyap);

        List<Object> out = new ArrayList<>();
        out.add(new DataLoader.RequestWork(ref()));
        out.add(new DataLoader.Requeue(3));
        out.add(new DataLoader.Committed(4));
        out.add(new DataLoader.RestartFrom(2));
        out.add(new Augmenter.Render(batch));
        out.add(new TeacherInference.ViewsReady(views));
        out.add(new TeacherInference.LabelParams(5, p, true));
        out.add(new TeacherInference.ResendShards(ref()));
        out.add(new StudentTrainer.StudentParams(5, p));
        out.add(StudentTrainer.StepInputs.of(views));
        out.add(new StudentTrainer.ComputeLabelled(3, labels, new int[]{0, 2}));
        out.add(new StudentTrainer.ComputeLabelled(3, new PseudoLabels(new float[0], new int[0], 4), new int[0]));
        out.add(new LyapunovSupervisor.Begin());
        out.add(new LyapunovSupervisor.StepPlan(3, batch, labels, new boolean[]{true, false, true, true}, new int[]{0, 1}, new float[]{1f, 5f}));
        out.add(new LyapunovSupervisor.ShardDone(3, 1, p, new double[]{0.5, Double.NaN}));
        out.add(new LyapunovSupervisor.TrainerStarted(ref()));
        out.add(new LyapunovSupervisor.TeacherStarted(ref()));
        out.add(internal("StateLoaded", new Checkpointer.Latest(withTeacher, null)));
        out.add(internal("MetricsSynced", new MetricsReporter.Synced(4, null)));
        out.add(internal("CheckpointSaved", new Checkpointer.Saved(4, "/tmp/x", null)));
        out.add(new Checkpointer.Save(withTeacher, ref()));
        out.add(new Checkpointer.Save(noTeacher, ref()));
        out.add(new Checkpointer.Saved(4, null, "disk full"));
        out.add(new Checkpointer.LoadLatest(ref()));
        out.add(new Checkpointer.Latest(null, null));
        out.add(new MetricsReporter.Report(record));
        out.add(new MetricsReporter.Sync(4, ref()));
        out.add(new MetricsReporter.Synced(4, null));
        out.add(new RunGuardian.RunFinished(10, p, null, false));
        out.add(new RunGuardian.RunFinished(4, p, p, true));
        out.add(new RunGuardian.RequestStop());
        out.add(new LyapunovSupervisor.StopAfterCommit());
        out.add(new RunGuardian.RunFailed("boom"));
        out.add(internal(Checkpointer.class, "RecordsSynced", new MetricsReporter.Synced(6, null)));
        var snapshot = new org.semivim.actors.EvaluationLog.Snapshot("{\"primary\":\"teacher\",\"best_step\":5}", new String[] {"best/a", "best/b"},
                new org.semivim.engine.tensor.Tensor[] {org.semivim.engine.tensor.Tensor.wrap(new float[] {1, 2}, 2), org.semivim.engine.tensor.Tensor.wrap(new float[] {3}, 1)});
        out.add(new MetricsReporter.Synced(5, snapshot));
        out.add(new MetricsReporter.Evaluate(5, p, p));
        out.add(new MetricsReporter.Evaluate(5, p, null));
        out.add(new MetricsReporter.RestoreEvaluation(5, snapshot));
        out.add(new MetricsReporter.RestoreEvaluation(0, null));
        out.add(new Augmenter.AskForWork());
        out.add(new TeacherInference.LoaderRestarted());
        // cluster (issue 6); the SSMAE samples stay last, the test reads them from the end
        out.add(new org.semivim.actors.TrainerHost.HostTrainer("{\"seed\":7}", ref(), ref(), ref()));
        out.add(new org.semivim.actors.ClusterRunGuardian.TrainerHosted(ref(), ref(), ref()));
        byte[] part = {1, -2, 3, 0, 127};
        out.add(new org.semivim.actors.transfer.ChunkReceiver.Chunk(99L, 15L, 17L, 1, 4, 2, 3, 13, 4, KryoSerializer.IDENTIFIER, "", "StudentParams", part,
                org.semivim.actors.transfer.Chunking.crc(17L, 4, 2, 3, 13, 4, part), ref()));
        out.add(new org.semivim.actors.transfer.ChunkSender.ChunkAck(99L, 18L, 1, true));
        out.add(new org.semivim.actors.transfer.ChunkSender.Connect(ref()));
        Constructor<?> resend = Class.forName(org.semivim.actors.transfer.ChunkSender.class.getName() + "$Resend").getDeclaredConstructors()[0];
        resend.setAccessible(true);
        out.add(resend.newInstance(4L));
        // augmenters on data nodes
        out.add(new org.semivim.actors.AugmenterHost.HostAugmenters("{\"seed\":7}", ref(), ref(), ref()));
        out.add(new org.semivim.actors.ClusterRunGuardian.AugmentersHosted(List.of(ref(), ref()), ref()));
        out.add(new DataLoader.WorkerGone(ref()));
        // TeacherInference on teacher nodes
        out.add(new TeacherInference.ShardTable(List.of(ref(), ref()), List.of(new int[]{0, 2}, new int[]{1, 3})));
        out.add(TeacherInference.ShardTable.EMPTY);
        out.add(new org.semivim.actors.TeacherOutbox.Forward(ref(), new StudentTrainer.StepInputs(3, views)));
        out.add(new org.semivim.actors.TeacherOutbox.Forward(ref(), new LyapunovSupervisor.StepPlan(3, batch, labels, new boolean[]{true, false, true, true},
                new int[]{0, 1}, new float[]{1f, 5f})));
        out.add(new org.semivim.actors.TeacherHost.HostTeacher("{\"seed\":7}", ref(), ref(), ref(), ref(), ref(), ref()));
        out.add(new org.semivim.actors.ClusterRunGuardian.TeacherHosted(ref(), ref(), ref()));
        out.add(new org.semivim.actors.TeacherHost.OpenViewsLink(ref(), ref(), ref()));
        out.add(new org.semivim.actors.ClusterRunGuardian.ViewsLinkOpened(ref(), ref(), ref()));
        out.add(new LyapunovSupervisor.StepGradientDone(3, p, new double[][]{{0.5, Double.NaN}, {}, {-0.0, 1e-300}}));
        Constructor<?> flush = Class.forName(org.semivim.actors.transfer.ChunkReceiver.class.getName() + "$FlushAck").getDeclaredConstructors()[0];
        flush.setAccessible(true);
        out.add(flush.newInstance());
        out.add(new StudentTrainer.MirrorParams(4, p, 4, new float[]{0.1f, -0.0f, Float.MIN_VALUE}, new float[]{Float.NaN, 1e-30f, 2f}));
        out.add(new StudentTrainer.CommitNote(5, false, 3.0e-4, 0x8000_0000_0000_0001L));
        out.add(new LyapunovSupervisor.StudentWanted(ref()));
        // SSMAE (kept last: the tests read it from the end)
        var gate = new org.semivim.training.ssmae.SsmaeGate.Decision(2, true, true, 62.5, 8, 20);
        var admission = new org.semivim.training.ssmae.SsmaeAdmission.Admission(List.of(
                new org.semivim.training.ssmae.SsmaeAdmission.PseudoPair(0, 1, 3, true, 0.75f),
                new org.semivim.training.ssmae.SsmaeAdmission.PseudoPair(2, 5, 1, false, Float.NaN)));
        var plan = new org.semivim.training.ssmae.SsmaeStep.Plan(3, 0, new int[]{1, 2, 5, 7}, gate, admission, new int[]{3, 0, 1, 1});
        var cls = org.semivim.training.ssmae.SsmaeClassificationBatch.assemble(labeledWeak, new int[]{0, 3}, weak, admission);
        Tensor targets = cls.oneHotTargets(4);
        var withRows = new org.semivim.training.ssmae.SsmaeStep.ShardTerms(3, 2, Tensor.view(cls.images().data, 4, 2, 1, 2, 2),
                Tensor.view(targets.data, 4, 2, 4), Tensor.view(cls.rowWeights().data, 1, 2), Tensor.view(weak.data, 8, 2, 1, 2, 2),
                org.semivim.engine.models.mae.MaeMask.of(new int[][]{{1, 0, 2, 3}, {3, 2, 1, 0}}, 1), 4);
        var noRows = new org.semivim.training.ssmae.SsmaeStep.ShardTerms(3, 0, null, null, null, null, null, 4);
        out.add(new TeacherInference.MemoryView(4, gate, List.of(new org.semivim.data.store.PseudoLabelMemory.Memorised(5, 1, 0.5f, 1),
                new org.semivim.data.store.PseudoLabelMemory.Memorised(9, 2, Float.MIN_VALUE, 0)), false));
        out.add(new TeacherInference.MemoryView(0, null, List.of(), true));
        out.add(new StudentTrainer.ComputeSsmaeShards(3, List.of(noRows, withRows)));
        out.add(new LyapunovSupervisor.SsmaeStepPlan(plan));
        return out;
    }

    private static Object internal(String name, Object arg) throws Exception {
        return internal(LyapunovSupervisor.class, name, arg);
    }

    private static Object internal(Class<?> actor, String name, Object arg) throws Exception {
        Class<?> c = Class.forName(actor.getName() + "$" + name);
        Constructor<?> k = c.getDeclaredConstructors()[0];
        k.setAccessible(true);
        return k.newInstance(arg);
    }

    @Test
    void everyProtocolMessageSurvivesARoundTripBitForBit() throws Exception {
        Set<Class<?>> covered = new LinkedHashSet<>();
        for (Object m : samples()) {
            byte[] bytes = serializer.toBinary(m);
            Object back = serializer.fromBinary(bytes, "");
            assertEquals(m.getClass(), back.getClass());
            assertArrayEquals(bytes, serializer.toBinary(back), "second trip of " + m.getClass().getName() + " differs");
            covered.add(m.getClass());
        }
        for (Class<?> c : MessageRegistry.classes()) {
            if (WireMessage.class.isAssignableFrom(c)) assertTrue(covered.contains(c), "no round-trip sample for " + c.getName());
        }
    }

    @Test
    void everyMessageClassOfEveryActorIsRegistered() {
        List<Class<?>> actors = List.of(DataLoader.class, Augmenter.class, TeacherInference.class, StudentTrainer.class,
                LyapunovSupervisor.class, Checkpointer.class, MetricsReporter.class, RunGuardian.class,
                org.semivim.actors.TrainerHost.class, org.semivim.actors.ClusterRunGuardian.class, org.semivim.actors.AugmenterHost.class,
                org.semivim.actors.transfer.ChunkSender.class, org.semivim.actors.transfer.ChunkReceiver.class, org.semivim.actors.TeacherHost.class,
                org.semivim.actors.TeacherOutbox.class);
        for (Class<?> a : actors) {
            for (Class<?> nested : a.getDeclaredClasses()) {
                if (WireMessage.class.isAssignableFrom(nested) && !nested.isInterface()) {
                    assertTrue(MessageRegistry.idOf(nested) >= MessageRegistry.FIRST_ID, nested.getName() + " is a message but not registered");
                }
            }
        }
    }

    @Test
    void aShardTableAndAForwardedMessageComeBackExactly() throws Exception {
        List<Object> s = samples();
        var table = (TeacherInference.ShardTable) roundTrip(s.stream().filter(m -> m instanceof TeacherInference.ShardTable t && !t.trainers().isEmpty())
                .findFirst().orElseThrow());
        assertEquals(2, table.trainers().size());
        assertArrayEquals(new int[]{0, 2}, table.shards().get(0));
        assertArrayEquals(new int[]{1, 3}, table.shards().get(1));
        var forward = (org.semivim.actors.TeacherOutbox.Forward) roundTrip(s.stream().filter(m -> m instanceof org.semivim.actors.TeacherOutbox.Forward f
                && f.message() instanceof StudentTrainer.StepInputs).findFirst().orElseThrow());
        var inputs = (StudentTrainer.StepInputs) forward.message();
        assertEquals(3, inputs.step());
        assertArrayEquals(new int[]{4, 1, 2, 2}, inputs.views().unlabeledWeak().shape(), "forwarded whole: the weak unlabeled views too");
    }

    @Test
    void valuesComeBackExactly() throws Exception {
        List<Object> s = samples();
        var views = ((TeacherInference.ViewsReady) roundTrip(s.get(5))).views();
        assertEquals(0, views.labeledWeak().offset, "views arrive compacted");
        assertArrayEquals(new int[]{2, 1, 2, 2}, views.labeledWeak().shape());
        assertEquals(-1f, views.labeledWeak().data[0]);   // storage[4] = 4 * 0.5 - 3
        assertArrayEquals(new int[]{0, 3}, views.labeledLabels());
        assertEquals(new StepBatch(3, new int[]{4, 9}, new int[]{1, 2, 5, 7}, 6, 12, 2), views.batch());

        var inputs = (StudentTrainer.StepInputs) roundTrip(s.get(9));
        assertEquals(3, inputs.step());
        assertArrayEquals(new int[]{0, 1, 2, 2}, inputs.views().unlabeledWeak().shape(), "the weak unlabeled views are left out");
        assertArrayEquals(new int[]{4, 1, 2, 2}, inputs.views().unlabeledStrong().shape());
        assertEquals(5f, inputs.views().unlabeledStrong().data[0]);   // storage[16] = 16 * 0.5 - 3
        assertEquals(-1f, inputs.views().labeledWeak().data[0]);
        var labelled = (StudentTrainer.ComputeLabelled) roundTrip(s.get(10));
        assertArrayEquals(new int[]{0, 2}, labelled.shards());
        assertArrayEquals(new float[]{0.9f, 0.3f, 0.5f, 1f}, labelled.predictions().confidence());
        assertArrayEquals(new int[]{1, 0, 3, 2}, labelled.predictions().label());

        TrainState state = ((Checkpointer.Save) roundTrip(s.get(20))).state();
        assertEquals("abc123", state.configHash());
        assertEquals(4, state.step());
        assertEquals(32, state.labeledPosition());
        assertEquals(64, state.unlabeledPosition());
        assertEquals(Float.floatToRawIntBits(Float.NaN), Float.floatToRawIntBits(state.student()[2]));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(state.teacher()[4]));
        assertEquals(4, state.adamW().step());
        assertTrue(Double.isNaN((Double) state.methodState().get("v_prev")));
        assertEquals(Double.NEGATIVE_INFINITY, state.methodState().get("gamma"));
        assertEquals(12L, state.methodState().get("accepted"));
        assertEquals(3, state.methodState().get("count"));
        assertEquals(0.01f, state.methodState().get("lam"));
        assertEquals(List.of(1.5, "y"), ((Map<?, ?>) state.methodState().get("nested")).get("x"));
        assertTrue(state.methodState().containsKey("none"));
        assertEquals(List.copyOf(state.methodState().keySet()), List.copyOf(((Map<?, ?>) s.stream()
                .filter(o -> o instanceof Checkpointer.Save).map(o -> ((Checkpointer.Save) o).state().methodState()).findFirst().orElseThrow()).keySet()),
                "map order kept");
        assertNull(((Checkpointer.Save) roundTrip(s.get(21))).state().teacher());

        StepRecord r = ((MetricsReporter.Report) roundTrip(s.get(25))).record();
        assertEquals(3, r.step());
        assertEquals(0.75, r.labeledEpoch());
        assertEquals(2.5, r.loss());
        assertTrue(Double.isNaN(r.pseudoAccuracyMasked()));
        assertEquals(0.625, r.pseudoAccuracyAll());
        assertEquals(3.0, r.gradNorm());
        assertEquals(0.5, r.maskRate());
        assertEquals(0.25, r.lossUnlabeled());
        assertEquals(1.25, r.lossLabeled());
        assertEquals(1e-3, r.lr());
        assertEquals("calibrated", r.methodFields().get("mode"));

        var ref2 = ((DataLoader.RequestWork) roundTrip(s.get(0))).worker();
        assertEquals(ref, ref2, "actor refs resolve to the same actor");

        var view = (TeacherInference.MemoryView) s.get(s.size() - 4);
        var viewBack = (TeacherInference.MemoryView) roundTrip(view);
        assertEquals(view.gate(), viewBack.gate());
        assertEquals(view.entries(), viewBack.entries());
        assertEquals(Float.floatToRawIntBits(Float.MIN_VALUE), Float.floatToRawIntBits(viewBack.entries().get(1).confidence()));
        assertNull(((TeacherInference.MemoryView) roundTrip(s.get(s.size() - 3))).gate(), "no gate before the first step");
        var work = ((StudentTrainer.ComputeSsmaeShards) s.get(s.size() - 2)).shards();
        var workBack = ((StudentTrainer.ComputeSsmaeShards) roundTrip(s.get(s.size() - 2))).shards();
        assertNull(workBack.get(0).classificationImages(), "a shard without rows");
        assertNull(workBack.get(0).maeMasks());
        var rows = work.get(1);
        var rowsBack = workBack.get(1);
        assertEquals(2, rowsBack.shard());
        assertEquals(0, rowsBack.classificationImages().offset, "views arrive compacted");
        assertArrayEquals(rows.classificationImages().toArray(), rowsBack.classificationImages().toArray());
        assertArrayEquals(rows.classificationTargets().toArray(), rowsBack.classificationTargets().toArray());
        assertArrayEquals(rows.classificationWeights().toArray(), rowsBack.classificationWeights().toArray());
        assertArrayEquals(rows.maeImages().toArray(), rowsBack.maeImages().toArray());
        assertArrayEquals(rows.maeMasks().shuffle(), rowsBack.maeMasks().shuffle());
        assertEquals(1, rowsBack.maeMasks().keep());
        assertEquals(4, rowsBack.maeBatch());
        var plan = ((LyapunovSupervisor.SsmaeStepPlan) s.get(s.size() - 1)).plan();
        var planBack = ((LyapunovSupervisor.SsmaeStepPlan) roundTrip(s.get(s.size() - 1))).plan();
        assertEquals(plan.admission(), planBack.admission(), "pseudo pairs, NaN confidence included");
        assertEquals(plan.gate(), planBack.gate());
        assertArrayEquals(plan.unlabeled(), planBack.unlabeled());
        assertArrayEquals(plan.weakArgmax(), planBack.weakArgmax());
    }

    /** Not registered on purpose. */
    record Unregistered(int x) implements WireMessage {}

    /** A list typed as shards that holds an unregistered class (erasure lets it through to the serializer). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<org.semivim.training.ssmae.SsmaeStep.ShardTerms> smuggled() {
        return (List) List.of(new Unregistered(2));
    }

    @Test
    void reusedOutputBuffersNeverLeakBytesBetweenMessages() {
        float[] big = new float[600_000];   // 2.4 MB: its buffer is kept
        for (int i = 0; i < big.length; i++) big[i] = i * 1e-3f;
        float[] huge = new float[(KryoSerializer.KEPT_OUTPUT_BYTES / 4) + 1000];   // its buffer is not kept
        var bigMessage = new StudentTrainer.StudentParams(3, big);
        byte[] first = serializer.toBinary(bigMessage);
        byte[] small = serializer.toBinary(new StudentTrainer.StudentParams(4, new float[]{1f, 2f}));
        assertTrue(small.length < 64, small.length + " bytes: only the small message's own bytes");
        assertArrayEquals(new float[]{1f, 2f}, ((StudentTrainer.StudentParams) serializer.fromBinary(small, "")).parameters());
        assertThrows(UnregisteredClassException.class, () -> serializer.toBinary(new Unregistered(1)));   // a write that fails half-way
        assertEquals(huge.length, ((StudentTrainer.StudentParams) serializer.fromBinary(serializer.toBinary(new StudentTrainer.StudentParams(5, huge)), ""))
                .parameters().length);
        assertArrayEquals(first, serializer.toBinary(bigMessage), "the same bytes again after other messages");
        assertArrayEquals(big, ((StudentTrainer.StudentParams) serializer.fromBinary(first, "")).parameters());
    }

    @Test
    void anUnregisteredClassIsRefusedWithItsName() {
        UnregisteredClassException top = assertThrows(UnregisteredClassException.class, () -> serializer.toBinary(new Unregistered(1)));
        assertEquals(Unregistered.class.getName(), top.className());
        assertTrue(top.getMessage().contains(Unregistered.class.getName()) && top.getMessage().contains("MessageRegistry"), top.getMessage());

        // inside a registered message: the field's class is named
        UnregisteredClassException inner = assertThrows(UnregisteredClassException.class,
                () -> serializer.toBinary(new StudentTrainer.ComputeSsmaeShards(1, smuggled())));
        assertEquals(Unregistered.class.getName(), inner.className());

        // bytes with a class id nobody registered
        byte[] bogus = {(byte) 0xF5, 0x07, 0x01};
        UnregisteredClassException unknown = assertThrows(UnregisteredClassException.class, () -> serializer.fromBinary(bogus, ""));
        assertTrue(unknown.getMessage().contains("unknown Kryo class id"), unknown.getMessage());
    }

    @Test
    void aRetiredMessageKeepsItsSlotAndIsRefusedByName() {
        int id = MessageRegistry.idOf(RetiredMessage.ComputeShards.class);
        assertEquals(MessageRegistry.idOf(StudentTrainer.StudentParams.class) + 1, id, "the retired class keeps ComputeShards' slot");
        com.esotericsoftware.kryo.io.Output out = new com.esotericsoftware.kryo.io.Output(8);
        out.writeVarInt(id + 2, true);   // how Kryo writes a registered class id
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> serializer.fromBinary(out.toBytes(), ""));
        assertTrue(e.getMessage().contains("StudentTrainer.ComputeShards") && e.getMessage().contains("retired"), e.getMessage());
    }

    @Test
    void withSerializeMessagesOnEveryLocalTellReallyGoesThroughKryo() {
        TestProbe<Object> probe = kit.createTestProbe();
        float[] p = {1f, 2f};
        StudentTrainer.StudentParams sent = new StudentTrainer.StudentParams(5, p);
        probe.ref().tell(sent);
        StudentTrainer.StudentParams got = (StudentTrainer.StudentParams) probe.receiveMessage();
        assertNotSame(sent, got, "the receiver gets a deserialized copy, not the sender's object");
        assertNotSame(p, got.parameters());
        assertArrayEquals(p, got.parameters());
        // an unregistered message fails the serialization check and is not delivered
        probe.ref().tell(new Unregistered(3));
        probe.ref().tell(new DataLoader.Requeue(6));
        assertEquals(new DataLoader.Requeue(6), probe.receiveMessage(), "the unregistered message was dropped, the next one arrives");
    }

    @Test
    void pekkoUsesKryoForEveryMessageAndNoJavaSerialization() throws Exception {
        Serialization serialization = SerializationExtension.get(Adapter.toClassic(kit.system()));
        for (Object m : samples()) assertEquals(KryoSerializer.IDENTIFIER, serialization.findSerializerFor(m).identifier(), m.getClass().getName());
        assertTrue(kit.system().settings().config().getBoolean("pekko.actor.serialize-messages"));
        assertFalse(kit.system().settings().config().getBoolean("pekko.actor.allow-java-serialization"));
        // a plain Java-serializable object has no serializer at all (Java serialization is off)
        assertThrows(Exception.class, () -> serialization.serialize(new java.util.Date()).get());
    }
}
