package org.semivim.cluster;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.semivim.actors.AugmenterHost;
import org.semivim.actors.ClusterRunGuardian;
import org.semivim.actors.RunHooks;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunResult;
import org.semivim.actors.TeacherHost;
import org.semivim.actors.TrainerHost;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What a node runs for its roles: role trainer hosts trainers ({@link TrainerHost}, registered with
 * the Receptionist); role data hosts augmenters ({@link AugmenterHost}, registered with the
 * Receptionist); role teacher hosts the run's TeacherInference ({@link TeacherHost}, registered with
 * the Receptionist; the run places it there when such a node is present, else runs it itself); role
 * supervisor, given a run, may host the run's Cluster Singleton ({@link ClusterRunGuardian}: supervisor,
 * TeacherInference while no teacher node has it, DataLoader, checkpoints, metrics, and local
 * augmenters while no data node has any), which lives on the oldest Up node with role supervisor and
 * moves when that node goes.
 */
public final class NodeRoles {
    /** The singleton's name (its path is /system/singletonManager&lt;name&gt;/&lt;name&gt;). */
    public static final String RUN_SINGLETON = "semivim-run";

    /** A run a supervisor-role node can host: the same config, data and run directory (shared storage) on every such node. */
    public record RunSpec(TrainConfig config, TrainingData data, RunOptions options, CompletableFuture<RunResult> result) {}

    private NodeRoles() {}

    /** The node's guardian: spawns the role actors; {@code run} may be null (a supervisor node without a run hosts nothing). */
    public static Behavior<Void> guardian(Set<String> roles, Ops ops, RunSpec run) {
        return guardian(roles, ops, run, DEFAULT_AUGMENTERS, RunHooks.NONE);
    }

    /** The default number of augmenters a data node hosts per run ({@code --augmenters}). */
    public static final int DEFAULT_AUGMENTERS = 2;

    /**
     * As {@link #guardian(Set, Ops, RunSpec)}; a node with role data hosts {@code augmenters} augmenters
     * per run; the trainers of role trainer, the augmenters of role data and the TeacherInference of role
     * teacher are given {@code hooks} (tests; {@link RunHooks#NONE}).
     */
    public static Behavior<Void> guardian(Set<String> roles, Ops ops, RunSpec run, int augmenters, RunHooks hooks) {
        return Behaviors.setup(ctx -> {
            if (roles.contains("trainer")) ctx.spawn(TrainerHost.create(ops, hooks), "trainer-host");
            if (roles.contains("data")) ctx.spawn(AugmenterHost.create(augmenters, hooks), "augmenter-host");
            if (roles.contains("teacher")) ctx.spawn(TeacherHost.create(ops, hooks), "teacher-host");
            if (roles.contains("supervisor") && run != null) {
                ClusterSingleton.get(ctx.getSystem()).init(
                        SingletonActor.of(ClusterRunGuardian.create(run.config(), run.data(), run.options(), run.result()), RUN_SINGLETON)
                                .withSettings(ClusterSingletonSettings.create(ctx.getSystem()).withRole("supervisor")));
            }
            return Behaviors.empty();
        });
    }
}
