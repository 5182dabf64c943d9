package org.semivim.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.Test;
import org.semivim.actors.RunHooks;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunResult;
import org.semivim.actors.TeacherHost;
import org.semivim.cluster.OneJvmReference.CommittedSteps;

import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TeacherInference on a node with role teacher (three ActorSystems in this JVM, tcp on loopback: a
 * supervisor node with the run singleton, a teacher node, a trainer node): the run places
 * TeacherInference on the teacher node, its parameters, views and shard tables go there and its work
 * comes back over chunked links, and the result is the one-JVM run's, bit for bit. When the teacher
 * node leaves mid-run, TeacherInference runs on the supervisor node again from the committed version.
 * Where TeacherInference ran is told by the {@link RunHooks#beforePseudoLabels} hooks: the teacher
 * node's TeacherHost gets its own, the supervisor node's run has its own.
 */
class TeacherNodeRunTest {

    private static final Config QUIET = ConfigFactory.parseString("pekko.loglevel = WARNING");

    @Test
    void aTeacherNodeRunsTeacherInferenceAndTheParametersAreTheOneJvmOnes() throws Exception {
        OneJvmReference reference = OneJvmReference.lyapema(6);
        Set<Long> onTeacherNode = ConcurrentHashMap.newKeySet();
        CompletableFuture<Void> teacherNodeLabelled = new CompletableFuture<>();
        CommittedSteps committed = new CommittedSteps();
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        try (LoopbackCluster nodes = new LoopbackCluster(QUIET)) {
            nodes.startSupervisor(reference.runSpec(committed.options(), result));
            nodes.startWorker("teacher", recordingPseudoLabels(onTeacherNode, teacherNodeLabelled));
            // without a trainer nothing commits: the teacher node labels step 0 once the run has placed TeacherInference there
            teacherNodeLabelled.get(120, TimeUnit.SECONDS);
            nodes.startTrainer();
            RunResult r = result.get(180, TimeUnit.SECONDS);
            reference.assertSameRun(r, committed, "");
            assertEquals(allSteps(reference), onTeacherNode, "every step was pseudo-labelled on the teacher node");
        }
    }

    /**
     * A teacher node that joins mid-run (after a random number of commits; the local TeacherInference
     * then waits until the teacher node has taken over, so the run cannot end first): TeacherInference
     * moves there from the committed version; bit-identical, each step once, the last step labelled on
     * the teacher node.
     */
    @Test
    void aTeacherNodeThatJoinsMidRunTakesTeacherInferenceOver() throws Exception {
        OneJvmReference reference = OneJvmReference.lyapema(10);
        long joinAfter = 1 + new Random().nextInt(3);
        Set<Long> onTeacherNode = ConcurrentHashMap.newKeySet();
        CommittedSteps committed = new CommittedSteps();
        CompletableFuture<Void> joinPoint = new CompletableFuture<>();
        RunOptions options = RunOptions.defaults().withListener(r -> {
            committed.record(r.step());
            if (r.step() == joinAfter) joinPoint.complete(null);
        }).withHooks(new RunHooks() {
            @Override
            public void beforePseudoLabels(long step) {   // the local TeacherInference waits (at most 60 s) until the teacher node has taken over
                long end = System.nanoTime() + 60_000_000_000L;
                while (step > joinAfter && onTeacherNode.isEmpty() && System.nanoTime() < end) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        });
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        try (LoopbackCluster nodes = new LoopbackCluster(QUIET)) {
            nodes.startSupervisor(reference.runSpec(options, result));
            nodes.startTrainer();
            joinPoint.get(120, TimeUnit.SECONDS);
            nodes.startWorker("teacher", recordingPseudoLabels(onTeacherNode, new CompletableFuture<>()));
            RunResult r = result.get(180, TimeUnit.SECONDS);
            reference.assertSameRun(r, committed, "with a teacher node joined after step " + joinAfter);
            assertTrue(onTeacherNode.contains(reference.lastStep()), "the teacher node labelled the last step: " + onTeacherNode);
            assertFalse(onTeacherNode.contains(0L), "step 0 was labelled before the teacher node joined: " + onTeacherNode);
        }
    }

    /**
     * With a data node: its augmenters render (their views first chunked to the supervisor node), then a
     * teacher node joins and the run moves TeacherInference there: the data node is asked again with a
     * views link that ends on the teacher node. Bit-identical, each step once, every step labelled on the
     * teacher node, the local augmenters retired.
     */
    @Test
    void withADataNodeTheViewsLinkEndsOnTheTeacherNode() throws Exception {
        OneJvmReference reference = OneJvmReference.lyapema(6);
        Set<Long> onTeacherNode = ConcurrentHashMap.newKeySet();
        Set<Long> renderedOnDataNode = ConcurrentHashMap.newKeySet();
        Set<Long> renderedLocally = ConcurrentHashMap.newKeySet();
        CommittedSteps committed = new CommittedSteps();
        CompletableFuture<Void> teacherNodeLabelled = new CompletableFuture<>();
        CompletableFuture<Void> dataNodeRendered = new CompletableFuture<>();
        RunHooks dataNodeHooks = new RunHooks() {
            @Override
            public void beforeRender(long step) {
                renderedOnDataNode.add(step);
                dataNodeRendered.complete(null);
            }
        };
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        RunOptions options = committed.options().withHooks(new RunHooks() {
            @Override
            public void beforeRender(long step) {
                renderedLocally.add(step);
            }
        });
        try (LoopbackCluster nodes = new LoopbackCluster(QUIET)) {
            nodes.startSupervisor(reference.runSpec(options, result));
            nodes.startWorker("data", dataNodeHooks);
            dataNodeRendered.get(120, TimeUnit.SECONDS);
            ClusterNode teacherNode = nodes.startWorker("teacher", recordingPseudoLabels(onTeacherNode, teacherNodeLabelled));
            teacherNodeLabelled.get(120, TimeUnit.SECONDS);
            nodes.startTrainer();
            RunResult r = result.get(180, TimeUnit.SECONDS);
            reference.assertSameRun(r, committed, "");
            assertEquals(allSteps(reference), onTeacherNode, "every step was pseudo-labelled on the teacher node");
            long last = reference.lastStep();
            assertTrue(renderedOnDataNode.contains(last) && !renderedLocally.contains(last),
                    "the data node rendered the last step; locally " + renderedLocally + ", on the data node " + renderedOnDataNode);
            var viewsIn = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(teacherNode.system())
                    .actorSelection("/user/teacher-host/views-in-*").resolveOne(java.time.Duration.ofSeconds(10)).toCompletableFuture().get();
            assertTrue(viewsIn.path().name().startsWith("views-in-"), "the data node's views link ends on the teacher node: " + viewsIn.path());
        }
    }

    /**
     * The teacher node leaves (Cluster leave) while the supervisor holds the commit of a random step:
     * TeacherInference's death watch fires, a local one takes over from the committed version, and the
     * run ends with the one-JVM parameters, every step committed once, in order.
     */
    @Test
    void aTeacherNodeThatLeavesMidRunHandsTeacherInferenceBackToTheRun() throws Exception {
        assertTeacherNodeLeaveChangesNothing(false);
    }

    /** As above with a data node, whose views link ended on the teacher node: it is asked again with one ending on the supervisor node. */
    @Test
    void aTeacherNodeThatLeavesMidRunWithADataNodeHandsTheViewsBackToTheRun() throws Exception {
        assertTeacherNodeLeaveChangesNothing(true);
    }

    private static void assertTeacherNodeLeaveChangesNothing(boolean withDataNode) throws Exception {
        OneJvmReference reference = OneJvmReference.lyapema(8);
        long leaveAt = 2 + new Random().nextInt(4);
        Set<Long> onTeacherNode = ConcurrentHashMap.newKeySet();
        CommittedSteps committed = new CommittedSteps();
        CompletableFuture<Void> teacherNodeLabelled = new CompletableFuture<>();
        HeldCommit leavePoint = new HeldCommit(leaveAt);   // the commit of step leaveAt waits until the teacher node has left
        Set<Long> onSupervisorNode = leavePoint.labelledHere();
        RunOptions options = committed.options().withHooks(leavePoint);
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        LoopbackCluster nodes = new LoopbackCluster(QUIET);
        try {
            nodes.startSupervisor(reference.runSpec(options, result));
            ClusterNode teacherNode = nodes.startWorker("teacher", recordingPseudoLabels(onTeacherNode, teacherNodeLabelled));
            if (withDataNode) {
                nodes.startWorker("data", RunHooks.NONE);
            }
            teacherNodeLabelled.get(120, TimeUnit.SECONDS);
            nodes.startTrainer();
            leavePoint.reached().get(120, TimeUnit.SECONDS);
            Set<Long> teacherNodeBeforeLeave = Set.copyOf(onTeacherNode);
            var cluster = Cluster.get(teacherNode.system());
            cluster.manager().tell(Leave.create(cluster.selfMember().address()));
            teacherNode.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
            Set<Long> supervisorNodeBeforeLeave = Set.copyOf(onSupervisorNode);
            leavePoint.release();
            RunResult r = result.get(120, TimeUnit.SECONDS);
            reference.assertSameRun(r, committed, "after the teacher node left at step " + leaveAt);
            for (long t = 1; t <= leaveAt; t++) assertTrue(teacherNodeBeforeLeave.contains(t), "the teacher node labelled step " + t + ": " + teacherNodeBeforeLeave);
            long last = reference.lastStep();
            assertTrue(onSupervisorNode.contains(last) && !supervisorNodeBeforeLeave.contains(last),
                    "after the teacher node left, the supervisor node labelled the last step; there " + onSupervisorNode + ", on the teacher node "
                            + onTeacherNode);
            assertFalse(onTeacherNode.contains(last), "the teacher node had left before the last step");
        } finally {
            leavePoint.release();   // before the nodes close: a commit held at the leave point must not block their shutdown
            nodes.close();
        }
    }

    /**
     * The teacher node's TeacherInference fails from a random step on, every time (beyond its restart
     * limit, so it stops for good) while the teacher node stays up: its death watch fires at once, a
     * local TeacherInference takes over from the committed version (the same path as a teacher node
     * leaving), and the run ends with the one-JVM parameters, every step committed once, in order.
     */
    @Test
    void aTeacherInferenceThatStopsForGoodOnATeacherNodeThatStaysUpFallsBackToTheRun() throws Exception {
        OneJvmReference reference = OneJvmReference.lyapema(8);
        long failFrom = 2 + new Random().nextInt(4);
        Set<Long> labelledOnTeacherNode = ConcurrentHashMap.newKeySet();
        Set<Long> onSupervisorNode = ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        CommittedSteps committed = new CommittedSteps();
        CompletableFuture<Void> teacherNodeLabelled = new CompletableFuture<>();
        RunHooks teacherNodeHooks = new RunHooks() {
            @Override
            public void beforePseudoLabels(long step) {
                if (step >= failFrom) {
                    failures.incrementAndGet();
                    throw new IllegalStateException("injected: TeacherInference on the teacher node fails at step " + step);
                }
                labelledOnTeacherNode.add(step);
                teacherNodeLabelled.complete(null);
            }
        };
        RunOptions options = committed.options().withHooks(new RunHooks() {
            @Override
            public void beforePseudoLabels(long step) {
                onSupervisorNode.add(step);
            }
        });
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        try (LoopbackCluster nodes = new LoopbackCluster(QUIET)) {
            nodes.startSupervisor(reference.runSpec(options, result));
            ClusterNode teacherNode = nodes.startWorker("teacher", teacherNodeHooks);
            teacherNodeLabelled.get(120, TimeUnit.SECONDS);
            nodes.startTrainer();
            RunResult r = result.get(180, TimeUnit.SECONDS);
            reference.assertSameRun(r, committed, "after TeacherInference stopped on the teacher node at step " + failFrom);
            for (long t = 1; t < failFrom; t++) assertTrue(labelledOnTeacherNode.contains(t), "the teacher node labelled step " + t + ": " + labelledOnTeacherNode);
            assertTrue(failures.get() > 20, "TeacherInference failed beyond its restart limit (20): " + failures.get());
            assertTrue(onSupervisorNode.contains(reference.lastStep()), "the supervisor node labelled the last step: " + onSupervisorNode);
            assertFalse(teacherNode.system().getWhenTerminated().toCompletableFuture().isDone(), "the teacher node stayed up");
            assertEquals(org.apache.pekko.cluster.MemberStatus.up(), org.apache.pekko.cluster.typed.Cluster.get(teacherNode.system()).selfMember().status(),
                    "the teacher node is still an Up member");
        }
    }

    @Test
    void everyNodeReceivesTheTeacherLinksOnTheLargeMessageStream() {
        for (Transport t : List.of(Transport.TCP, Transport.AERON_UDP)) {
            Config c = NodeSettings.loopback(Set.of("teacher"), List.of(), 0, t).pekkoConfig();
            List<String> destinations = c.getStringList("pekko.remote.artery.large-message-destinations");
            assertTrue(destinations.contains(TeacherHost.LARGE_MESSAGE_DESTINATION), t + ": " + destinations);
            assertTrue(destinations.contains("/user/trainer-host/*"), t + ": the configured destinations stay: " + destinations);
            assertEquals(destinations.size(), Set.copyOf(destinations).size(), "each once: " + destinations);
        }
    }

    /** Hooks for a teacher node: each step it pseudo-labels goes into {@code labelled}; {@code first} completes at the first. */
    private static RunHooks recordingPseudoLabels(Set<Long> labelled, CompletableFuture<Void> first) {
        return new RunHooks() {
            @Override
            public void beforePseudoLabels(long step) {
                labelled.add(step);
                first.complete(null);
            }
        };
    }

    /** Every step of the reference run, as a set. */
    private static Set<Long> allSteps(OneJvmReference reference) {
        return LongStream.range(0, reference.config().steps()).boxed().collect(Collectors.toSet());
    }
}
