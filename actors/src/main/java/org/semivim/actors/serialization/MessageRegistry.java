package org.semivim.actors.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.semivim.actors.Augmenter;
import org.semivim.actors.Checkpointer;
import org.semivim.actors.DataLoader;
import org.semivim.actors.LyapunovSupervisor;
import org.semivim.actors.EvaluationLog;
import org.semivim.actors.MetricsReporter;
import org.semivim.actors.RunGuardian;
import org.semivim.actors.StudentTrainer;
import org.semivim.actors.TeacherInference;
import org.semivim.data.sampling.StepBatch;
import org.semivim.data.store.PseudoLabelMemory;
import org.semivim.engine.models.mae.MaeMask;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainState;
import org.semivim.training.pseudo.PseudoLabels;
import org.semivim.training.ssmae.SsmaeAdmission;
import org.semivim.training.ssmae.SsmaeGate;
import org.semivim.training.ssmae.SsmaeStep;
import org.semivim.training.step.LossTerm;
import org.semivim.training.step.ShardInput;
import org.semivim.training.step.StepViews;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * Every class the actors' messages may contain, with its fixed Kryo ID (registration is required:
 * anything else is refused, {@link UnregisteredClassException}). The ID is the position in this list
 * plus {@link #FIRST_ID}, so entries are only ever APPENDED (the nodes of a cluster must agree).
 * Records use Kryo's record serializer (canonical constructor, so their checks run on the way in);
 * the types that hold tensors, unmodifiable maps or lists, or actor refs have explicit serializers.
 * A message class the protocol no longer has keeps its slot as a {@link RetiredMessage} that refuses.
 */
public final class MessageRegistry {
    /** Kryo's own registrations (primitives, String) use IDs below this. */
    public static final int FIRST_ID = 20;

    private record Entry(Class<?> type, Function<ActorRefResolver, Serializer<?>> serializer) {}

    private static final List<Entry> ENTRIES = entries();

    private MessageRegistry() {}

    private static List<Entry> entries() {
        List<Entry> e = new ArrayList<>();
        // ---- arrays and JDK collections
        e.add(new Entry(float[].class, r -> new FloatArraySerializer()));   // bulk, Kryo's bytes (θ and gradients)
        plain(e, int[].class);
        plain(e, long[].class);
        plain(e, double[].class);
        plain(e, boolean[].class);
        plain(e, byte[].class);
        e.add(new Entry(List.of().getClass(), r -> new TrainingTypeSerializers.ImmutableLists()));       // ListN (empty, 3+)
        e.add(new Entry(List.of(1).getClass(), r -> new TrainingTypeSerializers.ImmutableLists()));      // List12
        plain(e, ArrayList.class);
        // ---- engine, data and training types inside messages
        e.add(new Entry(Tensor.class, r -> new TensorSerializer()));
        plain(e, StepBatch.class);
        plain(e, StepViews.class);
        plain(e, PseudoLabels.class);
        plain(e, LossTerm.class);
        plain(e, LossTerm.Kind.class);
        plain(e, LossTerm.SsMixupRows.class);
        plain(e, ShardInput.class);
        e.add(new Entry(StepRecord.class, r -> new TrainingTypeSerializers.StepRecords()));
        e.add(new Entry(TrainState.class, r -> new TrainingTypeSerializers.TrainStates()));
        // ---- typed actor refs (as their serialization strings)
        e.add(new Entry(actorRefAdapterClass(), ActorRefSerializer::new));
        // ---- the protocols
        plain(e, DataLoader.RequestWork.class);
        plain(e, DataLoader.Requeue.class);
        plain(e, DataLoader.Committed.class);
        plain(e, DataLoader.RestartFrom.class);
        plain(e, Augmenter.Render.class);
        plain(e, TeacherInference.ViewsReady.class);
        plain(e, TeacherInference.LabelParams.class);
        plain(e, TeacherInference.ResendShards.class);
        plain(e, StudentTrainer.StudentParams.class);
        e.add(new Entry(RetiredMessage.ComputeShards.class, r -> new RetiredMessage.Refusing("StudentTrainer.ComputeShards")));   // retired: the slot stays
        plain(e, LyapunovSupervisor.Begin.class);
        plain(e, LyapunovSupervisor.StepPlan.class);
        plain(e, LyapunovSupervisor.ShardDone.class);
        plain(e, LyapunovSupervisor.TrainerStarted.class);
        plain(e, LyapunovSupervisor.TeacherStarted.class);
        plain(e, internal(LyapunovSupervisor.class, "StateLoaded"));
        plain(e, internal(LyapunovSupervisor.class, "MetricsSynced"));
        plain(e, internal(LyapunovSupervisor.class, "CheckpointSaved"));
        plain(e, Checkpointer.Save.class);
        plain(e, Checkpointer.Saved.class);
        plain(e, Checkpointer.LoadLatest.class);
        plain(e, Checkpointer.Latest.class);
        plain(e, MetricsReporter.Report.class);
        plain(e, MetricsReporter.Sync.class);
        plain(e, MetricsReporter.Synced.class);
        plain(e, RunGuardian.RunFinished.class);
        plain(e, RunGuardian.RunFailed.class);
        plain(e, internal(Checkpointer.class, "RecordsSynced"));
        plain(e, Augmenter.AskForWork.class);
        plain(e, TeacherInference.LoaderRestarted.class);
        // ---- SSMAE (appended: training types inside its messages, then its messages)
        plain(e, int[][].class);
        plain(e, MaeMask.class);
        plain(e, SsmaeGate.Decision.class);
        plain(e, SsmaeAdmission.PseudoPair.class);
        plain(e, SsmaeAdmission.Admission.class);
        plain(e, SsmaeStep.Plan.class);
        plain(e, SsmaeStep.ShardTerms.class);
        plain(e, PseudoLabelMemory.Memorised.class);
        plain(e, TeacherInference.MemoryView.class);
        plain(e, StudentTrainer.ComputeSsmaeShards.class);
        plain(e, LyapunovSupervisor.SsmaeStepPlan.class);
        // ---- cluster (issue 6): a trainer node's host and the run singleton's answer
        plain(e, org.semivim.actors.TrainerHost.HostTrainer.class);
        plain(e, org.semivim.actors.ClusterRunGuardian.TrainerHosted.class);
        // ---- stopping a run early (appended)
        plain(e, RunGuardian.RequestStop.class);
        plain(e, LyapunovSupervisor.StopAfterCommit.class);
        // ---- periodic evaluation (appended)
        plain(e, String[].class);
        plain(e, Tensor[].class);
        plain(e, EvaluationLog.Snapshot.class);
        plain(e, MetricsReporter.Evaluate.class);
        plain(e, MetricsReporter.RestoreEvaluation.class);
        // ---- chunked links between cluster nodes (appended)
        plain(e, org.semivim.actors.transfer.ChunkReceiver.Chunk.class);
        plain(e, org.semivim.actors.transfer.ChunkSender.ChunkAck.class);
        plain(e, org.semivim.actors.transfer.ChunkSender.Connect.class);
        plain(e, internal(org.semivim.actors.transfer.ChunkSender.class, "Resend"));
        // ---- augmenters on data nodes (appended)
        plain(e, org.semivim.actors.AugmenterHost.HostAugmenters.class);
        plain(e, org.semivim.actors.ClusterRunGuardian.AugmentersHosted.class);
        plain(e, DataLoader.WorkerGone.class);
        // ---- TeacherInference on teacher nodes (appended)
        plain(e, TeacherInference.ShardTable.class);
        plain(e, org.semivim.actors.TeacherOutbox.Forward.class);
        plain(e, org.semivim.actors.TeacherHost.HostTeacher.class);
        plain(e, org.semivim.actors.ClusterRunGuardian.TeacherHosted.class);
        plain(e, org.semivim.actors.TeacherHost.OpenViewsLink.class);
        plain(e, org.semivim.actors.ClusterRunGuardian.ViewsLinkOpened.class);
        // ---- a step's work in two parts: the views ahead, the labels when they are known (appended)
        plain(e, StudentTrainer.StepInputs.class);
        plain(e, StudentTrainer.ComputeLabelled.class);
        // ---- a trainer holding every shard sends the step's summed gradient (appended)
        plain(e, double[][].class);
        plain(e, LyapunovSupervisor.StepGradientDone.class);
        // ---- a chunked link's receiver holds acknowledgements back a little (appended)
        plain(e, internal(org.semivim.actors.transfer.ChunkReceiver.class, "FlushAck"));
        // ---- θS off the critical path: a trainer mirrors the commits from a note (appended)
        plain(e, StudentTrainer.MirrorParams.class);
        plain(e, StudentTrainer.CommitNote.class);
        plain(e, LyapunovSupervisor.StudentWanted.class);
        return Collections.unmodifiableList(e);
    }

    /** The registered classes in ID order. */
    public static List<Class<?>> classes() {
        return ENTRIES.stream().<Class<?>>map(Entry::type).toList();
    }

    /** The fixed ID of {@code type}, or -1 when it is not registered. */
    public static int idOf(Class<?> type) {
        for (int i = 0; i < ENTRIES.size(); i++) if (ENTRIES.get(i).type == type) return FIRST_ID + i;
        return -1;
    }

    /** Registers every class on {@code kryo} (which must require registration). */
    static void registerAll(Kryo kryo, ActorRefResolver resolver) {
        kryo.addDefaultSerializer(ActorRef.class, new ActorRefSerializer(resolver));
        for (int i = 0; i < ENTRIES.size(); i++) {
            Entry entry = ENTRIES.get(i);
            if (entry.serializer == null) kryo.register(entry.type, FIRST_ID + i);
            else kryo.register(entry.type, entry.serializer.apply(resolver), FIRST_ID + i);
        }
    }

    private static void plain(List<Entry> e, Class<?> type) {
        e.add(new Entry(type, null));
    }

    /** A private internal message of an actor, by its nested name. */
    private static Class<?> internal(Class<?> actor, String simpleName) {
        try {
            return Class.forName(actor.getName() + "$" + simpleName, false, actor.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("message registry names " + actor.getSimpleName() + "." + simpleName + ", which does not exist", e);
        }
    }

    private static Class<?> actorRefAdapterClass() {
        try {
            return Class.forName("org.apache.pekko.actor.typed.internal.adapter.ActorRefAdapter");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Pekko's typed ActorRefAdapter class is missing (Pekko version mismatch?)", e);
        }
    }
}
