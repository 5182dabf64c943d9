package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.data.sampling.StepBatch;
import org.semivim.training.config.Method;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The parent of one run's actors: spawns them (the compute-heavy ones on the compute dispatcher),
 * each under a restart supervisor (at most {@link #MAX_RESTARTS} restarts a minute, then it stops),
 * fills the {@link RunTopology}, and tells the supervisor to begin. An Augmenter that stops is
 * replaced by a new pool member (its step went back to the DataLoader). It completes the run's
 * future with the final parameters, or exceptionally when the supervisor reports a failure, an
 * actor fails beyond its restart limit or any other actor stops; then it stops (and with it every
 * actor of the run). A {@link RequestStop} goes on to the supervisor, which ends the run early with a
 * checkpoint ({@link RunResult#stopped()}).
 */
public final class RunGuardian {

    public sealed interface Command extends WireMessage permits RunFinished, RunFailed, RequestStop {}

    /**
     * From the supervisor: the run ends after {@code steps} committed steps, the records synced and the
     * last checkpoint written; {@code stopped} when a {@link RequestStop} ended it before the config's last step.
     */
    public record RunFinished(long steps, float[] student, float[] teacher, boolean stopped) implements Command {}

    /** From {@link RunHandle#requestStop()}: let the step in progress commit, checkpoint it and end the run. */
    public record RequestStop() implements Command {}

    /** From the supervisor: the run cannot go on. */
    public record RunFailed(String reason) implements Command {}

    /** Name of the dispatcher (semivim-local.conf) for the actors that compute. */
    public static final String COMPUTE_DISPATCHER = "semivim.compute-dispatcher";
    static final int MAX_RESTARTS = 20;

    private RunGuardian() {}

    public static Behavior<Command> create(TrainConfig config, TrainingData data, RunOptions options, CompletableFuture<RunResult> result) {
        if (config.method() == Method.SSMAE && (options.start().initialStudent() != null || !options.start().frozen().isEmpty())) {
            throw new IllegalArgumentException("method ssmae starts from its config (seed, init_from): an initial student or frozen parameters "
                    + "are not supported, as in SsmaeTrainer");
        }
        if (options.trainers() > config.shards()) {
            throw new IllegalArgumentException("trainers (" + options.trainers() + ") must be at most the config's shards (" + config.shards() + ")");
        }
        return Behaviors.setup(ctx -> {
            RunTopology topology = new RunTopology();
            RunContext run = new RunContext(config, data, options, topology);
            DispatcherSelector compute = DispatcherSelector.fromConfig(COMPUTE_DISPATCHER);
            var metrics = spawn(ctx, MetricsReporter.create(run), "metrics-reporter", DispatcherSelector.defaultDispatcher());
            var checkpointer = spawn(ctx, Checkpointer.create(run, metrics), "checkpointer", DispatcherSelector.defaultDispatcher());
            var loader = spawn(ctx, DataLoader.create(run), "data-loader", DispatcherSelector.defaultDispatcher());
            var teacher = spawn(ctx, TeacherInference.create(run, loader), "teacher-inference", compute);
            List<ActorRef<StudentTrainer.Command>> trainers = new ArrayList<>();
            List<int[]> shards = new ArrayList<>();
            for (int w = 0; w < options.trainers(); w++) {
                trainers.add(spawn(ctx, StudentTrainer.create(run), "student-trainer-" + w, compute));
                shards.add(StepBatch.shardsOfWorker(w, options.trainers(), config.shards()));
            }
            var supervisor = spawn(ctx, LyapunovSupervisor.create(run, loader, checkpointer, metrics, ctx.getSelf()), "lyapunov-supervisor", compute);
            List<ActorRef<Augmenter.Command>> augmenters = new ArrayList<>();
            for (int i = 0; i < options.augmenters(); i++) augmenters.add(spawn(ctx, Augmenter.create(run, loader), "augmenter-" + i, compute));
            int[] replacements = {0};
            teacher.tell(new TeacherInference.ShardTable(trainers, shards));
            topology.fill(new RunTopology.Peers(loader, augmenters, teacher, trainers, shards, supervisor));
            supervisor.tell(new LyapunovSupervisor.Begin());
            return Behaviors.<Command>receive(Command.class)
                    .onMessage(RunFinished.class, m -> {
                        result.complete(new RunResult(m.steps(), m.student(), m.teacher(), m.stopped()));
                        return Behaviors.stopped();
                    })
                    .onMessage(RequestStop.class, m -> {
                        supervisor.tell(new LyapunovSupervisor.StopAfterCommit());
                        return Behaviors.same();
                    })
                    .onMessage(RunFailed.class, m -> {
                        result.completeExceptionally(new RunFailedException(m.reason(), null));
                        return Behaviors.stopped();
                    })
                    .onSignal(ChildFailed.class, s -> {
                        result.completeExceptionally(new RunFailedException("actor " + s.getRef().path().name() + " failed "
                                + MAX_RESTARTS + " times within a minute and stopped: " + s.getCause(), s.getCause()));
                        return Behaviors.stopped();
                    })
                    .onSignal(Terminated.class, s -> {
                        if (augmenters.remove(s.getRef())) {   // a pool member stopped: replace it
                            String name = "augmenter-r" + (++replacements[0]);
                            ctx.getLog().info("augmenter {} stopped; spawning {}", s.getRef().path().name(), name);
                            augmenters.add(spawn(ctx, Augmenter.create(run, loader), name, compute));
                            topology.replace(new RunTopology.Peers(loader, augmenters, teacher, trainers, shards, supervisor));
                            return Behaviors.same();
                        }
                        result.completeExceptionally(new RunFailedException("actor " + s.getRef().path().name() + " stopped", null));
                        return Behaviors.stopped();
                    })
                    .build();
        });
    }

    private static <T> ActorRef<T> spawn(ActorContext<Command> ctx, Behavior<T> behavior, String name, DispatcherSelector dispatcher) {
        Behavior<T> supervised = Behaviors.supervise(behavior)
                .onFailure(Exception.class, SupervisorStrategy.restart().withLimit(MAX_RESTARTS, Duration.ofMinutes(1)));
        ActorRef<T> ref = ctx.spawn(supervised, name, dispatcher);
        ctx.watch(ref);
        return ref;
    }
}
