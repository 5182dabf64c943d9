package org.semivim.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.semivim.actors.RunHooks;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunResult;
import org.semivim.cluster.OneJvmReference.CommittedSteps;

import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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
        OneJvmReference reference = OneJvmReference.lyapema(8);
        long stopFrom = 2 + new Random().nextInt(3);
        Set<Long> renderedOnDataNode = ConcurrentHashMap.newKeySet();
        Set<Long> renderedLocally = ConcurrentHashMap.newKeySet();
        CommittedSteps committed = new CommittedSteps();
        CompletableFuture<Void> dataNodeWorked = new CompletableFuture<>();
        RunHooks dataNodeHooks = new RunHooks() {
            @Override
            public void beforeRender(long step) {
                dataNodeWorked.complete(null);
                if (step >= stopFrom) throw new RunHooks.StopActor("data-node augmenter stops at step " + step);
                renderedOnDataNode.add(step);
            }
        };
        RunOptions options = committed.options().withHooks(new RunHooks() {
            @Override
            public void beforeRender(long step) {
                renderedLocally.add(step);
            }
        });
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        try (LoopbackCluster nodes = new LoopbackCluster(QUIET)) {
            nodes.startSupervisor(reference.runSpec(options, result));
            ClusterNode dataNode = nodes.startWorker("data", dataNodeHooks);
            dataNodeWorked.get(120, TimeUnit.SECONDS);
            nodes.startTrainer();
            RunResult r = result.get(120, TimeUnit.SECONDS);
            reference.assertSameRun(r, committed, "after the data node's augmenters stopped at step " + stopFrom);
            assertTrue(renderedLocally.contains(reference.lastStep()),
                    "local augmenters rendered the last step: " + renderedLocally + ", on the data node " + renderedOnDataNode);
            assertEquals(MemberStatus.up(), Cluster.get(dataNode.system()).selfMember().status(), "the data node stayed Up");
        }
    }
}
