package org.semivim.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunOrchestrator;
import org.semivim.actors.RunResult;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The run singleton on a supervisor node, trainers on two trainer nodes (three ActorSystems in this
 * JVM, tcp on loopback): the same parameters, bit for bit, as the one-JVM runtime.
 */
class InJvmClusterRunTest {

    @Test
    void supervisorNodePlusTwoTrainerNodesGiveTheOneJvmParameters() throws Exception {
        TrainConfig config = TinyRuns.config("lyapema", 6);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults().withTrainers(2));

        Config quiet = ConfigFactory.parseString("pekko.loglevel = WARNING");
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        var spec = new NodeRoles.RunSpec(config, data, RunOptions.defaults(), result);
        LoopbackCluster nodes = new LoopbackCluster(quiet);
        try {
            ClusterNode sup = nodes.start(Set.of("supervisor", "data", "teacher"), NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), spec));
            for (int i = 0; i < 2; i++) {
                nodes.start(Set.of("trainer"), NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null));
            }
            RunResult r = result.get(180, TimeUnit.SECONDS);
            assertEquals(config.steps(), r.steps());
            assertArrayEquals(reference.student(), r.student(), "student bit-identical to the one-JVM run");
            assertArrayEquals(reference.teacher(), r.teacher(), "teacher bit-identical to the one-JVM run");
        } finally {
            nodes.close();
        }
    }

    /**
     * A trainer node leaves gracefully (Cluster leave) while the supervisor holds step k's commit: the
     * node is removed and stops, its trainer's shards go to the other trainer, and the run ends with
     * the one-JVM parameters, every step committed once, in order.
     */
    @Test
    void aTrainerNodeThatLeavesGracefullyHandsItsShardsOver() throws Exception {
        TrainConfig config = TinyRuns.config("lyapema", 8);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults());
        long leaveAt = 2 + new java.util.Random().nextInt(4);
        Config quiet = ConfigFactory.parseString("pekko.loglevel = WARNING");
        LoopbackCluster nodes = new LoopbackCluster(quiet);
        CompletableFuture<Void> left = new CompletableFuture<>();
        CompletableFuture<Void> atLeavePoint = new CompletableFuture<>();
        List<Long> steps = new java.util.concurrent.CopyOnWriteArrayList<>();
        RunOptions options = RunOptions.defaults().withListener(r -> steps.add(r.step())).withHooks(new org.semivim.actors.RunHooks() {
            @Override
            public void beforeCommit(long step) {
                if (step != leaveAt) return;
                atLeavePoint.complete(null);
                left.join();   // the commit waits until the node has left
            }
        });
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        try {
            ClusterNode sup = nodes.start(Set.of("supervisor"),
                    NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), new NodeRoles.RunSpec(config, data, options, result)));
            for (int i = 0; i < 2; i++) {
                nodes.start(Set.of("trainer"), NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null));
            }
            atLeavePoint.get(120, TimeUnit.SECONDS);
            ClusterNode leaving = nodes.get(1);
            var cluster = org.apache.pekko.cluster.typed.Cluster.get(leaving.system());
            cluster.manager().tell(org.apache.pekko.cluster.typed.Leave.create(cluster.selfMember().address()));
            long t0 = System.nanoTime();
            leaving.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            left.complete(null);
            RunResult r = result.get(120, TimeUnit.SECONDS);
            assertArrayEquals(reference.student(), r.student(), "student after a trainer node left at step " + leaveAt);
            assertArrayEquals(reference.teacher(), r.teacher(), "teacher after a trainer node left at step " + leaveAt);
            assertEquals(java.util.stream.LongStream.range(0, config.steps()).boxed().toList(), steps, "every step committed once, in order");
            org.junit.jupiter.api.Assertions.assertTrue(seconds < 20, "a graceful leave does not wait for the failure detector and SBR: " + seconds + " s");
        } finally {
            left.complete(null);
            nodes.close();
        }
    }

    /**
     * A data node's augmenters render steps (their views come chunked to TeacherInference); once they
     * have, the data node leaves gracefully while the supervisor holds a commit: the local augmenters
     * take over, what the data node held is rendered again, and the run ends with the one-JVM
     * parameters, every step committed once, in order.
     */
    @Test
    void aDataNodeThatLeavesMidRunHandsTheRenderingBack() throws Exception {
        TrainConfig config = TinyRuns.config("lyapema", 10);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults());
        long earliest = 2 + new java.util.Random().nextInt(3);
        Config quiet = ConfigFactory.parseString("pekko.loglevel = WARNING");
        Set<Long> renderedOnDataNode = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Set<Long> renderedLocally = java.util.concurrent.ConcurrentHashMap.newKeySet();
        long[] leftAt = {-1};
        CompletableFuture<Void> left = new CompletableFuture<>();
        CompletableFuture<Void> atLeavePoint = new CompletableFuture<>();
        List<Long> steps = new java.util.concurrent.CopyOnWriteArrayList<>();
        RunOptions options = RunOptions.defaults().withListener(r -> steps.add(r.step())).withHooks(new org.semivim.actors.RunHooks() {
            @Override
            public void beforeRender(long step) {
                renderedLocally.add(step);
            }

            @Override
            public void beforeCommit(long step) {
                if (atLeavePoint.isDone() || step < earliest || renderedOnDataNode.isEmpty()) return;
                leftAt[0] = step;
                atLeavePoint.complete(null);
                left.join();   // the commit waits until the data node has left
            }
        });
        org.semivim.actors.RunHooks dataHooks = new org.semivim.actors.RunHooks() {
            @Override
            public void beforeRender(long step) {
                renderedOnDataNode.add(step);
            }
        };
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        LoopbackCluster nodes = new LoopbackCluster(quiet);
        try {
            ClusterNode sup = nodes.start(Set.of("supervisor"),
                    NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), new NodeRoles.RunSpec(config, data, options, result)));
            nodes.start(Set.of("data"), NodeRoles.guardian(Set.of("data"), Ops.cpu(), null, 2, dataHooks));
            nodes.start(Set.of("trainer"), NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null));
            CompletableFuture.anyOf(atLeavePoint, result).get(180, TimeUnit.SECONDS);
            org.junit.jupiter.api.Assertions.assertTrue(atLeavePoint.isDone(), "the data node rendered no step before the run ended");
            ClusterNode leaving = nodes.get(1);
            var cluster = org.apache.pekko.cluster.typed.Cluster.get(leaving.system());
            cluster.manager().tell(org.apache.pekko.cluster.typed.Leave.create(cluster.selfMember().address()));
            leaving.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
            Set<Long> beforeLeave = Set.copyOf(renderedLocally);
            left.complete(null);
            RunResult r = result.get(120, TimeUnit.SECONDS);
            assertArrayEquals(reference.student(), r.student(), "student after a data node left at step " + leftAt[0]);
            assertArrayEquals(reference.teacher(), r.teacher(), "teacher after a data node left at step " + leftAt[0]);
            assertEquals(java.util.stream.LongStream.range(0, config.steps()).boxed().toList(), steps, "every step committed once, in order");
            org.junit.jupiter.api.Assertions.assertTrue(renderedLocally.contains(config.steps() - 1) && !beforeLeave.contains(config.steps() - 1),
                    "after the data node left, the local augmenters rendered the last step; locally " + renderedLocally
                            + ", on the data node " + renderedOnDataNode);
        } finally {
            left.complete(null);
            nodes.close();
        }
    }
}
