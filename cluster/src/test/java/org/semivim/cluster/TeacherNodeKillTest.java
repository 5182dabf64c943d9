package org.semivim.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.actors.RunHooks;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunResult;
import org.semivim.cluster.OneJvmReference.CommittedSteps;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A teacher node as a child JVM ({@code semivim node --role teacher}, {@link NodeMain}) hosts the run's
 * TeacherInference (it prints {@code labelled t}); it is SIGKILLed while the supervisor holds the commit
 * of a random step. The split-brain resolver downs it (3 s in the tests), TeacherInference's death watch
 * fires, a local one takes over from the committed version, and the run ends with the one-JVM
 * parameters, every step committed once, in order. The supervisor and trainer nodes are in this JVM.
 */
class TeacherNodeKillTest {

    @Test
    void aTeacherNodeKilledAtARandomStepHandsTeacherInferenceBackToTheRun(@TempDir Path dir) throws Exception {
        OneJvmReference reference = OneJvmReference.lyapema(8);
        long killAt = 2 + new Random().nextInt(4);
        Path fastDowning = Path.of(TeacherNodeKillTest.class.getResource("/fast-downing.conf").toURI());
        Config overrides = ConfigFactory.parseFile(fastDowning.toFile());
        CommittedSteps committed = new CommittedSteps();
        HeldCommit killPoint = new HeldCommit(killAt);   // the commit of step killAt waits until the teacher JVM is killed
        Set<Long> onSupervisorNode = killPoint.labelledHere();
        RunOptions options = committed.options().withHooks(killPoint);
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        List<ClusterNode> nodes = new ArrayList<>();
        ChildNode teacher = null;
        try {
            ClusterNode sup = ClusterNode.start(NodeSettings.loopback(Set.of("supervisor"), List.of(), 0, Transport.TCP), overrides,
                    NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), reference.runSpec(options, result)));
            nodes.add(sup);
            teacher = new ChildNode(dir.resolve("teacher.log"), "--role", "teacher", "--port", "0", "--seed-nodes", sup.hostPort(),
                    "--config", fastDowning.toString());
            teacher.await("node up", Duration.ofSeconds(90));
            teacher.await("labelled 0", Duration.ofSeconds(90));   // the run placed TeacherInference there (no trainer yet: nothing commits)
            nodes.add(ClusterNode.start(NodeSettings.loopback(Set.of("trainer"), List.of(sup.hostPort()), 0, Transport.TCP), overrides,
                    NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null)));
            killPoint.reached().get(180, TimeUnit.SECONDS);
            Set<Long> supervisorNodeBeforeKill = Set.copyOf(onSupervisorNode);
            List<String> teacherLines = List.copyOf(teacher.lines);
            teacher.kill();
            teacher.process.waitFor(30, TimeUnit.SECONDS);
            killPoint.release();
            RunResult r = result.get(240, TimeUnit.SECONDS);
            reference.assertSameRun(r, committed, "after killing the teacher node at step " + killAt);
            for (long t = 0; t <= killAt; t++) assertTrue(teacherLines.contains("labelled " + t), "the teacher JVM labelled step " + t + ": " + teacherLines);
            long last = reference.lastStep();
            assertTrue(onSupervisorNode.contains(last) && !supervisorNodeBeforeKill.contains(last),
                    "after the kill the supervisor node labelled the last step; there " + onSupervisorNode);
        } finally {
            killPoint.release();
            if (teacher != null) teacher.close();
            for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).close();
        }
    }

    /**
     * Two supervisor JVMs sharing a run directory (checkpoints every 3 steps), a teacher node and a
     * trainer node in this JVM: the first supervisor JVM is SIGKILLed after a random step k once the
     * teacher node has TeacherInference (whose hook holds step k + 1 until then, so the run cannot end first); the singleton starts on the second, resumes from the newest
     * checkpoint and asks the teacher node again (which replaces its TeacherInference and links); the
     * teacher node labels the last step and the final parameters are the one-JVM ones.
     */
    @Test
    void theSupervisorNodeKilledWhileATeacherNodeHasTeacherInference(@TempDir Path dir) throws Exception {
        OneJvmReference reference = OneJvmReference.lyapema(24);
        TrainConfig config = reference.config();
        Path fastDowning = Path.of(TeacherNodeKillTest.class.getResource("/fast-downing.conf").toURI());
        Path cfg = dir.resolve("config.json");
        java.nio.file.Files.writeString(cfg, config.canonicalJson());
        Path runDir = dir.resolve("run");   // the shared storage of both supervisor nodes
        int seedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            seedPort = socket.getLocalPort();
        }
        String seed = "127.0.0.1:" + seedPort;
        Set<Long> labelledAfterKill = ConcurrentHashMap.newKeySet();
        CompletableFuture<Void> teacherNodeLabelled = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicBoolean killedFlag = new java.util.concurrent.atomic.AtomicBoolean();
        long killAfter = 4 + new Random().nextInt(10);
        RunHooks teacherNodeHooks = new RunHooks() {
            @Override
            public void beforePseudoLabels(long step) {
                teacherNodeLabelled.complete(null);
                if (killedFlag.get()) labelledAfterKill.add(step);
                long end = System.nanoTime() + 60_000_000_000L;   // the first singleton commits no step after killAfter + 1: the kill comes first
                while (step == killAfter + 1 && !killedFlag.get() && System.nanoTime() < end) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        };
        List<ChildNode> children = new ArrayList<>();
        List<ClusterNode> nodes = new ArrayList<>();
        Config overrides = ConfigFactory.parseFile(fastDowning.toFile());
        try {
            String[] supArgs = {"--role", "supervisor", "--run", cfg.toString(), "--run-dir", runDir.toString(), "--checkpoint-every", "3",
                    "--config", fastDowning.toString()};
            ChildNode first = new ChildNode(dir.resolve("sup-a.log"), concat(supArgs, "--port", String.valueOf(seedPort)));
            children.add(first);
            first.await("node up", Duration.ofSeconds(90));
            ChildNode second = new ChildNode(dir.resolve("sup-b.log"), concat(supArgs, "--port", "0", "--seed-nodes", seed));
            children.add(second);
            second.await("node up", Duration.ofSeconds(90));
            nodes.add(ClusterNode.start(NodeSettings.loopback(Set.of("teacher"), List.of(seed), 0, Transport.TCP), overrides,
                    NodeRoles.guardian(Set.of("teacher"), Ops.cpu(), null, 2, teacherNodeHooks)));
            teacherNodeLabelled.get(120, TimeUnit.SECONDS);
            nodes.add(ClusterNode.start(NodeSettings.loopback(Set.of("trainer"), List.of(seed), 0, Transport.TCP), overrides,
                    NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null)));
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (first.lastStep() < killAfter) {
                assertTrue(System.nanoTime() < end, "the run did not reach step " + killAfter + "; first " + first.lines + " second " + second.lines);
                Thread.sleep(20);
            }
            first.kill();
            first.process.waitFor(30, TimeUnit.SECONDS);
            killedFlag.set(true);
            second.await("run finished", Duration.ofSeconds(180));
            RunResult r = NodeMain.readParams(runDir.resolve(NodeMain.FINAL_PARAMS));
            reference.assertSameParameters(r, "after killing the supervisor node after step " + killAfter);
            assertTrue(second.lines.stream().anyMatch(l -> l.startsWith("step ")), "the singleton ran on the second node; first " + first.lines + " second " + second.lines + " killed after " + killAfter);
            assertTrue(labelledAfterKill.contains(reference.lastStep()), "the teacher node labelled for the moved singleton: " + labelledAfterKill);
        } finally {
            for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).close();
            for (ChildNode c : children) c.close();
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
