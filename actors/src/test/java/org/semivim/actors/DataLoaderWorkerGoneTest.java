package org.semivim.actors;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A worker's request that arrives after its {@link DataLoader.WorkerGone} (a remote augmenter's last
 * RequestWork, overtaken by the death watch's notice on Artery's control stream) gets no work: a step
 * handed to an actor that is gone would never be rendered.
 */
class DataLoaderWorkerGoneTest {

    private static ActorTestKit kit;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create("loader-worker-gone", TestPekko.config());
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void aRequestFromAWorkerReportedGoneGetsNoWork() {
        TrainConfig config = TinyRuns.config("lyapema", 4);
        RunTopology topology = new RunTopology();
        RunContext run = new RunContext(config, TrainingData.load(config.data()), RunOptions.defaults(), topology);
        TestProbe<TeacherInference.Command> teacher = kit.createTestProbe();
        TestProbe<LyapunovSupervisor.Command> supervisor = kit.createTestProbe();
        TestProbe<Augmenter.Command> gone = kit.createTestProbe();
        TestProbe<Augmenter.Command> alive = kit.createTestProbe();
        ActorRef<DataLoader.Command> loader = kit.spawn(DataLoader.create(run));
        topology.fill(new RunTopology.Peers(loader, List.of(gone.ref(), alive.ref()), teacher.ref(), List.of(), List.of(), supervisor.ref()));
        loader.tell(new DataLoader.WorkerGone(gone.ref()));
        teacher.expectMessageClass(TeacherInference.LoaderRestarted.class);
        loader.tell(new DataLoader.RestartFrom(0));
        loader.tell(new DataLoader.RequestWork(gone.ref()));
        loader.tell(new DataLoader.RequestWork(alive.ref()));
        Augmenter.Render first = alive.expectMessageClass(Augmenter.Render.class);
        assertEquals(0, first.batch().step(), "the live worker gets the first step");
        gone.expectNoMessage(Duration.ofMillis(300));
    }
}
