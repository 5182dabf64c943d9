package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.actors.transfer.ChunkReceiver;
import org.semivim.actors.transfer.ChunkSender;
import org.semivim.actors.transfer.TransferSettings;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * On a node with role data: registers with the Receptionist under {@link #KEY}, and when the run (the
 * {@link ClusterRunGuardian}, wherever the singleton lives) asks, loads the run's data
 * ({@code TrainingData.load(config.data())}: the data node needs the dataset at the config's paths)
 * and spawns {@code workers} {@link Augmenter}s for it. They pull work from the run's DataLoader
 * directly (small messages: a {@link DataLoader.RequestWork} up, a step's sample indices down) and
 * send the rendered views [B·C·H·W] chunked: all of this host's augmenters tell a {@link ChunkSender}
 * on this node whose receiver, on the run's node, delivers to TeacherInference. Each view is a function
 * of (seed, t, sample, view), so where a step is rendered changes no bit. A new request (the singleton
 * restarted on another node) replaces the previous augmenters and their link.
 */
public final class AugmenterHost {

    public sealed interface Command extends WireMessage permits HostAugmenters {}

    /**
     * Spawn augmenters for the run of {@code configJson} (canonical JSON): they ask {@code loader} for
     * work and send their views chunked to {@code viewsInbox} (which delivers to TeacherInference).
     */
    public record HostAugmenters(String configJson, ActorRef<DataLoader.Command> loader, ActorRef<ChunkReceiver.Command> viewsInbox,
                                 ActorRef<ClusterRunGuardian.Command> replyTo) implements Command {}

    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "semivim-augmenter-host");

    private AugmenterHost() {}

    /** A host of {@code workers} augmenters per run; {@code hooks} are handed to them (tests; {@link RunHooks#NONE}). */
    public static Behavior<Command> create(int workers, RunHooks hooks) {
        if (workers < 1) throw new IllegalArgumentException("an augmenter host needs at least 1 worker, got " + workers);
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            TransferSettings transfer = TransferSettings.of(ctx.getSystem().settings().config());
            List<ActorRef<?>> current = new ArrayList<>();
            String[] loadedFor = {null};
            TrainingData[] loaded = {null};
            int[] count = {0};
            return Behaviors.receive(Command.class)
                    .onMessage(HostAugmenters.class, m -> {
                        for (ActorRef<?> old : current) ctx.stop(old);
                        current.clear();
                        int k = count[0]++;
                        TrainConfig config = TrainConfig.fromJson(m.configJson());
                        if (!m.configJson().equals(loadedFor[0])) {
                            try {
                                loaded[0] = TrainingData.load(config.data());
                            } catch (RuntimeException e) {   // no augmenters here: the run keeps the ones it has (or its local pool)
                                ctx.getLog().error("augmenter host: cannot load the run's data, hosting no augmenters: {}", e.toString());
                                return Behaviors.same();
                            }
                            loadedFor[0] = m.configJson();
                        }
                        ActorRef<Object> out = ctx.spawn(restarting(ChunkSender.create(transfer, m.viewsInbox())), "views-out-" + k, TransferSettings.linkProps(ctx.getSystem()));
                        RunTopology topology = new RunTopology();
                        topology.fill(new RunTopology.Peers(m.loader(), List.of(), out.narrow(), List.of(), List.of(), null));
                        RunContext run = new RunContext(config, loaded[0], RunOptions.defaults().withHooks(hooks), topology);
                        List<ActorRef<Augmenter.Command>> augmenters = new ArrayList<>();
                        for (int i = 0; i < workers; i++) {
                            augmenters.add(ctx.spawn(restarting(Augmenter.create(run, m.loader())), "augmenter-" + k + "-" + i,
                                    DispatcherSelector.fromConfig(RunGuardian.COMPUTE_DISPATCHER)));
                        }
                        current.add(out);
                        current.addAll(augmenters);
                        m.replyTo().tell(new ClusterRunGuardian.AugmentersHosted(augmenters, m.viewsInbox()));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static <T> Behavior<T> restarting(Behavior<T> b) {
        return Behaviors.supervise(b).onFailure(Exception.class, SupervisorStrategy.restart().withLimit(RunGuardian.MAX_RESTARTS, Duration.ofMinutes(1)));
    }
}
