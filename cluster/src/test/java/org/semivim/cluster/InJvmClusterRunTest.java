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
