package org.semivim.cluster;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.semivim.actors.ClusterRunGuardian;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunResult;
import org.semivim.actors.TrainerHost;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What a node runs for its roles: role trainer hosts trainers ({@link TrainerHost}, registered with
 * the Receptionist); role supervisor, given a run, may host the run's Cluster Singleton
 * ({@link ClusterRunGuardian}: supervisor, TeacherInference, DataLoader, augmenters, checkpoints,
 * metrics), which lives on the oldest Up node with role supervisor and moves when that node goes.
 * Roles teacher and data are accepted for deployments to come; today TeacherInference and the data
 * side run inside the singleton.
 */
public final class NodeRoles {
    /** The singleton's name (its path is /system/singletonManager&lt;name&gt;/&lt;name&gt;). */
    public static final String RUN_SINGLETON = "semivim-run";

    /** A run a supervisor-role node can host: the same config, data and run directory (shared storage) on every such node. */
    public record RunSpec(TrainConfig config, TrainingData data, RunOptions options, CompletableFuture<RunResult> result) {}

    private NodeRoles() {}

    /** The node's guardian: spawns the role actors; {@code run} may be null (a supervisor node without a run hosts nothing). */
    public static Behavior<Void> guardian(Set<String> roles, Ops ops, RunSpec run) {
        return Behaviors.setup(ctx -> {
            if (roles.contains("trainer")) ctx.spawn(TrainerHost.create(ops), "trainer-host");
            if (roles.contains("supervisor") && run != null) {
                ClusterSingleton.get(ctx.getSystem()).init(
                        SingletonActor.of(ClusterRunGuardian.create(run.config(), run.data(), run.options(), run.result()), RUN_SINGLETON)
                                .withSettings(ClusterSingletonSettings.create(ctx.getSystem()).withRole("supervisor")));
            }
            return Behaviors.empty();
        });
    }
}
