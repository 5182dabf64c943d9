package org.semivim.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.Test;
import org.semivim.actors.RunHooks;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunResult;
import org.semivim.cluster.OneJvmReference.CommittedSteps;
import org.semivim.engine.ops.Ops;

import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run singleton on a supervisor node, trainers on two trainer nodes (three ActorSystems in this
 * JVM, tcp on loopback): the same parameters, bit for bit, as the one-JVM runtime.
 */
class InJvmClusterRunTest {

    private static final Config QUIET = ConfigFactory.parseString("pekko.loglevel = WARNING");

    @Test
    void supervisorNodePlusTwoTrainerNodesGiveTheOneJvmParameters() throws Exception {
        OneJvmReference reference = OneJvmReference.of(TinyRuns.config("lyapema", 6), RunOptions.defaults().withTrainers(2));
        CommittedSteps committed = new CommittedSteps();
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        try (LoopbackCluster nodes = new LoopbackCluster(QUIET)) {
            nodes.start(Set.of("supervisor", "data", "teacher"),
                    NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), reference.runSpec(committed.options(), result)));
            nodes.startTrainer();
            nodes.startTrainer();
            RunResult r = result.get(180, TimeUnit.SECONDS);
            reference.assertSameRun(r, committed, "");
        }
    }

    /**
     * A trainer node leaves gracefully (Cluster leave) while the supervisor holds step k's commit: the
     * node is removed and stops, its trainer's shards go to the other trainer, and the run ends with
     * the one-JVM parameters, every step committed once, in order.
     */
    @Test
    void aTrainerNodeThatLeavesGracefullyHandsItsShardsOver() throws Exception {
        OneJvmReference reference = OneJvmReference.lyapema(8);
        long leaveAt = 2 + new Random().nextInt(4);
        LoopbackCluster nodes = new LoopbackCluster(QUIET);
        HeldCommit leavePoint = new HeldCommit(leaveAt);   // the commit of step leaveAt waits until the node has left
        CommittedSteps committed = new CommittedSteps();
        RunOptions options = committed.options().withHooks(leavePoint);
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        try {
            nodes.startSupervisor(reference.runSpec(options, result));
            nodes.startTrainer();
            nodes.startTrainer();
            leavePoint.reached().get(120, TimeUnit.SECONDS);
            ClusterNode leaving = nodes.get(1);
            var cluster = Cluster.get(leaving.system());
            cluster.manager().tell(Leave.create(cluster.selfMember().address()));
            long t0 = System.nanoTime();
            leaving.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            leavePoint.release();
            RunResult r = result.get(120, TimeUnit.SECONDS);
            reference.assertSameRun(r, committed, "after a trainer node left at step " + leaveAt);
            assertTrue(seconds < 20, "a graceful leave does not wait for the failure detector and SBR: " + seconds + " s");
        } finally {
            leavePoint.release();
            nodes.close();
        }
    }

    /**
     * A step's work comes in two parts (StepInputs ahead, ComputeLabelled when labelled). While the
     * supervisor holds step k's commit, TeacherInference holds step k + 1's views and has sent them
     * ahead to the one trainer; then a second trainer node joins and the shards are re-assigned (both
     * trainers' shards change) while the commit is held. After it, step k + 1's labels go out under the
     * new table: the first trainer gets its new shards' labels alone (it has the views), the new one the
     * inputs with its labels; then both resends (the supervisor's TrainerStarted, queued behind the
     * commit) send inputs and labels again. The run
     * ends with the one-JVM parameters, every step committed once, and the new trainer computed shards
     * of step k + 1 and of the last step.
     */
    @Test
    void aTrainerNodeThatJoinsAfterAStepsViewsWentAheadGetsItsShards() throws Exception {
        OneJvmReference reference = OneJvmReference.lyapema(8);
        long joinAt = 2 + new Random().nextInt(4);
        HeldCommit joinPoint = new HeldCommit(joinAt);
        org.semivim.actors.FlowGauges gauges = new org.semivim.actors.FlowGauges();
        CommittedSteps committed = new CommittedSteps();
        RunOptions options = committed.options().withHooks(joinPoint).withGauges(gauges);
        Set<Long> stepsOfNewTrainer = ConcurrentHashMap.newKeySet();
        RunHooks newTrainer = new RunHooks() {
            @Override
            public void beforeShard(long step, int shard) {
                stepsOfNewTrainer.add(step);
            }
        };
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        LoopbackCluster nodes = new LoopbackCluster(QUIET);
        try {
            nodes.startSupervisor(reference.runSpec(options, result));
            nodes.startTrainer();
            joinPoint.reached().get(120, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (gauges.bufferedViews() < 1 && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(gauges.bufferedViews() >= 1, "TeacherInference holds step " + (joinAt + 1) + "'s views (sent ahead to the first trainer)");
            ClusterNode joined = nodes.startWorker("trainer", newTrainer);
            joined.system().classicSystem().actorSelection("/user/trainer-host/student-trainer-0")   // asked by the run: it answers at once
                    .resolveOne(java.time.Duration.ofSeconds(60)).toCompletableFuture().get(90, TimeUnit.SECONDS);
            Thread.sleep(1000);   // its answer reaches the run, which publishes the new table (the supervisor, held, resends after the commit)
            joinPoint.release();
            RunResult r = result.get(120, TimeUnit.SECONDS);
            reference.assertSameRun(r, committed, "after a trainer node joined at step " + joinAt);
            assertTrue(stepsOfNewTrainer.contains(joinAt + 1) && stepsOfNewTrainer.contains(reference.lastStep()),
                    "the new trainer computed shards of step " + (joinAt + 1) + " and of the last step: " + stepsOfNewTrainer);
        } finally {
            joinPoint.release();
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
        OneJvmReference reference = OneJvmReference.lyapema(10);
        long earliest = 2 + new Random().nextInt(3);
        Set<Long> renderedOnDataNode = ConcurrentHashMap.newKeySet();
        Set<Long> renderedLocally = ConcurrentHashMap.newKeySet();
        long[] leftAt = {-1};
        CompletableFuture<Void> left = new CompletableFuture<>();
        CompletableFuture<Void> atLeavePoint = new CompletableFuture<>();
        CommittedSteps committed = new CommittedSteps();
        RunOptions options = committed.options().withHooks(new RunHooks() {
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
        RunHooks dataHooks = new RunHooks() {
            @Override
            public void beforeRender(long step) {
                renderedOnDataNode.add(step);
            }
        };
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        LoopbackCluster nodes = new LoopbackCluster(QUIET);
        try {
            nodes.startSupervisor(reference.runSpec(options, result));
            nodes.startWorker("data", dataHooks);
            nodes.startTrainer();
            CompletableFuture.anyOf(atLeavePoint, result).get(180, TimeUnit.SECONDS);
            assertTrue(atLeavePoint.isDone(), "the data node rendered no step before the run ended");
            ClusterNode leaving = nodes.get(1);
            var cluster = Cluster.get(leaving.system());
            cluster.manager().tell(Leave.create(cluster.selfMember().address()));
            leaving.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
            Set<Long> beforeLeave = Set.copyOf(renderedLocally);
            left.complete(null);
            RunResult r = result.get(120, TimeUnit.SECONDS);
            reference.assertSameRun(r, committed, "after a data node left at step " + leftAt[0]);
            long last = reference.lastStep();
            assertTrue(renderedLocally.contains(last) && !beforeLeave.contains(last),
                    "after the data node left, the local augmenters rendered the last step; locally " + renderedLocally
                            + ", on the data node " + renderedOnDataNode);
        } finally {
            left.complete(null);
            nodes.close();
        }
    }
}
