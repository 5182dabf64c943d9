package org.semivim.actors;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainingData;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pull-based flow control: with a trainer stalled on a step, the DataLoader and a large augmenter pool
 * run ahead by at most {@code lookahead} steps and then wait; TeacherInference holds at most
 * lookahead + 1 steps' views and its mailbox at most lookahead views messages. The run then completes
 * with the reference result.
 */
class FlowControlTest {
    private static ActorTestKit kit;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create("flow", TestPekko.config());
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void aStalledTrainerNeverMakesTheBuffersGrowPastTheWindow() throws Exception {
        int lookahead = 2, augmenters = 5;
        long stallAt = 2, steps = 6;
        TrainConfig config = TinyRuns.config("fixmatch", steps);
        TrainingData data = TrainingData.load(config.data());
        CountDownLatch stalled = new CountDownLatch(1), release = new CountDownLatch(1);
        RunHooks slowTrainer = new RunHooks() {
            @Override
            public void beforeShard(long step, int shard) {
                if (step == stallAt && shard == 0 && stalled.getCount() > 0) {
                    stalled.countDown();
                    try {
                        if (!release.await(120, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        FlowGauges gauges = new FlowGauges();
        List<StepRecord> records = new CopyOnWriteArrayList<>();
        RunOptions options = RunOptions.defaults().withAugmenters(augmenters).withTrainers(1).withLookahead(lookahead)
                .withHooks(slowTrainer).withGauges(gauges).withListener(records::add);
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        kit.spawn(RunGuardian.create(config, data, options, result), "slow-trainer-run");

        assertTrue(stalled.await(120, TimeUnit.SECONDS), "the trainer reached the stall");
        // While the trainer stalls on step 2 (2 committed), upstream fills the window and stops:
        // steps 2 and 3 handed out, step 3's views buffered, nothing in flight, the augmenters idle.
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(60), () -> {
            assertEquals(lookahead, gauges.outstandingSteps());
            assertEquals(0, gauges.viewsInFlight());
            assertEquals(lookahead - 1, gauges.bufferedViews());
            return null;
        });
        long renderedWhileStalled = gauges.rendered();
        assertEquals(stallAt + lookahead, renderedWhileStalled, "nothing rendered past committed + lookahead");
        release.countDown();

        RunResult done = result.get(300, TimeUnit.SECONDS);
        assertTrue(gauges.maxOutstandingSteps() <= lookahead, "outstanding " + gauges.maxOutstandingSteps());
        assertTrue(gauges.maxBufferedViews() <= lookahead + 1, "buffered " + gauges.maxBufferedViews());
        assertTrue(gauges.maxViewsInFlight() <= lookahead + 1, "in flight " + gauges.maxViewsInFlight());
        assertEquals(steps, gauges.rendered(), "every step rendered once (no faults)");
        RunAssertions.assertSameRun(RunAssertions.reference(config, data), done, records);
    }
}
