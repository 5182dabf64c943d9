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
        List<ClusterNode> nodes = new ArrayList<>();
        try {
            ClusterNode sup = ClusterNode.start(NodeSettings.loopback(Set.of("supervisor", "data", "teacher"), List.of(), 0, Transport.TCP), quiet,
                    NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), spec));
            nodes.add(sup);
            for (int i = 0; i < 2; i++) {
                nodes.add(ClusterNode.start(NodeSettings.loopback(Set.of("trainer"), List.of(sup.hostPort()), 0, Transport.TCP), quiet,
                        NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null)));
            }
            RunResult r = result.get(180, TimeUnit.SECONDS);
            assertEquals(config.steps(), r.steps());
            assertArrayEquals(reference.student(), r.student(), "student bit-identical to the one-JVM run");
            assertArrayEquals(reference.teacher(), r.teacher(), "teacher bit-identical to the one-JVM run");
        } finally {
            for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).close();
        }
    }
}
