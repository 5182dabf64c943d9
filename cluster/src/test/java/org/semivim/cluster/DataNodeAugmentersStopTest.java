package org.semivim.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.semivim.actors.RunHooks;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunOrchestrator;
import org.semivim.actors.RunResult;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every augmenter of a data node stops (each at its first step from a random one on) while the data node
 * stays up: the run's death watch of them fires, the DataLoader hears WorkerGone, and with no augmenter
 * on a data node left, local ones are spawned and render the rest. Without the death watch the run would
 * wait for augmenters that are gone. Bit-identical to one JVM, each step once.
 */
class DataNodeAugmentersStopTest {

    private static final Config QUIET = ConfigFactory.parseString("pekko.loglevel = WARNING");

    @Test
    void augmentersThatStopOnADataNodeThatStaysUpAreReplacedByLocalOnes() throws Exception {
        TrainConfig config = TinyRuns.config("lyapema", 8);
        TrainingData data = TrainingData.load(config.data());
        RunResult reference = RunOrchestrator.run(config, data, RunOptions.defaults());
        long stopFrom = 2 + new Random().nextInt(3);
        Set<Long> renderedOnDataNode = ConcurrentHashMap.newKeySet();
        Set<Long> renderedLocally = ConcurrentHashMap.newKeySet();
        List<Long> steps = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> dataNodeWorked = new CompletableFuture<>();
        RunHooks dataNodeHooks = new RunHooks() {
            @Override
            public void beforeRender(long step) {
                dataNodeWorked.complete(null);
                if (step >= stopFrom) throw new RunHooks.StopActor("data-node augmenter stops at step " + step);
                renderedOnDataNode.add(step);
            }
        };
        RunOptions options = RunOptions.defaults().withListener(r -> steps.add(r.step())).withHooks(new RunHooks() {
            @Override
            public void beforeRender(long step) {
                renderedLocally.add(step);
            }
        });
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        LoopbackCluster nodes = new LoopbackCluster(QUIET);
        try {
            ClusterNode sup = nodes.start(Set.of("supervisor"),
                    NodeRoles.guardian(Set.of("supervisor"), Ops.cpu(), new NodeRoles.RunSpec(config, data, options, result)));
            ClusterNode dataNode = nodes.start(Set.of("data"), NodeRoles.guardian(Set.of("data"), Ops.cpu(), null, 2, dataNodeHooks));
            dataNodeWorked.get(120, TimeUnit.SECONDS);
            nodes.start(Set.of("trainer"), NodeRoles.guardian(Set.of("trainer"), Ops.cpu(), null));
            RunResult r = result.get(120, TimeUnit.SECONDS);
            assertArrayEquals(reference.student(), r.student(), "student after the data node's augmenters stopped at step " + stopFrom);
            assertArrayEquals(reference.teacher(), r.teacher(), "teacher after the data node's augmenters stopped at step " + stopFrom);
            assertEquals(LongStream.range(0, config.steps()).boxed().toList(), steps, "every step committed once, in order");
            long last = config.steps() - 1;
            assertTrue(renderedLocally.contains(last), "local augmenters rendered the last step: " + renderedLocally + ", on the data node " + renderedOnDataNode);
            assertEquals(MemberStatus.up(), Cluster.get(dataNode.system()).selfMember().status(), "the data node stayed Up");
        } finally {
            nodes.close();
        }
    }
}
